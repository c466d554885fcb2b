import type { BigIntStats, Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import { createLimiter, Limiter } from './concurrency';
import { errnoCode, SnapshotError } from './errors';
import { sameEntry } from './fileCompare';

export interface TreeDiffOptions {
  /** Relative paths (exact, '/'-separated) to skip on both sides, with everything under them. */
  skip?: readonly string[];
  /** Further rule: skip a path when it returns true. */
  exclude?: (relativePath: string, isDirectory: boolean) => boolean;
  signal?: AbortSignal;
  /** Parallel file-system calls (default 64). */
  concurrency?: number;
}

/** Relative paths as raw bytes, so names that are not UTF-8 survive the walk; sorted by bytes (like `LC_ALL=C sort`). */
export interface RawTreeDiff {
  added: Buffer[];
  modified: Buffer[];
  deleted: Buffer[];
  /** Folders that could not be read on either side (their content is not compared). */
  unreadable: Buffer[];
}

type Entries = Map<string, Dirent<Buffer>>;
interface Walk {
  a: Buffer;
  b: Buffer;
  limit: Limiter;
  options: TreeDiffOptions;
  skip: Set<string>;
  out: RawTreeDiff;
}

const SLASH = Buffer.from('/');
const join = (base: Buffer, rel: Buffer) => (rel.length ? Buffer.concat([base, SLASH, rel]) : base);
const child = (rel: Buffer, name: Buffer) => (rel.length ? Buffer.concat([rel, SLASH, name]) : name);

/**
 * Regular files, symlinks and other non-folders that differ between two folder trees (a = before, b = after):
 * added, modified (content, link target or kind), deleted. Folders themselves are not reported, only what they hold.
 * Both trees are walked together; a pair with the same dev+ino is unchanged without reading, then size+mtime decide
 * (rsync's quick check) and content is read only when sizes match but mtimes differ. Symlinks are never followed.
 */
export async function diffTrees(a: string, b: string, options: TreeDiffOptions = {}): Promise<RawTreeDiff> {
  const walk: Walk = {
    a: Buffer.from(a),
    b: Buffer.from(b),
    limit: createLimiter(options.concurrency ?? 64),
    options,
    skip: new Set(options.skip ?? []),
    out: { added: [], modified: [], deleted: [], unreadable: [] },
  };
  await diffDir(walk, Buffer.alloc(0));
  for (const list of Object.values(walk.out) as Buffer[][]) list.sort(Buffer.compare);
  return walk.out;
}

function skipped(walk: Walk, rel: Buffer, isDir: boolean): boolean {
  const text = rel.toString();
  return walk.skip.has(text) || (walk.options.exclude?.(text, isDir) ?? false);
}

async function readDir(walk: Walk, base: Buffer, rel: Buffer): Promise<Entries | undefined> {
  if (walk.options.signal?.aborted) throw new SnapshotError('CANCELLED', 'Comparison cancelled.');
  try {
    const list = await walk.limit(() => fs.readdir(join(base, rel), { withFileTypes: true, encoding: 'buffer' }));
    return new Map(list.map((d) => [d.name.toString('latin1'), d]));
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
    if (code === 'EACCES' || code === 'EPERM') return undefined;
    throw err;
  }
}

async function diffDir(walk: Walk, rel: Buffer): Promise<void> {
  const [ea, eb] = await Promise.all([readDir(walk, walk.a, rel), readDir(walk, walk.b, rel)]);
  if (!ea || !eb) {
    walk.out.unreadable.push(rel);
    return;
  }
  const jobs: Promise<void>[] = [];
  for (const [key, da] of ea) {
    const path = child(rel, da.name);
    const db = eb.get(key);
    if (skipped(walk, path, da.isDirectory() && (!db || db.isDirectory()))) continue;
    if (!db) jobs.push(oneSide(walk, walk.a, path, da, walk.out.deleted));
    else if (da.isDirectory() && db.isDirectory()) jobs.push(diffDir(walk, path));
    else if (da.isDirectory() || db.isDirectory()) {
      jobs.push(oneSide(walk, walk.a, path, da, walk.out.deleted), oneSide(walk, walk.b, path, db, walk.out.added));
    } else jobs.push(comparePair(walk, path));
  }
  for (const [key, db] of eb) {
    if (ea.has(key)) continue;
    const path = child(rel, db.name);
    if (!skipped(walk, path, db.isDirectory())) jobs.push(oneSide(walk, walk.b, path, db, walk.out.added));
  }
  await Promise.all(jobs);
}

/** An entry only one tree has: itself if it is not a folder, else every non-folder under it. */
async function oneSide(walk: Walk, base: Buffer, rel: Buffer, entry: Dirent<Buffer>, out: Buffer[]): Promise<void> {
  if (!entry.isDirectory()) {
    out.push(rel);
    return;
  }
  const entries = await readDir(walk, base, rel).then((e) => e ?? (walk.out.unreadable.push(rel), undefined));
  if (!entries) return;
  const jobs: Promise<void>[] = [];
  for (const d of entries.values()) {
    const path = child(rel, d.name);
    if (!skipped(walk, path, d.isDirectory())) jobs.push(oneSide(walk, base, path, d, out));
  }
  await Promise.all(jobs);
}

async function comparePair(walk: Walk, rel: Buffer): Promise<void> {
  const pa = join(walk.a, rel);
  const pb = join(walk.b, rel);
  const stats = await walk.limit(() => Promise.all([lstat(pa), lstat(pb)]));
  const [sa, sb] = stats;
  if (!sa && !sb) return;
  if (!sa || !sb) {
    (sa ? walk.out.deleted : walk.out.added).push(rel);
    return;
  }
  let same: boolean;
  try {
    same = await walk.limit(() => sameEntry(pa, sa, pb, sb));
  } catch (err) {
    if (errnoCode(err) !== 'EACCES' && errnoCode(err) !== 'EPERM' && errnoCode(err) !== 'ENOENT') throw err;
    same = false; // unreadable or vanished meanwhile: report it rather than hide a possible change
  }
  if (!same) walk.out.modified.push(rel);
}

async function lstat(p: Buffer): Promise<BigIntStats | undefined> {
  try {
    return await fs.lstat(p, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}
