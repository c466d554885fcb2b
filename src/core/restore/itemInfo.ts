import fs from 'node:fs/promises';
import type { ItemInfo } from './types';

/** lstat (and the link target) of a path on this machine; undefined when missing. Never follows a symlink. */
export async function localItemInfo(file: string): Promise<ItemInfo | undefined> {
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st) return undefined;
  const kind = st.isDirectory() ? 'folder' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'special file';
  return { kind, mode: st.mode & 0o7777, size: st.size, mtimeSeconds: Math.floor(st.mtimeMs / 1000), linkTarget: kind === 'symlink' ? await fs.readlink(file) : undefined };
}
