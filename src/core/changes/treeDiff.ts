import fs from 'node:fs/promises';
import { createLimiter, Limiter, mapLimit } from '../util/concurrency';
import { errnoCode, SnapshotError } from '../util/errors';
import { kindOf, quickVerdict, sameContent, StatLike } from '../util/fileCompare';

export interface TreeDiffOptions {
  /** Relative paths (exact, '/'-separated) to skip on both sides, with everything under them. */
  skip?: readonly string[];
  /** Further rule: skip a path when it returns true. */
  exclude?: (relativePath: string, isDirectory: boolean) => boolean;
  signal?: AbortSignal;
  /** Parallel file-system calls (default 64). */
  concurrency?: number;
  /**
   * Whether both trees are on the same machine, so equal dev+ino means the same file (default true). False for a
   * remote snapshot against a local folder: their inode numbers say nothing about each other.
   */
  sameMachine?: boolean;
  /**
   * Content-true (`changes --checksum`): regular files of equal size are compared by content even when their mtimes
   * are equal (the same inode on one machine still needs no reading). Default false: rsync's quick check.
   */
  checksum?: boolean;
  /**
   * Content comparison of regular files that metadata cannot tell apart (same size, other mtime), all at once at
   * the end of the walk: one boolean per relative path (true = same content). Default: both sides are local paths
   * and are read with sameContent; an unreadable or vanished file counts as different.
   */
  sameContent?: (relativePaths: Buffer[]) => Promise<boolean[]>;
}

/** Relative paths as raw bytes, so names that are not UTF-8 survive the walk; sorted by bytes (like `LC_ALL=C sort`). */
export interface RawTreeDiff {
  added: Buffer[];
  modified: Buffer[];
  deleted: Buffer[];
  /** Folders that could not be read on either side (their content is not compared). */
  unreadable: Buffer[];
  /** Which trees could not be read at all, at their top (then nothing was compared): 'a' = before, 'b' = after. */
  unreadableTrees?: ('a' | 'b')[];
}

/** One name in a folder of a tree. */
export interface SideEntry {
  name: Buffer;
  isDirectory: boolean;
}

/**
 * One tree to compare, however it is read: a local folder (readdir + lstat, see localSide) or a listing made
 * elsewhere, e.g. by one `find` over ssh (see listingSide). Paths are relative to the tree, '/'-separated bytes.
 */
export interface TreeSide {
  /** The names in folder `rel` (keyed by the name's latin1 text); undefined when it cannot be read, empty when gone. */
  readDir(rel: Buffer): Promise<Map<string, SideEntry> | undefined>;
  /** lstat-like metadata of a non-folder; undefined when it is gone. */
  stat(rel: Buffer): Promise<StatLike | undefined>;
  /** Target of a symlink, as bytes. */
  readLink(rel: Buffer): Promise<Buffer>;
}

interface Walk {
  a: TreeSide;
  b: TreeSide;
  options: TreeDiffOptions;
  skip: Set<string>;
  out: RawTreeDiff;
  /** Pairs of regular files whose content decides. */
  content: Buffer[];
}

const SLASH = Buffer.from('/');
const join = (base: Buffer, rel: Buffer) => (rel.length ? Buffer.concat([base, SLASH, rel]) : base);
const child = (rel: Buffer, name: Buffer) => (rel.length ? Buffer.concat([rel, SLASH, name]) : name);

/**
 * Regular files, symlinks and other non-folders that differ between two folder trees (a = before, b = after):
 * added, modified (content, link target or kind), deleted. Folders themselves are not reported, only what they hold.
 * Both trees are walked together; each pair present on both sides gets quickVerdict (same dev+ino ⇒ unchanged
 * without reading; kind, size, then mtime — rsync's quick check); symlinks of equal size compare their targets and
 * regular files of equal size but other mtime go to the content comparison, all at once at the end. Symlinks are
 * never followed. Local paths or TreeSides: the rules are the same for a local, a remote or a mixed comparison.
 */
