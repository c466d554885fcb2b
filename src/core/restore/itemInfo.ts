import fs from 'node:fs/promises';
import { fsPath } from '../util/nameBytes';
import { withReachablePath } from './longPath';
import type { ItemInfo } from './types';

/**
 * lstat (and the link target) of a path on this machine; undefined when missing. Never follows a symlink. Names that
 * are not UTF-8: see util/nameBytes; paths longer than PATH_MAX: see longPath.
 */
export async function localItemInfo(name: string): Promise<ItemInfo | undefined> {
  return withReachablePath(fsPath(name), async (file): Promise<ItemInfo | undefined> => {
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st) return undefined;
    const kind: ItemInfo['kind'] = st.isDirectory() ? 'folder' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'special file';
    return { kind, mode: st.mode & 0o7777, size: st.size, mtimeSeconds: Math.floor(st.mtimeMs / 1000), linkTarget: kind === 'symlink' ? await fs.readlink(file) : undefined };
  }).catch(() => undefined);
}
