import type { BackupRoot } from '../root/backupRoot';
import type { RootListing } from '../root/listing';
import { estimateRunCost, FloorVerdict, judgeFloor, SpaceFloor } from './spaceFloor';

/**
 * Under the lock, before anything is made: the filesystem's free space and inodes against the next run's cost,
 * estimated from the notes of the snapshot it links against (one notes read, one statfs; remote: 2 ssh calls).
 * Undefined when the free space cannot be read (the run goes ahead; a warning is logged).
 */
export async function checkFloor(root: BackupRoot, listing: RootListing, floor: SpaceFloor): Promise<FloorVerdict | undefined> {
  const space = await root.snapshots.space();
  if (!space) {
    root.logger.warn(`free space of ${root.spec} is unknown: the free-space floor is not checked for this snapshot`);
    return undefined;
  }
  const previous = listing.latest ?? listing.snapshots[listing.snapshots.length - 1];
  const meta = previous ? await root.notes.read(previous.name).catch(() => undefined) : undefined;
  return judgeFloor(space, estimateRunCost(previous && { name: previous.name, meta }, space.blockSize), floor);
}
