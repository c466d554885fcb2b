import { keptForever } from '../pin/pin';
import { applyPrune } from '../prune/prune';
import { oneEntryPlan } from '../prune/deleteOne';
import { thinningKeeps } from '../prune/thinning';
import type { BackupRoot } from '../root/backupRoot';
import { describeForeign, isOwnRoot, rootOwnership } from '../root/ownership';

/** What --make-room did: the snapshots it deleted (oldest first), and why it stopped short when it did. */
export interface MadeRoom {
  deleted: string[];
  note?: string;
}

export interface MakeRoomOptions {
  /** The folder being snapshotted: a root holding snapshots of anything else is not emptied without `includeForeign`. */
  source: string;
  /** Also delete in a root that holds other folders' snapshots or snapshots without notes (asked for explicitly). */
  includeForeign?: boolean;
  /** After each deletion: is there enough room now? Deleting stops as soon as it is. */
  enough: () => Promise<boolean>;
  now?: Date;
  signal?: AbortSignal;
}

/**
 * Deletes the oldest thinnable snapshots, one at a time, until `enough()` says the run fits: never the newest or what
 * latest points at, never pinned or pre-restore safety snapshots (keptForever), never one labelled by the user or
 * labelled by the editor in the last days (thinningKeeps: the retention policy's own rule). Each deletion is a
 * one-entry prune plan applied by applyPrune: under the root's lock, the folder re-checked (same identity, not
 * pinned since) before it is renamed to .deleting-NAME and removed. Never in a root with other folders' snapshots
 * (or snapshots without notes) unless `includeForeign`.
 */
export async function makeRoom(root: BackupRoot, options: MakeRoomOptions): Promise<MadeRoom> {
  const now = options.now ?? new Date();
  const ownership = await rootOwnership(root, options.source);
  if (!isOwnRoot(ownership) && !options.includeForeign)
    return {
      deleted: [],
      note: `--make-room deleted nothing: ${root.spec} also holds ${describeForeign(ownership)}, and making room deletes only in a root of this folder's snapshots alone (pass --make-room-foreign to delete the oldest of those too).`,
    };
  const { listing, stats } = await root.prune.scan(options.signal);
  const { notes } = await root.notes.readAll();
  const newest = listing.snapshots[listing.snapshots.length - 1]?.name;
  const candidates = listing.snapshots.filter((s) => {
    if (s.name === newest || s.name === listing.latest?.name || !stats.has(s.name)) return false;
    const meta = notes.get(s.name);
    return !keptForever(meta) && !thinningKeeps(meta, s.time, now);
  });
  const deleted: string[] = [];
  for (const victim of candidates) {
    const plan = oneEntryPlan(root, victim, stats.get(victim.name)!, 'oldest thinnable snapshot, deleted to make room', { now });
    const result = await applyPrune(root, plan, { signal: options.signal });
    deleted.push(...result.deleted);
    for (const skip of result.skipped) root.logger.warn(`make room: kept ${skip.name}: ${skip.why}`);
    if (result.deleted.length && (await options.enough())) return { deleted };
  }
  const left = candidates.length ? 'no thinnable snapshot is left' : 'no snapshot may be deleted (only the newest, pinned, labelled and safety snapshots are left)';
  return { deleted, note: `--make-room stopped: ${left}.` };
}
