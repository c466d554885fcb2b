import { keptForever } from '../pin/pin';
import type { BackupRoot } from '../root/backupRoot';
import type { SnapshotMeta } from '../root/notes';
import { parseSnapshotName } from '../root/format';
import { measureUsage } from '../usage/usage';
import { SnapshotError } from '../util/errors';
import { decide, PrunePolicy, validatePolicy } from './policy';
import type { ApplyOptions, PlanOptions, PruneEntry, PrunePlan, PruneResult } from './types';

/** What the policy would delete, and what that frees. Reads only; deletes nothing. Remote: 1 ssh call + 1 for sizes. */
export async function planPrune(root: BackupRoot, policy: PrunePolicy, options: PlanOptions = {}): Promise<PrunePlan> {
  validatePolicy(policy);
  const now = options.now ?? new Date();
  const includePinned = options.includePinned === true;
  const { listing, stats } = await root.prune.scan(options.signal);
  const notes = includePinned ? new Map<string, SnapshotMeta>() : (options.notes ?? (await root.notes.readAll()).notes);
  const snapshots = listing.snapshots.filter((s) => stats.has(s.name));
  const decisions = decide(
    snapshots.map((s) => ({ name: s.name, time: s.time, mtime: stats.get(s.name)!.mtime })),
    policy,
    now,
    new Set(listing.latest ? [listing.latest.name] : []),
  ).map((d) => {
    const kept = d.delete ? keptForever(notes.get(d.name)) : undefined;
    return kept ? { name: d.name, delete: false, forever: true, reason: `${kept}; the policy would delete it (${d.reason})` } : d;
  });
  const byName = new Map(snapshots.map((s) => [s.name, s]));
  const toDelete = decisions.filter((d) => d.delete);
  const sizes = options.measureSizes !== false && toDelete.length ? await measureUsage(root, { signal: options.signal }) : undefined;
  const unique = new Map(sizes?.report.snapshots.map((s) => [s.name, s.uniqueBytes]) ?? []);
  return {
    root: root.spec,
    policy,
    now,
    delete: toDelete.map((d): PruneEntry => {
      const snap = byName.get(d.name)!;
      const stat = stats.get(d.name)!;
      return { name: d.name, time: snap.time, mtime: stat.mtime, reason: d.reason, uniqueBytes: unique.get(d.name) ?? 0, id: stat.id };
    }),
    keep: decisions.filter((d) => !d.delete).map((d) => ({ name: d.name, time: byName.get(d.name)!.time, reason: d.reason, ...('forever' in d ? { forever: true } : {}) })),
    freesBytes: sizes ? sizes.freedBy(toDelete.map((d) => d.name)) : 0,
    measured: Boolean(sizes),
    includePinned,
  };
}

/**
 * Deletes exactly the plan's snapshots, under the root's lock, each re-checked first (a real directory with a snapshot
 * name directly in the root, the same directory as planned, not the newest, not what latest points at): renamed to
 * .deleting-NAME, then removed with its notes. Leftover .deleting-* folders of an interrupted prune are removed too.
 */
export async function applyPrune(root: BackupRoot, plan: PrunePlan, options: ApplyOptions = {}): Promise<PruneResult> {
  if (plan.root !== root.spec) throw new SnapshotError('BAD_INPUT', `This prune plan is for ${plan.root}, not ${root.spec}: plan again.`);
  const skipped: { name: string; why: string }[] = [];
  const entries: { name: string; id: string }[] = [];
  // Pinned since the preview (a plan without includePinned never deletes what is kept forever).
  const notes = plan.includePinned === true || !plan.delete.length ? new Map<string, SnapshotMeta>() : (await root.notes.readAll()).notes;
  for (const entry of plan.delete) {
    const kept = keptForever(notes.get(entry.name));
    if (kept) skipped.push({ name: entry.name, why: `${kept} since the preview` });
    else if (!parseSnapshotName(entry.name) || entry.name.includes('/')) skipped.push({ name: entry.name, why: 'not a snapshot name' });
    else if (!/^\d+:\d+$/.test(entry.id)) skipped.push({ name: entry.name, why: 'no identity in the plan: run the preview again' });
    else entries.push({ name: entry.name, id: entry.id });
  }
  // Run even with nothing planned: it finishes the deletions an interrupted prune left.
  const removed = await root.prune.remove(entries, options);
  return { root: root.spec, deleted: removed.deleted, skipped: [...skipped, ...removed.skipped], finished: removed.finished };
}
