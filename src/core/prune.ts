import fs from 'node:fs/promises';
import path from 'node:path';
import { LATEST_LINK, listSnapshots } from './backupRoot';
import { errnoCode, SnapshotError } from './errors';
import { acquireLock } from './lock';
import { decide, PrunePolicy, validatePolicy } from './prunePolicy';
import { removeDeletingLeftovers, removeTree } from './removeTree';
import { removeSnapshotMeta } from './snapshotMeta';
import { DELETING_PREFIX, parseSnapshotName } from './snapshotName';
import { measureUsage } from './usage';
import { applyRemotePrune, planRemotePrune } from './remote/remotePrune';
import { isRemoteRootSpec } from './remote/rootLocation';

export type { PrunePolicy } from './prunePolicy';

export { DELETING_PREFIX } from './snapshotName';

export interface PruneEntry {
  name: string;
  /** Time from the name. */
  time: Date;
  /** The directory's mtime (what --older-than measures). */
  mtime: Date;
  reason: string;
  /** What deleting this snapshot alone would free (0 when sizes were not measured). */
  uniqueBytes: number;
  /** Identity of the directory when planned (dev:ino), re-checked before deleting. */
  id: string;
}

export interface PrunePlan {
  root: string;
  policy: PrunePolicy;
  /** The "now" the policy was evaluated at. */
  now: Date;
  /** Oldest first. */
  delete: PruneEntry[];
  keep: { name: string; time: Date; reason: string }[];
  /** Bytes freed by deleting the whole plan (hard links shared only among deleted snapshots included). */
  freesBytes: number;
  /** False when sizes were skipped (measureSizes: false). */
  measured: boolean;
}

export interface PlanOptions {
  now?: Date;
  /** Measure unique/freed bytes with usage() (default true; cached after the first time). */
  measureSizes?: boolean;
  signal?: AbortSignal;
  /** For a remote root `[user@]host:/path`: the ssh command (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
}

/** What the policy would delete, and what that frees. Reads only; deletes nothing. */
export async function planPrune(root: string, policy: PrunePolicy, options: PlanOptions = {}): Promise<PrunePlan> {
  if (isRemoteRootSpec(root)) return planRemotePrune(root, policy, options);
  validatePolicy(policy);
  const now = options.now ?? new Date();
  const listing = await listSnapshots(root);
  const stats = await Promise.all(listing.snapshots.map((s) => fs.lstat(s.path)));
  const decisions = decide(
    listing.snapshots.map((s, i) => ({ name: s.name, time: s.time, mtime: stats[i].mtime })),
    policy,
    now,
    new Set(listing.latest ? [listing.latest.name] : []),
  );
  const byName = new Map(listing.snapshots.map((s, i) => [s.name, { snap: s, stat: stats[i] }]));
  const measured = options.measureSizes !== false && decisions.some((d) => d.delete);
  const sizes = measured ? await measureUsage(listing.root, { signal: options.signal }) : undefined;
  const unique = new Map(sizes?.report.snapshots.map((s) => [s.name, s.uniqueBytes]) ?? []);
  const toDelete = decisions.filter((d) => d.delete);
  return {
    root: listing.root,
    policy,
    now,
    delete: toDelete.map((d) => {
      const { snap, stat } = byName.get(d.name)!;
      return { name: d.name, time: snap.time, mtime: stat.mtime, reason: d.reason, uniqueBytes: unique.get(d.name) ?? 0, id: `${stat.dev}:${stat.ino}` };
    }),
    keep: decisions.filter((d) => !d.delete).map((d) => ({ name: d.name, time: byName.get(d.name)!.snap.time, reason: d.reason })),
    freesBytes: sizes ? sizes.freedBy(toDelete.map((d) => d.name)) : 0,
    measured: Boolean(sizes),
  };
}

export interface PruneResult {
  root: string;
  deleted: string[];
  /** Planned entries that were not deleted, and why (changed since the preview, now protected…). */
  skipped: { name: string; why: string }[];
  /** `.deleting-*` folders of an interrupted prune, removed now. */
  finished: string[];
}

export interface ApplyOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, name: string) => void;
  /** For a remote root `[user@]host:/path`: the ssh command (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
}

/**
 * Deletes exactly the plan's snapshots, under the root's lock, re-checking each one first: still a real
 * directory (not a symlink) with a snapshot name directly in the root, the same directory as planned, not
 * the newest, not what latest points at. Each is renamed to .deleting-NAME, then removed (read-only folders
 * made writable on the way), with its sidecar notes. Leftover .deleting-* folders of an interrupted prune
 * are removed too.
 */
export async function applyPrune(plan: PrunePlan, options: ApplyOptions = {}): Promise<PruneResult> {
  if (isRemoteRootSpec(plan.root)) return applyRemotePrune(plan, options);
  const root = path.resolve(plan.root);
  const lock = await acquireLock(root, process.env, 'prune');
  const deleted: string[] = [];
  const skipped: { name: string; why: string }[] = [];
  let finished: string[] = [];
  try {
    finished = await removeDeletingLeftovers(root);
    let done = 0;
    for (const entry of plan.delete) {
      if (options.signal?.aborted) {
        skipped.push({ name: entry.name, why: 'cancelled' });
        continue;
      }
      const why = await refusal(root, entry);
      if (why) {
        skipped.push({ name: entry.name, why });
        continue;
      }
      const doomed = path.join(root, DELETING_PREFIX + entry.name);
      await fs.rename(path.join(root, entry.name), doomed);
      await removeSnapshotMeta(root, entry.name);
      try {
        await removeTree(doomed);
      } catch (err) {
        throw new SnapshotError('BAD_INPUT', `Snapshot ${entry.name} was unlisted but could not be removed completely (${(err as Error).message}): remove ${doomed} by hand (rm -rf) to free its space.`);
      }
      deleted.push(entry.name);
      options.onProgress?.(++done, plan.delete.length, entry.name);
    }
  } finally {
    await lock.release();
  }
  return { root, deleted, skipped, finished };
}

/** Why this planned entry must not be deleted now, or undefined when it may. */
async function refusal(root: string, entry: PruneEntry): Promise<string | undefined> {
  if (!parseSnapshotName(entry.name) || entry.name !== path.basename(entry.name)) return 'not a snapshot name';
  const target = path.join(root, entry.name);
  if (path.dirname(target) !== root) return 'outside the backup root';
  const stat = await fs.lstat(target).catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)));
  if (!stat) return 'already gone';
  if (stat.isSymbolicLink()) return 'a symlink, not a snapshot';
  if (!stat.isDirectory()) return 'not a directory';
  if (`${stat.dev}:${stat.ino}` !== entry.id) return 'replaced by another directory since the preview';
  const listing = await listSnapshots(root);
  if (listing.latest?.name === entry.name) return 'latest points at it';
  const newest = listing.snapshots[listing.snapshots.length - 1];
  if (newest?.name === entry.name) return 'it is the newest snapshot';
  // latest pointing here by another spelling (absolute path, trailing slash) is caught by the listing; a
  // latest that resolves to this directory through other means is caught here.
  const latestReal = await fs.realpath(path.join(root, LATEST_LINK)).catch(() => undefined);
  if (latestReal && latestReal === (await fs.realpath(target))) return 'latest points at it';
  return undefined;
}
