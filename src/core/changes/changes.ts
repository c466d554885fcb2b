import fs from 'node:fs/promises';
import path from 'node:path';
import { RESTORE_TEMP_DIR } from '../restore/temp';
import { changeSetsFor } from '../changeSets/changeSets';
import type { ChangeEntry } from '../changeSets/format';
import type { BackupRoot } from '../root/backupRoot';
import { snapshotInListing } from '../root/listing';
import { errnoCode, SnapshotError } from '../util/errors';
import { excludeMatcher } from '../util/excludeMatcher';
import { decodeNameBytes } from '../util/nameBytes';
import type { RawTreeDiff } from './treeDiff';

export interface ChangesOptions {
  /** rsync-style exclude patterns applied to both sides (see excludeMatcher), e.g. the ones the snapshots were taken with. */
  exclude?: string[];
  signal?: AbortSignal;
  /** Parallel file-system calls (default 64). */
  concurrency?: number;
  /** Content-true: compare the bytes of every pair of files of equal size, also when their mtimes are equal (reads them). */
  checksum?: boolean;
  /** Only what lies under this folder (relative, '/'-separated): nothing else is walked. */
  under?: string;
  /** Use the snapshots' change sets (default true): false walks both trees in full, as before change sets. */
  changeSets?: boolean;
}

/** What changed from one snapshot to another snapshot or to the working folder. */
export interface ChangeSet {
  root: string;
  /** Snapshot name of the "before" side. */
  from: string;
  /** Snapshot name of the "after" side, or the working folder's absolute path. */
  to: string;
  toWorking: boolean;
  /**
   * How files of equal size were compared: 'size-mtime' = rsync's quick check (equal size and mtime count as
   * unchanged; content read only when the mtimes differ), 'content' = the bytes of every such pair (options.checksum).
   */
  comparison: 'size-mtime' | 'content';
  /**
   * Paths relative to the snapshot, '/'-separated, sorted by their bytes. Files, symlinks and other non-folders
   * only: a new folder shows up as the files inside it; an empty folder added or removed is not reported.
   * A name that is not valid UTF-8 keeps its bad bytes as lone surrogates U+DC80–U+DCFF (lossless; see util/nameBytes.ts).
   */
  added: string[];
  modified: string[];
  deleted: string[];
  /** Folders that could not be read on either side (their content was not compared). */
  unreadable: string[];
}

/**
 * Files added / modified / deleted between snapshot A and snapshot B (names, or `latest`), or between snapshot A and
 * a working folder (`{ working: dir }`). "Modified" means different content, link target or kind — permission or
 * mtime-only changes (a `touch`) are not changes. In working mode the backup root is skipped when it lies inside
 * the working folder. A remote root gives the same answer in one ssh call, plus one for all content checks when some
 * file kept its size but not its mtime.
 */
export async function changes(root: BackupRoot, snapshotA: string, target: string | { working: string }, options: ChangesOptions = {}): Promise<ChangeSet> {
  const userExclude = excludeMatcher(options.exclude ?? []);
  // Our restore temp area (a killed restore's rsync temporaries) is never part of a snapshot: never a change either.
  const outside = options.under ? outsideOf(options.under) : () => false;
  const exclude = (rel: string, isDir: boolean) => (isDir && path.basename(rel) === RESTORE_TEMP_DIR) || outside(rel, isDir) || userExclude(rel, isDir);
  let b = target;
  if (typeof target !== 'string') {
    b = { working: path.resolve(target.working) };
    await checkWorkingFolder(b.working);
  }
  const diffOptions = { exclude, signal: options.signal, concurrency: options.concurrency, checksum: options.checksum };
  const narrowed = typeof b === 'string' && options.changeSets !== false ? await narrowByChangeSets(root, snapshotA, b, exclude, options.signal) : undefined;
  const { from, to, raw } = await root.changes.diff(snapshotA, b, narrowed ? { ...diffOptions, exclude: narrowed, narrow: true } : diffOptions);
  if (raw.unreadableTrees?.length) throw unreadableTree(root, raw.unreadableTrees.includes('a') ? { snapshot: from } : typeof target === 'string' ? { snapshot: to } : { working: to });
  return changeSet(root.spec, from, to, typeof target !== 'string', raw, options.checksum);
}

/**
 * Between two snapshots: the union of the change sets between them (changeSets/) as an exclude that leaves only the
 * paths they name (and the folders on the way to them, and everything under a folder created, deleted or turned into
 * a file), so the same walk, with the same rules, checks only those — a path changed and changed back is then no
 * change, exactly as in a full walk. Every path outside the union is the same file (or the same bytes, kind, size and
 * mtime) in every snapshot between, so the full walk would not report it either. Undefined (walk in full) when the
 * root keeps no sets, A and B are the same snapshot, or some set cannot be had.
 */
