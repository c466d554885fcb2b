import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../../util/errors';
import { LATEST_LINK } from '../format';
import { classifyRootEntries, LatestState, RootListing } from '../listing';

/**
 * Lists a backup root with one readdir: finished snapshots (real directories with a snapshot name — a
 * symlink named like one is not a snapshot), which one `latest` points at, and leftovers in progress.
 * Never walks inside a snapshot.
 */
export async function listLocal(root: string): Promise<RootListing> {
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
  const { snapshots, inProgress } = classifyRootEntries(
    entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() })),
    (name) => `${absRoot === '/' ? '' : absRoot}/${name}`, // absRoot is resolved and names hold no '/': path.join per entry was a tenth of a 10,000-snapshot listing
  );

  const { state, target, name } = await readLatest(absRoot, new Set(snapshots.map((s) => s.name)));
  const latest = name ? snapshots.find((s) => s.name === name) : undefined;
  if (latest) latest.latest = true;
  return { root: absRoot, snapshots, latest, latestState: state, latestTarget: target, inProgress };
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
  const exists = await fs.stat(resolved).then(
    () => true,
    () => false,
  );
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
