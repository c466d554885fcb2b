import { keptForever } from '../pin/pin';
import type { BackupRoot } from '../root/backupRoot';
import { findSnapshot } from '../root/find';
import type { Snapshot } from '../root/listing';
import { SnapshotError } from '../util/errors';
import { applyPrune } from './prune';
import type { PrunePlan, PruneResult } from './types';

/** A prune plan of exactly one snapshot, as applyPrune takes it (it re-checks the folder's identity under the lock). */
export function oneEntryPlan(root: BackupRoot, snapshot: Snapshot, stat: { id: string; mtime: Date }, reason: string, options: { now?: Date; includePinned?: boolean } = {}): PrunePlan {
  return {
    root: root.spec,
    policy: {},
    now: options.now ?? new Date(),
    delete: [{ name: snapshot.name, time: snapshot.time, mtime: stat.mtime, reason, uniqueBytes: 0, id: stat.id }],
    keep: [],
    freesBytes: 0,
    measured: false,
    includePinned: options.includePinned === true,
  };
}

/**
 * The plan that deletes one snapshot `name` (latest resolves). Refused with what to do instead: the newest snapshot
 * and the one latest points at (the next snapshot links against it), and — unless `includePinned` — a pinned or
 * pre-restore safety snapshot.
 */
export async function planDeleteSnapshot(root: BackupRoot, name: string, options: { includePinned?: boolean; signal?: AbortSignal } = {}): Promise<PrunePlan> {
  const snapshot = await findSnapshot(root, name);
  const { listing, stats } = await root.prune.scan(options.signal);
  const newest = listing.snapshots[listing.snapshots.length - 1]?.name;
  if (snapshot.name === listing.latest?.name || snapshot.name === newest)
    throw new SnapshotError(
      'BAD_INPUT',
      `${snapshot.name} is the ${snapshot.name === listing.latest?.name ? 'snapshot latest points at' : 'newest snapshot'}: the next snapshot links against it, so it is never deleted. Take a newer snapshot first, then delete this one. Nothing was deleted.`,
    );
  const kept = keptForever(await root.notes.read(snapshot.name));
  if (kept && !options.includePinned) throw new SnapshotError('BAD_INPUT', `${snapshot.name} is ${kept}: unpin it first, or pass --include-pinned. Nothing was deleted.`);
  const stat = stats.get(snapshot.name);
  if (!stat) throw new SnapshotError('NOT_FOUND', `${snapshot.name} is no longer a snapshot folder in ${root.spec}. Nothing was deleted.`);
  return oneEntryPlan(root, snapshot, stat, 'deleted by request', { includePinned: options.includePinned });
}

/** Deletes one snapshot (planDeleteSnapshot, then applyPrune under the root's lock). */
export async function deleteSnapshot(root: BackupRoot, name: string, options: { includePinned?: boolean; signal?: AbortSignal } = {}): Promise<PruneResult> {
  return applyPrune(root, await planDeleteSnapshot(root, name, options), { signal: options.signal });
}
