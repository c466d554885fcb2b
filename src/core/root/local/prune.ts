import { lstatSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../../util/errors';
import { removeDeletingLeftovers, removeTree } from '../../util/removeTree';
import type { PruneAccess } from '../backupRoot';
import { DELETING_PREFIX, LATEST_LINK, parseSnapshotName } from '../format';
import type { PruneEntry } from '../../prune/types';
import { listLocal } from './list';
import { acquireLock } from './lock';
import { removeSnapshotMeta } from './notes';

/** A prune in a local root: lstat for the plan; rename to .deleting-NAME, then removal, under the lock. */
export function localPrune(root: string): PruneAccess {
  return {
    async scan() {
      const listing = await listLocal(root);
      // lstatSync in batches, a turn of the event loop between them: 13,000 promised lstats took several times longer.
      const stats = new Map<string, { id: string; mtime: Date }>();
      for (const [i, s] of listing.snapshots.entries()) {
        if (i && i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
        const stat = lstatSync(s.path);
        stats.set(s.name, { id: `${stat.dev}:${stat.ino}`, mtime: stat.mtime });
      }
      return { listing, stats };
    },
    /**
     * Re-checks each planned entry first (still a real directory with a snapshot name directly in the root, the same
     * directory as planned, not the newest, not what latest points at); renames it to .deleting-NAME, removes its notes,
     * then removes it (read-only folders made writable on the way). Leftover .deleting-* folders are removed too.
     */
    async remove(entries, options) {
      const lock = await acquireLock(root, process.env, 'prune');
      const deleted: string[] = [];
      const skipped: { name: string; why: string }[] = [];
      let finished: string[] = [];
      try {
        finished = await removeDeletingLeftovers(root);
        let done = 0;
        for (const entry of entries) {
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
            throw new SnapshotError(
              'BAD_INPUT',
              `Snapshot ${entry.name} was unlisted but could not be removed completely (${(err as Error).message}): remove ${doomed} by hand (rm -rf) to free its space.`,
            );
          }
          deleted.push(entry.name);
          options.onProgress?.(++done, entries.length, entry.name);
        }
      } finally {
        await lock.release();
      }
      return { deleted, skipped, finished };
    },
  };
}

/** Why this planned entry must not be deleted now, or undefined when it may. */
async function refusal(root: string, entry: Pick<PruneEntry, 'name' | 'id'>): Promise<string | undefined> {
  if (!parseSnapshotName(entry.name) || entry.name !== path.basename(entry.name)) return 'not a snapshot name';
  const target = path.join(root, entry.name);
  if (path.dirname(target) !== root) return 'outside the backup root';
  const stat = await fs.lstat(target).catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)));
  if (!stat) return 'already gone';
  if (stat.isSymbolicLink()) return 'a symlink, not a snapshot';
  if (!stat.isDirectory()) return 'not a directory';
  if (`${stat.dev}:${stat.ino}` !== entry.id) return 'replaced by another directory since the preview';
  const listing = await listLocal(root);
  if (listing.latest?.name === entry.name) return 'latest points at it';
  const newest = listing.snapshots[listing.snapshots.length - 1];
  if (newest?.name === entry.name) return 'it is the newest snapshot';
  // latest pointing here by another spelling (absolute path, trailing slash) is caught by the listing; a
  // latest that resolves to this directory through other means is caught here.
  const latestReal = await fs.realpath(path.join(root, LATEST_LINK)).catch(() => undefined);
  if (latestReal && latestReal === (await fs.realpath(target))) return 'latest points at it';
  return undefined;
}