async function narrowByChangeSets(root: BackupRoot, a: string, b: string, exclude: (rel: string, isDir: boolean) => boolean, signal?: AbortSignal) {
  if (!root.changeSets) return undefined;
  const listing = await root.list({ signal });
  const names = listing.snapshots.map((s) => s.name);
  let [i, j] = [names.indexOf(snapshotInListing(listing, a).name), names.indexOf(snapshotInListing(listing, b).name)];
  if (i === j) return undefined;
  if (i > j) [i, j] = [j, i];
  // Far apart, the union names most of the tree anyway (measured: slower than the full walk); and a set computed
  // now costs a full walk of its pair, so only one is computed here (the neighbours the view's "Changed in this
  // snapshot" asks for), the rest must be recorded or cached already.
  if (j - i > NARROW_MAX_RANGE) return undefined;
  const sets = await changeSetsFor(root, listing, names.slice(i + 1, j + 1), { signal, computeAtMost: 1 });
  if (!sets) return undefined;
  // Many named paths: one lstat each costs more than the two find listings of a full walk (same answer either way).
  let named = 0;
  for (const entries of sets.sets.values()) named += entries.length;
  if (named > NARROW_MAX_PATHS) return undefined;
  const onPath = namedPaths([...sets.sets.values()]);
  return (rel: string, isDir: boolean) => exclude(rel, isDir) || !onPath(rel);
}

/** Snapshots apart beyond which the sets are not read: the full walk answers as fast. */
const NARROW_MAX_RANGE = 64;

/** Above this many entries in the sets between A and B, the full walk (two find listings) is faster than lstat per path. */
const NARROW_MAX_PATHS = 1500;

/** Whether a path (as treeDiff's exclude gets it) is named by the entries, lies on the way to one, or under a folder created, deleted or turned into something else. */
function namedPaths(sets: ChangeEntry[][]): (rel: string) => boolean {
  const named = new Set<string>();
  const ways = new Set<string>();
  const whole = new Set<string>();
  for (const entries of sets)
    for (const e of entries) {
      const text = e.path.toString(); // as treeDiff passes paths to an exclude
      if (named.has(text)) continue;
      named.add(text);
      if (e.op !== '~' || e.flags.includes('k')) whole.add(text);
      for (let cut = text.lastIndexOf('/'); cut > 0; cut = text.lastIndexOf('/', cut - 1)) {
        const up = text.slice(0, cut);
        if (ways.has(up)) break;
        ways.add(up);
      }
    }
  return (rel) => {
    if (named.has(rel) || ways.has(rel)) return true;
    if (!whole.size) return false;
    for (let cut = rel.lastIndexOf('/'); cut > 0; cut = rel.lastIndexOf('/', cut - 1)) if (whole.has(rel.slice(0, cut))) return true;
    return false;
  };
}

/**
 * A side that could not be read at all (mode 000, another owner): nothing was compared, so "no changes" would be a
 * false claim of equality. The error names the folder and what to do.
 */
function unreadableTree(root: BackupRoot, side: { snapshot: string } | { working: string }): SnapshotError {
  if ('working' in side)
    return new SnapshotError(
      'SOURCE_INVALID',
      `Working folder ${side.working} cannot be read (permission denied), so nothing was compared. Make it readable (chmod u+rx -- ${side.working}) or run as its owner, then try again.`,
      [side.working],
    );
  const where = root.pathOf(side.snapshot);
  const fix = `chmod u+rx -- ${root.hostPath(side.snapshot)}${root.host ? ` on ${root.host}` : ''}`;
  return new SnapshotError(
    'ROOT_INVALID',
    `Snapshot ${side.snapshot} cannot be read (${where}: permission denied), so nothing was compared. Make it readable (${fix}) or run as the user who owns the backups, then try again.`,
    [where],
  );
}

/** Excludes everything but `folder`, what is under it, and the folders on the way to it. */
function outsideOf(folder: string) {
  const prefix = `${folder.replace(/\/+$/, '')}/`;
  return (rel: string, isDir: boolean) => !(rel.startsWith(prefix) || (isDir && prefix.startsWith(`${rel}/`)));
}

function changeSet(root: string, from: string, to: string, toWorking: boolean, raw: RawTreeDiff, checksum?: boolean): ChangeSet {
  const text = (list: Buffer[]) => list.map(decodeNameBytes);
  return {
    root,
    from,
    to,
    toWorking,
    comparison: checksum ? 'content' : 'size-mtime',
    added: text(raw.added),
    modified: text(raw.modified),
    deleted: text(raw.deleted),
    unreadable: text(raw.unreadable),
  };
}

async function checkWorkingFolder(dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch((err) => {
    throw new SnapshotError(
      'SOURCE_INVALID',
      errnoCode(err) === 'ENOENT' ? `Working folder ${dir} does not exist: check the path.` : `Working folder ${dir} cannot be read: ${(err as Error).message}`,
    );
  });
  if (!stat.isDirectory()) throw new SnapshotError('SOURCE_INVALID', `${dir} is not a folder: compare a snapshot with the folder that was snapshotted.`);
}
