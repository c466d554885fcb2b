import type { BackupRoot } from './backupRoot';
import { Snapshot, snapshotInListing } from './listing';

/** Finds a snapshot by name (or `latest`), with a clear error when it is not there. */
export async function findSnapshot(root: BackupRoot, name: string, signal?: AbortSignal): Promise<Snapshot> {
  return snapshotInListing(await root.list({ signal }), name);
}
