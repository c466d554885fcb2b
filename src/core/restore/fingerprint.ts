import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { errnoCode } from '../util/errors';
import { fsPath, nameBytes } from '../util/nameBytes';
import { joinItem } from './paths';

/**
 * A digest of the target's state at every path a restore plan touches: type, mode, inode, and for non-directories
 * size, mtime and ctime in nanoseconds (ctime catches a rewrite that kept the mtime); for symlinks the link text.
 * Directories are compared by type, mode and inode only — their mtime changes whenever anything inside changes.
 * A path that does not exist counts as "absent". Anything different means the target changed since the preview.
 */
export async function targetFingerprint(targetDir: string, itemPaths: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const item of [...itemPaths].sort()) {
    hash.update(nameBytes(item));
    hash.update('\0');
    hash.update(await describe(fsPath(joinItem(targetDir, item))));
    hash.update('\n');
  }
  return hash.digest('hex');
}

async function describe(file: string | Buffer): Promise<string> {
  let st;
  try {
    st = await fs.lstat(file, { bigint: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    return `error:${code}`;
  }
  const mode = st.mode.toString(8);
  if (st.isDirectory()) return `dir ${mode} ${st.ino}`;
  const common = `${mode} ${st.ino} ${st.size} ${st.mtimeNs} ${st.ctimeNs}`;
  if (st.isSymbolicLink()) return `link ${common} ${await fs.readlink(file).catch(() => '?')}`;
  return `${st.isFile() ? 'file' : 'other'} ${common}`;
}
