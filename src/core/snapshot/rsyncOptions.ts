import type { BackupRoot } from '../root/backupRoot';
import { RESTORE_TEMP_EXCLUDE } from '../restore/temp';
import type { SnapshotOptions } from './types';

/**
 * What rsync compares and copies in a snapshot run — the same for the run itself and for the "anything changed?" dry
 * run, so the check sees exactly what the run would copy.
 *
 * --modify-window=-1: compare mtimes to the nanosecond. rsync's default quick check ignores sub-second differences, so
 * a same-size edit within the second of the previous snapshot would be linked, i.e. lost.
 * -H -S: hard links inside the source stay one file, sparse files stay sparse (cost measured by
 * scripts/bench-snapshot.mjs on 20,000 files: -H ×0.99, -H -S ×1.01 of plain rsync, so always on).
 */
export async function snapshotRsyncOptions(root: BackupRoot, source: string, options: Pick<SnapshotOptions, 'excludes' | 'oneFileSystem'>): Promise<string[]> {
  const args = ['-a', '-H', '-S', '--modify-window=-1', '--no-human-readable', ...root.rsync.transportArgs()];
  if (options.oneFileSystem) args.push('--one-file-system');
  for (const pattern of await snapshotExcludes(root, source, options)) args.push(`--exclude=${pattern}`);
  args.push(RESTORE_TEMP_EXCLUDE); // a killed restore's temporary files are never part of a snapshot
  return args;
}

/** The exclude patterns of a snapshot run: the user's, then the self-excludes (the root when it lies inside the source). Recorded in the notes. */
export async function snapshotExcludes(root: BackupRoot, source: string, options: Pick<SnapshotOptions, 'excludes'>): Promise<string[]> {
  return [...new Set([...(options.excludes ?? []), ...(await root.snapshots.selfExcludes(source))])];
}
