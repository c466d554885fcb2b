import fs from 'node:fs/promises';
import path from 'node:path';
import { joinItem } from '../../restore/paths';
import { localItemInfo } from '../../restore/itemInfo';
import { lstatLong } from '../../restore/longPath';
import { fsPath } from '../../util/nameBytes';
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
    // Names that are not UTF-8 by their bytes (fsPath), paths beyond PATH_MAX step by step (lstatLong).
    stat = await lstatLong(fsPath(sourcePath));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR')
      throw new SnapshotError('NOT_FOUND', `${relativePath} is not in snapshot ${name}: pick another snapshot or check the path (relative to the snapshotted folder).`);
    throw err;
  }
  // The path must not lead through a symlink stored in the snapshot (that would read from outside it): every folder
  // on the way is a real folder (lstat).
  if (relativePath !== '.') {
    let dir = snapshotPath;
    for (const segment of relativePath.split('/').slice(0, -1)) {
      dir = path.join(dir, segment);
      if (!(await lstatLong(fsPath(dir))).isDirectory())
        throw new SnapshotError('BAD_INPUT', `${relativePath} leads through a symlink inside snapshot ${name}: give the path of the link itself or of a real folder.`);
    }
  }
  return stat.isDirectory() ? 'folder' : 'file';
}
