/**
 * The change-set file format, version 1: what one snapshot N changed against its predecessor P (the snapshot before it
 * in the listing). Stored as ROOT/.rsync-snapshots.d/NAME.changes (or in the cache folder, same bytes):
 *
 *   {"format":"rsync-snapshots changes","version":1,"snapshot":"N","against":"P","snapshotFolder":{…},"againstFolder":{…},"entries":K,"source":"listing"}\n
 *   then K entries, each: OP KIND FLAGS ' ' PATH '\0'
 *
 * - the header is one line of JSON (JSON escapes every control character, so it holds no raw newline);
 * - `against` is P's name, or null for "full" (every path of N listed as created: a first snapshot, or a snapshot
 *   recorded after a gap in the chain); `snapshotFolder` / `againstFolder` are the folders' dev, ino, mtimeNs and
 *   ctimeNs as decimal strings (againstFolder null when against is null);
 * - OP: `+` created, `-` deleted, `~` changed; KIND: `f` file, `d` folder, `l` symlink, `o` other (N's kind; P's for
 *   `-`); FLAGS (for `~`, any order): `k` kind, `s` size, `t` mtime, `m` permission bits, `l` link target, `c` bytes
 *   (set only when size and mtime were equal and the bytes were compared), `r` device type/number;
 * - PATH: relative to the snapshot, '/'-separated, the name's raw bytes (newlines and non-UTF-8 bytes kept: only NUL
 *   ends it); every entry of a created or deleted folder is listed too, folders included;
 * - a folder's own mtime is not a change (it moves with its content); a path whose inode is the same in P and N
 *   (hard-linked by --link-dest) is unchanged.
 * A reader ignores a file whose header is not this format/version, whose entry count differs, or that does not end
 * right after the last entry's NUL: it is recomputed (see changeSets.ts for when a valid file is still not trusted).
 */

export const CHANGES_FORMAT = 'rsync-snapshots changes';
export const CHANGES_VERSION = 1;
/** File name suffix inside the notes folder (and the cache folder). */
export const CHANGES_SUFFIX = '.changes';
/** A bigger file is never read (a damaged or hostile root could hold any size): it is recomputed. */
export const CHANGES_MAX_BYTES = 256 * 1024 * 1024;

/** A snapshot folder's identity and times, as lstat gives them (decimal strings: bigints survive JSON). */
export interface FolderStamp {
  dev: string;
  ino: string;
  mtimeNs: string;
  ctimeNs: string;
}

export type ChangeOp = '+' | '-' | '~';
export type ChangeKind = 'f' | 'd' | 'l' | 'o';

export interface ChangeEntry {
  op: ChangeOp;
  kind: ChangeKind;
  /** For '~': which of k s t m l c r differ (see above); '' otherwise. */
  flags: string;
  /** Raw bytes of the relative path. */
  path: Buffer;
}

export interface ChangeSetHeader {
  format: typeof CHANGES_FORMAT;
  version: typeof CHANGES_VERSION;
  snapshot: string;
  against: string | null;
  snapshotFolder: FolderStamp;
  againstFolder: FolderStamp | null;
  entries: number;
  /** How it was made: 'listing' = computed from two inode listings, 'rsync' = recorded from rsync's itemized output. */
  source: 'listing' | 'rsync';
}

export interface StoredChangeSet {
  header: ChangeSetHeader;
  entries: ChangeEntry[];
}

const OPS = new Set(['+', '-', '~']);
const KINDS = new Set(['f', 'd', 'l', 'o']);
const FLAGS = /^[kstmlcr]*$/;
const SPACE = 0x20;
const NUL = 0;
const NEWLINE = 0x0a;

export function encodeChangeSet(set: StoredChangeSet): Buffer {
  const header = { ...set.header, entries: set.entries.length };
  const parts: Buffer[] = [Buffer.from(JSON.stringify(header) + '\n')];
  for (const e of set.entries) parts.push(Buffer.from(`${e.op}${e.kind}${e.flags} `, 'latin1'), e.path, Buffer.alloc(1));
  return Buffer.concat(parts);
}

function isStamp(v: unknown): v is FolderStamp {
  if (!v || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return ['dev', 'ino', 'mtimeNs', 'ctimeNs'].every((k) => typeof s[k] === 'string' && /^-?\d{1,30}$/.test(s[k] as string));
}

function parseHeader(text: string): ChangeSetHeader | undefined {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!h || typeof h !== 'object' || h.format !== CHANGES_FORMAT || h.version !== CHANGES_VERSION) return undefined;
  if (typeof h.snapshot !== 'string' || !(h.against === null || typeof h.against === 'string')) return undefined;
  if (!isStamp(h.snapshotFolder) || !(h.against === null ? h.againstFolder === null : isStamp(h.againstFolder))) return undefined;
  if (typeof h.entries !== 'number' || !Number.isSafeInteger(h.entries) || h.entries < 0) return undefined;
  if (h.source !== 'listing' && h.source !== 'rsync') return undefined;
  return h as unknown as ChangeSetHeader;
}

/** Pure: the file's bytes → the set, or undefined for anything that is not exactly a version-1 change set. */
export function decodeChangeSet(bytes: Buffer): StoredChangeSet | undefined {
  const eol = bytes.indexOf(NEWLINE);
  if (eol < 0 || eol > 64 * 1024) return undefined;
  const header = parseHeader(bytes.toString('utf8', 0, eol));
  if (!header) return undefined;
  const entries: ChangeEntry[] = [];
  let at = eol + 1;
  while (at < bytes.length) {
    const end = bytes.indexOf(NUL, at);
    if (end < 0) return undefined; // truncated
    const space = bytes.indexOf(SPACE, at);
    if (space < 0 || space > end || space - at < 2) return undefined;
    const op = String.fromCharCode(bytes[at]);
    const kind = String.fromCharCode(bytes[at + 1]);
    const flags = bytes.toString('latin1', at + 2, space);
    const path = bytes.subarray(space + 1, end);
    if (!OPS.has(op) || !KINDS.has(kind) || !FLAGS.test(flags) || !path.length || (op !== '~' && flags)) return undefined;
    entries.push({ op: op as ChangeOp, kind: kind as ChangeKind, flags, path: Buffer.from(path) });
    at = end + 1;
  }
  if (entries.length !== header.entries) return undefined;
  return { header, entries };
}

export function sameStamp(a: FolderStamp | null | undefined, b: FolderStamp | null | undefined): boolean {
  if (!a || !b) return a === b;
  return a.dev === b.dev && a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}
