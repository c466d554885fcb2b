import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from './errors';
import { isDeletingName } from '../root/format';

/**
 * `rm -rf` for a snapshot tree that may contain read-only directories (rsync -a copies their modes):
 * when removal is refused, directories are made writable on the way down and removal is retried.
 * Never follows symlinks.
 */
export async function removeTree(target: string): Promise<void> {
  try {
    await fs.rm(target, { recursive: true, force: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    await makeDirsWritable(target);
    await fs.rm(target, { recursive: true, force: true });
  }
}

async function makeDirsWritable(dir: string): Promise<void> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return;
  await fs.chmod(dir, (stat.mode & 0o7777) | 0o700);
  const parent = path.dirname(dir);
  const parentStat = await fs.lstat(parent).catch(() => undefined);
  if (parentStat && !(parentStat.mode & 0o200)) await fs.chmod(parent, (parentStat.mode & 0o7777) | 0o700).catch(() => {});
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeDirsWritable(path.join(dir, entry.name));
  }
}

/**
 * Finishes deletions an interrupted prune left (`.deleting-<snapshot name>` folders in the root; nothing else).
 * Called under the root's lock by every prune and snapshot. Returns the names removed.
 */
export async function removeDeletingLeftovers(root: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !isDeletingName(entry.name)) continue;
    await removeTree(path.join(root, entry.name));
    removed.push(entry.name);
  }
  return removed;
}
