import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';

/** What a path is, never following a symlink. */
export type EntryKind = 'file' | 'symlink' | 'directory' | 'other';

/** What the comparisons need of a stat: a local BigIntStats, or one built from a remote `stat` line. */
export type StatLike = Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'mode' | 'rdev' | 'isFile' | 'isSymbolicLink' | 'isDirectory'>;

export function kindOf(stat: StatLike): EntryKind {
  if (stat.isFile()) return 'file';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isDirectory()) return 'directory';
  return 'other';
}

const S_IFMT = 0o170000n;

/** What metadata alone says about two entries: 'content' when only reading them can tell. */
export type QuickVerdict = 'same' | 'different' | 'content';

/**
 * Same dev+ino ⇒ same (a hard link: nothing to read) — only when both are on this machine (`sameMachine`, default
 * true): a remote file's inode says nothing about a local one. Otherwise a different kind or size ⇒ different; files
 * with equal size and mtime ⇒ same (rsync's quick check, which is how rsync itself decided to link or copy); equal
 * size but another mtime (a `touch`, a revert) ⇒ read the content. Symlinks compare their target text; directories
 * are equal as entries (their children are compared separately); other entries (fifos, sockets, devices) by their
 * file type and device number — permissions never count. With `trustMtime` false (content-true: a claim a user acts
 * on), regular files of equal size always go to the content, whatever their mtimes (cp -p, touch -r, tar keep them).
 */
export function quickVerdict(a: StatLike, b: StatLike, sameMachine = true, trustMtime = true): QuickVerdict {
  if (sameMachine && a.dev === b.dev && a.ino === b.ino) return 'same';
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return 'different';
  if (kind === 'directory') return 'same';
  if (kind === 'other') return (a.mode & S_IFMT) === (b.mode & S_IFMT) && a.rdev === b.rdev ? 'same' : 'different';
  if (a.size !== b.size) return 'different';
  if (kind === 'symlink') return 'content';
  return trustMtime && a.mtimeNs === b.mtimeNs ? 'same' : 'content';
}

/**
 * Whether two entries hold the same thing: metadata first, then the content (streamed) or link target only if needed.
 * `trustMtime` false: equal size and mtime is not enough, the bytes are compared (see quickVerdict).
 */
export async function sameEntry(pathA: string | Buffer, statA: BigIntStats, pathB: string | Buffer, statB: BigIntStats, trustMtime = true): Promise<boolean> {
  const verdict = quickVerdict(statA, statB, true, trustMtime);
  if (verdict !== 'content') return verdict === 'same';
  if (kindOf(statA) === 'symlink') {
    const [ta, tb] = await Promise.all([fs.readlink(pathA, { encoding: 'buffer' }), fs.readlink(pathB, { encoding: 'buffer' })]);
    return ta.equals(tb);
  }
  return sameContent(pathA, pathB);
}

const CHUNK = 64 * 1024;

/** Byte-for-byte comparison of two regular files, reading both in chunks and stopping at the first difference. */
export async function sameContent(pathA: string | Buffer, pathB: string | Buffer): Promise<boolean> {
  const [fa, fb] = await Promise.all([fs.open(pathA, 'r'), fs.open(pathB, 'r')]);
  try {
    const bufA = Buffer.allocUnsafe(CHUNK);
    const bufB = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const [ra, rb] = await Promise.all([readFull(fa, bufA), readFull(fb, bufB)]);
      if (ra !== rb) return false;
      if (ra === 0) return true;
      if (bufA.compare(bufB, 0, rb, 0, ra) !== 0) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** Fills buf as far as the file allows (a short read is not the end of a file). */
async function readFull(handle: fs.FileHandle, buf: Buffer): Promise<number> {
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
