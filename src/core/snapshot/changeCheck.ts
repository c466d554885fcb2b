import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import type { Snapshot } from '../root/listing';
import { isMissingRoot, refuseEmptyPath, SnapshotError } from '../util/errors';
import { snapshotRsyncOptions } from './rsyncOptions';
import { checkSource } from './snapshot';
import type { SnapshotOptions } from './types';

export interface ChangeCheck {
  /** True when a snapshot taken now would copy or delete anything compared with `latest` (or there is nothing to compare with). */
  changed: boolean;
  /** The snapshot compared with: the one `latest` points at. */
  latest?: Snapshot;
  /** Why `changed` holds without itemized changes (no snapshot yet, unreadable files…). */
  reason?: string;
  /** The first itemized changes rsync reported (for logs), at most 20. */
  sample: string[];
  /** How many changes rsync itemized. */
  count: number;
}

/** rsync itemizes the top folder's mtime, which every snapshot's finish step sets to the run's time: not a change of the source. */
const TOP_FOLDER_TIME = /^\.d\.\.t\.{6} \.\/$/;

/**
 * Has anything changed since the latest snapshot? One `rsync --dry-run --itemize-changes` of SOURCE/ against the
 * snapshot `latest` points at, with the very options of a snapshot run (snapshot/rsyncOptions.ts: mtimes compared to
 * the nanosecond, the same excludes) plus `--delete --delete-excluded` (a file gone from the source, or newly
 * excluded, is a change too). So it reports a change exactly when a snapshot would copy or drop something — a same-size
 * edit within the same second included, since its mtime differs in the nanoseconds. What it cannot see the snapshot
 * cannot either: an edit that keeps size and mtime to the nanosecond (touch -r, cp -p) is linked, not copied, by
 * rsync's quick check. Writes nothing; takes no lock. Remote roots: one listing + one rsync over the shared connection.
 */
export async function checkForChanges(root: BackupRoot, options: Pick<SnapshotOptions, 'source' | 'excludes' | 'oneFileSystem' | 'signal'>): Promise<ChangeCheck> {
  refuseEmptyPath(options.source, 'source folder');
  const source = path.resolve(options.source);
  await checkSource(source);
  let listing;
  try {
    listing = await root.list({ signal: options.signal });
  } catch (err) {
    if (isMissingRoot(err)) return { changed: true, reason: 'the backup root does not exist yet', sample: [], count: 0 };
    throw err;
  }
  const latest = listing.latest;
  if (!latest) return { changed: true, reason: listing.snapshots.length ? `latest is ${listing.latestState}` : 'no snapshot yet', sample: [], count: 0 };
  const args = [...(await snapshotRsyncOptions(root, source, options)), '--dry-run', '--itemize-changes', '--delete', '--delete-excluded'];
  args.push('--', `${source}/`, root.rsync.arg(`${root.hostPath(latest.name)}/`, 'dest'));
  const run = await root.rsync.run(args, { signal: options.signal });
  if (run.cancelled) throw new SnapshotError('CANCELLED', 'Change check cancelled.');
  if (run.exitCode === 23 || run.exitCode === 24)
    return { changed: true, latest, reason: run.exitCode === 23 ? 'some files could not be read' : 'files vanished while checking', sample: [], count: 0 };
  if (run.exitCode !== 0) throw root.rsync.failure(run, 'Could not check for changes');
  const items = run.stdout.split('\n').filter((line) => line && !TOP_FOLDER_TIME.test(line));
  return { changed: items.length > 0, latest, sample: items.slice(0, 20), count: items.length };
}