export async function diffTrees(a: string | TreeSide, b: string | TreeSide, options: TreeDiffOptions = {}): Promise<RawTreeDiff> {
  const limit = createLimiter(options.concurrency ?? 64);
  const walk: Walk = {
    a: typeof a === 'string' ? localSide(a, limit) : a,
    b: typeof b === 'string' ? localSide(b, limit) : b,
    options,
    skip: new Set(options.skip ?? []),
    out: { added: [], modified: [], deleted: [], unreadable: [] },
    content: [],
  };
  await diffDir(walk, Buffer.alloc(0));
  if (walk.content.length) {
    checkCancel(options.signal);
    let compare = options.sameContent;
    if (!compare) {
      if (typeof a !== 'string' || typeof b !== 'string') throw new Error('diffTrees: sameContent is required unless both trees are local paths');
      compare = localSameContent(a, b, options.concurrency ?? 64);
    }
    const same = await compare(walk.content);
    if (same.length !== walk.content.length) throw new Error(`diffTrees: ${same.length} content results for ${walk.content.length} files`);
    walk.content.forEach((rel, i) => same[i] || walk.out.modified.push(rel));
  }
  for (const list of [walk.out.added, walk.out.modified, walk.out.deleted, walk.out.unreadable]) list.sort(Buffer.compare);
  return walk.out;
}

function checkCancel(signal?: AbortSignal): void {
  if (signal?.aborted) throw new SnapshotError('CANCELLED', 'Comparison cancelled.');
}

function skipped(walk: Walk, rel: Buffer, isDir: boolean): boolean {
  const text = rel.toString();
  return walk.skip.has(text) || (walk.options.exclude?.(text, isDir) ?? false);
}

async function diffDir(walk: Walk, rel: Buffer): Promise<void> {
  checkCancel(walk.options.signal);
  const [ea, eb] = await Promise.all([walk.a.readDir(rel), walk.b.readDir(rel)]);
  if (!ea || !eb) {
    walk.out.unreadable.push(rel);
    if (!rel.length) walk.out.unreadableTrees = [...(ea ? [] : ['a' as const]), ...(eb ? [] : ['b' as const])];
    return;
  }
  const jobs: Promise<void>[] = [];
  for (const [key, da] of ea) {
    const path = child(rel, da.name);
    const db = eb.get(key);
    if (skipped(walk, path, da.isDirectory && (!db || db.isDirectory))) continue;
    if (!db) jobs.push(oneSide(walk, walk.a, path, da, walk.out.deleted));
    else if (da.isDirectory && db.isDirectory) jobs.push(diffDir(walk, path));
    else if (da.isDirectory || db.isDirectory) {
      jobs.push(oneSide(walk, walk.a, path, da, walk.out.deleted), oneSide(walk, walk.b, path, db, walk.out.added));
    } else jobs.push(comparePair(walk, path));
  }
  for (const [key, db] of eb) {
    if (ea.has(key)) continue;
    const path = child(rel, db.name);
    if (!skipped(walk, path, db.isDirectory)) jobs.push(oneSide(walk, walk.b, path, db, walk.out.added));
  }
  await Promise.all(jobs);
}

/** An entry only one tree has: itself if it is not a folder, else every non-folder under it. */
async function oneSide(walk: Walk, side: TreeSide, rel: Buffer, entry: SideEntry, out: Buffer[]): Promise<void> {
  if (!entry.isDirectory) {
    out.push(rel);
    return;
  }
  checkCancel(walk.options.signal);
  const entries = await side.readDir(rel);
  if (!entries) {
    walk.out.unreadable.push(rel);
    return;
  }
  const jobs: Promise<void>[] = [];
  for (const d of entries.values()) {
    const path = child(rel, d.name);
    if (!skipped(walk, path, d.isDirectory)) jobs.push(oneSide(walk, side, path, d, out));
  }
  await Promise.all(jobs);
}

