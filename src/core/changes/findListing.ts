import type { StatLike } from '../util/fileCompare';
import type { ListedEntry } from './treeDiff';

/** One GNU `find -printf` record after its type: dev, inode, size, mtime (seconds.fraction), permission bits (octal), link target, path. */
export const FIND_FORMAT = '\\0%D\\0%i\\0%s\\0%T@\\0%m\\0%l\\0%P\\0';

/**
 * find arguments (after the starting point) that print one record per entry under it, never the starting point: `%y`
 * type then FIND_FORMAT, or type `U` for a folder that cannot be listed (its content is not walked).
 */
export const FIND_RECORDS = ['-mindepth', '1', '(', '-type', 'd', '!', '(', '-readable', '-executable', ')', '-printf', `U${FIND_FORMAT}`, '-prune', ')', '-o', '-printf', `%y${FIND_FORMAT}`];

const TYPE_BITS: Record<string, bigint> = { f: 0o100000n, d: 0o040000n, U: 0o040000n, l: 0o120000n, p: 0o010000n, s: 0o140000n, c: 0o020000n, b: 0o060000n };
const S_IFMT = 0o170000n;

/** `%T@` of GNU find (seconds, a dot, 10 fraction digits) → nanoseconds, as lstat's mtimeNs. */
export function parseFindTime(text: string): bigint {
  const negative = text.startsWith('-');
  const [sec, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const ns = BigInt(sec || '0') * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
  return negative ? -ns : ns;
}

/** glibc's makedev: the st_rdev encoding lstat reports locally, so remote and local device numbers compare. */
export function makeDev(major: bigint, minor: bigint): bigint {
  return ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
}

function listedStat(type: string, dev: bigint, ino: bigint, size: bigint, mtimeNs: bigint, perm: bigint): StatLike {
  const mode = (TYPE_BITS[type] ?? 0n) | perm;
  const kind = mode & S_IFMT;
  return {
    dev,
    ino,
    size,
    mtimeNs,
    mode,
    rdev: 0n,
    isFile: () => kind === 0o100000n,
    isDirectory: () => kind === 0o040000n,
    isSymbolicLink: () => kind === 0o120000n,
  };
}

/**
 * The rest of one record whose type field was just read (`text` gives the next NUL-separated field as latin1 text,
 * one char per byte): its relative path (latin1 text of its bytes) and entry. Block/char devices get rdev 0: the
 * caller fills it in.
 */
export function readFindRecord(type: string, text: () => string): [string, ListedEntry] {
  const [dev, ino, size, mtime, perm, link, rel] = [text(), text(), text(), text(), text(), text(), text()];
  const stat = listedStat(type, BigInt(dev), BigInt(ino), BigInt(size), parseFindTime(mtime), BigInt(parseInt(perm, 8)));
  return [rel, { stat, linkTarget: type === 'l' ? Buffer.from(link, 'latin1') : undefined, unreadable: type === 'U' || undefined }];
}
