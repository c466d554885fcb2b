import fs from 'node:fs/promises';
import path from 'node:path';
import { joinItem } from '../../restore/paths';
import { localItemInfo } from '../../restore/itemInfo';
import { mapLimit } from '../../util/concurrency';
import { errnoCode, SnapshotError } from '../../util/errors';
import type { RestoreAccess } from '../backupRoot';
import { checkSnapshotName } from '../files';

/** The source side of a restore in a local root: lstat and realpath in the snapshot folder. */
export function localRestore(root: string): RestoreAccess {
  return {
    async source(snapshot, rel) {
      const snapshotPath = path.join(root, checkSnapshotName(snapshot));
      const sourcePath = rel === '.' ? snapshotPath : path.join(snapshotPath, rel);
      return { sourceType: await checkSource(snapshotPath, sourcePath, rel, snapshot), sourcePath };
    },
    items(plan, itemPaths) {
      const source = plan.relativePath === '.' ? path.join(root, plan.snapshot) : path.join(root, plan.snapshot, plan.relativePath);
      return mapLimit(itemPaths, 32, (p) => localItemInfo(plan.sourceType === 'file' ? source : joinItem(source, p)));
    },
    protectRoot: (targetDir, sourceType) => protectRoot(root, targetDir, sourceType),
  };
}

/** A backup root inside the target folder is never part of a restore (with --delete it would be listed for deletion). */
async function protectRoot(root: string, targetDir: string, sourceType: 'folder' | 'file'): Promise<string[]> {
  if (sourceType !== 'folder') return [];
  const [realRoot, realTarget] = await Promise.all([fs.realpath(root), fs.realpath(targetDir).catch(() => path.resolve(targetDir))]);
  if (!realRoot.startsWith(realTarget + path.sep)) return [];
  const rel = realRoot.slice(realTarget.length + 1);
  return [`--exclude=/${/[*?[]/.test(rel) ? rel.replace(/[*?[\\]/g, '\\$&') : rel}/`];
}

async function checkSource(snapshotPath: string, sourcePath: string, relativePath: string, name: string): Promise<'folder' | 'file'> {
  let stat;
  try {
    stat = await fs.lstat(sourcePath);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR')
      throw new SnapshotError('NOT_FOUND', `${relativePath} is not in snapshot ${name}: pick another snapshot or check the path (relative to the snapshotted folder).`);
    throw err;
  }
  // The path must not lead through a symlink stored in the snapshot (that would read from outside it).
  if (relativePath !== '.') {
    const [realParent, realSnapshot] = await Promise.all([fs.realpath(path.dirname(sourcePath)), fs.realpath(snapshotPath)]);
    if (realParent !== path.join(realSnapshot, path.dirname(relativePath)))
      throw new SnapshotError('BAD_INPUT', `${relativePath} leads through a symlink inside snapshot ${name}: give the path of the link itself or of a real folder.`);
  }
  return stat.isDirectory() ? 'folder' : 'file';
}
