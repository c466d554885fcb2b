import { SnapshotError } from '../util/errors';
import { IN_PROGRESS_PREFIX, LATEST_LINK, parseSnapshotName, SnapshotNameFormat } from './format';

export interface Snapshot {
  name: string;
  /** Absolute path of the snapshot directory. */
  path: string;
  time: Date;
  format: SnapshotNameFormat;
  /** True for the snapshot `latest` points at. */
  latest: boolean;
}

/** Where `latest` stands: a finished snapshot, nothing, a broken link, or something that is not a snapshot of this root. */
export type LatestState = 'ok' | 'missing' | 'dangling' | 'not-a-snapshot';

export interface RootListing {
  root: string;
  /** Finished snapshots, oldest first. */
  snapshots: Snapshot[];
  latest?: Snapshot;
  latestState: LatestState;
  /** Raw `readlink latest`, when it is a symlink. */
  latestTarget?: string;
  /** Names of unfinished snapshot directories (`.inprogress-…`), left by a crash or a running snapshot. */
  inProgress: string[];
}

/** Top-level entries of a root, however they were read (readdir here, one ssh call for a remote root). */
export interface RootEntry {
  name: string;
  /** A real directory (a symlink to one is not). */
  isDirectory: boolean;
}

/** Pure: finished snapshots (sorted oldest first, `latest` not yet marked) and `.inprogress-` leftovers (sorted). */
export function classifyRootEntries(entries: RootEntry[], snapshotPath: (name: string) => string): { snapshots: Snapshot[]; inProgress: string[] } {
  const snapshots: Snapshot[] = [];
  const inProgress: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory) continue;
    if (entry.name.startsWith(IN_PROGRESS_PREFIX)) {
      // Only ours: .inprogress-<snapshot name>. Anything else with that prefix is someone's folder, never touched.
      if (parseSnapshotName(entry.name.slice(IN_PROGRESS_PREFIX.length))) inProgress.push(entry.name);
      continue;
    }
    const parsed = parseSnapshotName(entry.name);
    if (parsed) snapshots.push({ name: entry.name, path: snapshotPath(entry.name), time: parsed.time, format: parsed.format, latest: false });
  }
  snapshots.sort((a, b) => a.time.getTime() - b.time.getTime() || a.name.localeCompare(b.name));
  return { snapshots, inProgress: inProgress.sort() };
}

/** The snapshot of a listing with this name (or `latest`); NOT_FOUND saying how to see the names otherwise. */
export function snapshotInListing(listing: RootListing, name: string): Snapshot {
  const found = name === LATEST_LINK ? listing.latest : listing.snapshots.find((s) => s.name === name);
  if (!found) {
    const hint = listing.snapshots.length ? `; the newest is ${listing.snapshots[listing.snapshots.length - 1].name}` : '; the root has no snapshot yet';
    throw new SnapshotError('NOT_FOUND', `No snapshot named ${name} in ${listing.root}${hint}. Run "rsync-snapshots list ${listing.root}" to see them.`);
  }
  return found;
}
