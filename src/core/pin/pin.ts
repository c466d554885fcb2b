import type { BackupRoot } from '../root/backupRoot';
import { findSnapshot } from '../root/find';
import { SnapshotMeta, triggerOf } from '../root/notes';

export interface PinResult {
  /** The snapshot's real name (`latest` resolved). */
  snapshot: string;
  pinned: boolean;
  /** False when the snapshot already was as asked (nothing written). */
  changed: boolean;
}

/**
 * Pins (keep forever) or unpins a snapshot: sets `pinned` in its notes, written atomically. A snapshot without notes
 * (a root made by the plain shell script) gets notes holding only that. `name` may be `latest`.
 */
export async function setPinned(root: BackupRoot, name: string, pinned: boolean): Promise<PinResult> {
  const snapshot = (await findSnapshot(root, name)).name;
  const meta: SnapshotMeta = (await root.notes.read(snapshot)) ?? {};
  if (Boolean(meta.pinned) === pinned) return { snapshot, pinned, changed: false };
  const next: SnapshotMeta = { ...meta, pinned: true };
  if (!pinned) delete next.pinned;
  await root.notes.write(snapshot, next);
  root.logger.info(`${pinned ? 'pinned' : 'unpinned'} ${snapshot} in ${root.spec}`);
  return { snapshot, pinned, changed: true };
}

/** Why prune and retention keep this snapshot whatever the policy says (unless asked to include pinned ones), or undefined. */
export function keptForever(meta: SnapshotMeta | undefined): string | undefined {
  if (meta?.pinned) return 'pinned (keep forever)';
  if (triggerOf(meta) === 'pre-restore') return 'safety snapshot taken before a restore';
  return undefined;
}
