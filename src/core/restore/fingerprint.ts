import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../util/errors';
import { fsPath, nameBytes } from '../util/nameBytes';
import { withReachablePath } from './longPath';
import { joinItem } from './paths';
import type { RestorePlan } from './types';

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
    hash.update(await withReachablePath(fsPath(joinItem(targetDir, item)), describe).catch(describeError));
    hash.update('\n');
  }
  return hash.digest('hex');
}

function describeError(err: unknown): string {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : `error:${code}`;
}

async function describe(file: string | Buffer): Promise<string> {
  let st;
  try {
    st = await fs.lstat(file, { bigint: true });
  } catch (err) {
    return describeError(err);
  }
  const mode = st.mode.toString(8);
  if (st.isDirectory()) return `dir ${mode} ${st.ino}`;
  const common = `${mode} ${st.ino} ${st.size} ${st.mtimeNs} ${st.ctimeNs}`;
  if (st.isSymbolicLink()) return `link ${common} ${await fs.readlink(file).catch(() => '?')}`;
  return `${st.isFile() ? 'file' : 'other'} ${common}`;
}

/**
 * The fingerprint a plan is checked against: its items in the target, or, when the plan replaces a symlink on the way
 * to the target (see workspaceLinks.ts), that link: nothing below it is looked at, as the restore never goes through it.
 */
export function restoreFingerprint(plan: Pick<RestorePlan, 'targetDir' | 'items' | 'replacesLink'>): Promise<string> {
  const link = plan.replacesLink;
  if (link) return targetFingerprint(path.dirname(link.path), [path.basename(link.path)]);
  return targetFingerprint(
    plan.targetDir,
    plan.items.map((i) => i.path),
  );
}
