import fs from 'node:fs/promises';
import { fsPath } from '../util/nameBytes';
import type { ItemInfo } from './types';

/** lstat (and the link target) of a path on this machine; undefined when missing. Never follows a symlink. Names that are not UTF-8: see util/nameBytes. */
export async function localItemInfo(name: string): Promise<ItemInfo | undefined> {
  const file = fsPath(name);
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st) return undefined;
  const kind = st.isDirectory() ? 'folder' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'special file';
  return { kind, mode: st.mode & 0o7777, size: st.size, mtimeSeconds: Math.floor(st.mtimeMs / 1000), linkTarget: kind === 'symlink' ? await fs.readlink(file) : undefined };
}
