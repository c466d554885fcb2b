import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, refuseEmptyPath, SnapshotError } from './errors';
import { IN_PROGRESS_PREFIX, parseSnapshotName, SnapshotNameFormat } from './snapshotName';
import { listRemoteSnapshots } from './remote/remoteRoot';
import { isRemoteRootSpec } from './remote/rootLocation';

export const LATEST_LINK = 'latest';

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

/**
 * Lists a backup root with one readdir: finished snapshots (real directories with a snapshot name — a
 * symlink named like one is not a snapshot), which one `latest` points at, and leftovers in progress.
 * Never walks inside a snapshot.
 */
export async function listSnapshots(root: string, options: ListOptions = {}): Promise<RootListing> {
  refuseEmptyPath(root, 'backup root');
  if (isRemoteRootSpec(root)) return listRemoteSnapshots(root, options);
  const absRoot = path.resolve(root);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(absRoot, { withFileTypes: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') throw new SnapshotError('ROOT_INVALID', `Backup root ${absRoot} does not exist yet: take a first snapshot or check the path.`);
    if (code === 'ENOTDIR') throw new SnapshotError('ROOT_INVALID', `Backup root ${absRoot} is not a directory: choose a folder.`);
    if (code === 'EACCES') throw new SnapshotError('ROOT_INVALID', `Backup root ${absRoot} cannot be read (permission denied): fix its permissions.`);
    throw err;
  }
  const { snapshots, inProgress } = classifyRootEntries(entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() })), (name) => path.join(absRoot, name));

  const { state, target, name } = await readLatest(absRoot, new Set(snapshots.map((s) => s.name)));
  const latest = name ? snapshots.find((s) => s.name === name) : undefined;
  if (latest) latest.latest = true;
  return { root: absRoot, snapshots, latest, latestState: state, latestTarget: target, inProgress };
}

/** Options for listing a remote root (`user@host:/path`); ignored for local roots. */
export interface ListOptions {
  /** ssh command (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
  signal?: AbortSignal;
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

async function readLatest(root: string, names: Set<string>): Promise<{ state: LatestState; target?: string; name?: string }> {
  let target: string;
  try {
    target = await fs.readlink(path.join(root, LATEST_LINK));
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return { state: 'missing' };
    if (code === 'EINVAL') return { state: 'not-a-snapshot' }; // a real file or directory named latest
    throw err;
  }
  // Accept `ln -s NAME latest` (ours, relative) and `ln -s $ROOT/NAME latest` (absolute, as some scripts write).
  const resolved = path.resolve(root, target.replace(/\/+$/, ''));
  const base = path.basename(resolved);
  const inRoot = path.dirname(resolved) === root || (await sameFile(path.dirname(resolved), root));
  if (inRoot && names.has(base)) return { state: 'ok', target, name: base };
  const exists = await fs.stat(resolved).then(() => true, () => false);
  return { state: exists ? 'not-a-snapshot' : 'dangling', target };
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([fs.stat(a), fs.stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Finds a snapshot by name (or `latest`), with a clear error when it is not there. */
export async function findSnapshot(root: string, name: string, options: ListOptions = {}): Promise<Snapshot> {
  return snapshotInListing(await listSnapshots(root, options), name);
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
