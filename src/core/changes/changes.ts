import fs from 'node:fs/promises';
import path from 'node:path';
import { RESTORE_TEMP_DIR } from '../restore/temp';
import type { BackupRoot } from '../root/backupRoot';
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
  const { from, to, raw } = await root.changes.diff(snapshotA, b, { exclude, signal: options.signal, concurrency: options.concurrency, checksum: options.checksum });
  if (raw.unreadableTrees?.length) throw unreadableTree(root, raw.unreadableTrees.includes('a') ? { snapshot: from } : typeof target === 'string' ? { snapshot: to } : { working: to });
  return changeSet(root.spec, from, to, typeof target !== 'string', raw, options.checksum);
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
