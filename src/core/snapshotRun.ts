import { RootListing } from './backupRoot';
import { parseStats } from './rsync';
import type { SnapshotResult } from './snapshot';
import { formatSnapshotName, IN_PROGRESS_PREFIX } from './snapshotName';

/** Decisions a snapshot run makes from the root's listing, shared by local and remote roots. */

/**
 * --link-dest: the snapshot latest points at (its absolute path, as `pathOf` gives it on that side), or none —
 * with the reason, when snapshots exist but latest is missing, dangling or not a snapshot.
 */
export function chooseLinkDest(listing: RootListing, pathOf: (name: string) => string): { linkDest: string | null; fullCopyReason?: string } {
  if (listing.latest) return { linkDest: pathOf(listing.latest.name) };
  if (listing.snapshots.length === 0) return { linkDest: null };
  const why =
    listing.latestState === 'missing' ? 'latest is missing'
      : listing.latestState === 'dangling' ? `latest points at ${listing.latestTarget}, which does not exist`
        : `latest (${listing.latestTarget ?? 'not a symlink'}) is not a snapshot of this root`;
  return {
    linkDest: null,
    fullCopyReason: `Full copy: ${why}, so nothing was hard-linked. From now on latest points at this snapshot and the next ones link against it.`,
  };
}

/**
 * The run's local time as a name; a name already taken (finished, in progress, or — per `exists` — any other
 * entry) pushes it to the next free second.
 */
export async function freshName(listing: RootListing, now: Date, exists: (name: string) => Promise<boolean> = async () => false): Promise<string> {
  const taken = new Set([...listing.snapshots.map((s) => s.name), ...listing.inProgress.map((n) => n.slice(IN_PROGRESS_PREFIX.length))]);
  const time = new Date(now.getTime());
  for (;;) {
    const name = formatSnapshotName(time);
    if (!taken.has(name) && !(await exists(name))) return name;
    time.setSeconds(time.getSeconds() + 1);
  }
}

/** The result of a finished run, from rsync's --stats output (exit 23: kept, but partial). */
export function snapshotResult(
  fields: Pick<SnapshotResult, 'name' | 'path' | 'root' | 'linkDest' | 'fullCopyReason' | 'durationMs' | 'unreadable' | 'warnings'>,
  run: { stdout: string; exitCode: number },
): SnapshotResult {
  const stats = parseStats(run.stdout);
  return {
    ...fields,
    filesTotal: stats.files,
    filesTransferred: stats.regularFilesTransferred,
    filesUnchanged: Math.max(0, stats.regularFiles - stats.regularFilesTransferred),
    bytesTransferred: stats.totalTransferredFileSize,
    totalBytes: stats.totalFileSize,
    partial: run.exitCode === 23,
  };
}