async function comparePair(walk: Walk, rel: Buffer): Promise<void> {
  const [sa, sb] = await Promise.all([walk.a.stat(rel), walk.b.stat(rel)]);
  if (!sa && !sb) return;
  if (!sa || !sb) {
    (sa ? walk.out.deleted : walk.out.added).push(rel);
    return;
  }
  const verdict = quickVerdict(sa, sb, walk.options.sameMachine ?? true, !walk.options.checksum);
  if (verdict === 'different') walk.out.modified.push(rel);
  if (verdict !== 'content') return;
  if (kindOf(sa) !== 'symlink') {
    walk.content.push(rel);
    return;
  }
  let same: boolean;
  try {
    const [ta, tb] = await Promise.all([walk.a.readLink(rel), walk.b.readLink(rel)]);
    same = ta.equals(tb);
  } catch (err) {
    if (!unreadableOrGone(err)) throw err;
    same = false; // unreadable or vanished meanwhile: report it rather than hide a possible change
  }
  if (!same) walk.out.modified.push(rel);
}

function unreadableOrGone(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EINVAL';
}

/** A local folder as a TreeSide: readdir with types, lstat and readlink (never following symlinks). */
export function localSide(dir: string, limit: Limiter = createLimiter(64)): TreeSide {
  const base = Buffer.from(dir);
  return {
    async readDir(rel) {
      try {
        const list = await limit(() => fs.readdir(join(base, rel), { withFileTypes: true, encoding: 'buffer' }));
        return new Map(list.map((d) => [d.name.toString('latin1'), { name: d.name, isDirectory: d.isDirectory() }]));
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
        if (code === 'EACCES' || code === 'EPERM') return undefined;
        throw err;
      }
    },
    async stat(rel) {
      try {
        return await limit(() => fs.lstat(join(base, rel), { bigint: true }));
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return undefined;
        throw err;
      }
    },
    readLink: (rel) => limit(() => fs.readlink(join(base, rel), { encoding: 'buffer' })),
  };
}

/** Content comparison of files at the same relative path under two local folders (unreadable/vanished ⇒ different). */
export function localSameContent(a: string, b: string, concurrency: number): (rels: Buffer[]) => Promise<boolean[]> {
  const [ba, bb] = [Buffer.from(a), Buffer.from(b)];
  return (rels) => mapLimit(rels, Math.max(1, Math.floor(concurrency / 2)), (rel) => sameContent(join(ba, rel), join(bb, rel)).catch((err) => (unreadableOrGone(err) ? false : Promise.reject(err))));
}

/** A non-folder or folder of a listing made elsewhere (e.g. parsed from `find -printf` output). */
export interface ListedEntry {
  stat: StatLike;
  /** Symlinks: the target. */
  linkTarget?: Buffer;
  /** A folder whose content could not be listed. */
  unreadable?: boolean;
}

/**
 * A complete listing as a TreeSide: `entries` maps each relative path (latin1 text of its bytes, '/'-separated,
 * no leading "./") to its entry. `unreadable` marks the whole tree as unreadable. Nothing is read from any disk.
 */
export function listingSide(entries: Map<string, ListedEntry>, unreadable = false): TreeSide {
  const folders = new Map<string, Map<string, SideEntry>>();
  for (const [key, entry] of entries) {
    const cut = key.lastIndexOf('/');
    const parent = cut < 0 ? '' : key.slice(0, cut);
    const name = key.slice(cut + 1);
    let folder = folders.get(parent);
    if (!folder) folders.set(parent, (folder = new Map()));
    folder.set(name, { name: Buffer.from(name, 'latin1'), isDirectory: entry.stat.isDirectory() });
  }
  return {
    async readDir(rel) {
      const key = rel.toString('latin1');
      if (key === '' ? unreadable : entries.get(key)?.unreadable) return undefined;
      return folders.get(key) ?? new Map();
    },
    async stat(rel) {
      return entries.get(rel.toString('latin1'))?.stat;
    },
    async readLink(rel) {
      const target = entries.get(rel.toString('latin1'))?.linkTarget;
      if (!target) throw Object.assign(new Error(`not a symlink: ${rel.toString()}`), { code: 'EINVAL' });
      return target;
    },
  };
}
