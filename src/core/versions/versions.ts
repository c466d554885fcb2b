import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import type { Snapshot } from '../root/listing';
import { errnoCode } from '../util/errors';
import { kindOf, quickVerdict } from '../util/fileCompare';
import { checkRelativePath } from '../util/relativePath';
import type { FileHistory, FileVersion, VersionCopy, VersionsOptions } from './types';

/**
 * A file's distinct versions across all finished snapshots of a backup root. Consecutive copies with the same
 * inode (same device) are one version without further ado; otherwise sizes and mtimes are compared and the
 * content is read only when the sizes match but the mtimes differ (so a touch-only change is no new version).
 * A version is a run of consecutive snapshots: a file that goes back to older content, or comes back after a
 * deletion, starts a new version. Only lstat is used: symlinks are versions of their own (their target is
 * compared) and a path reached through a symlinked folder inside a snapshot counts as absent.
 * Remote roots: one ssh call for the listing and every stat, one more for all content comparisons (if any).
 */
export async function versions(root: BackupRoot, relativePath: string, options: VersionsOptions = {}): Promise<FileHistory> {
  const rel = checkRelativePath(relativePath);
  const { listing, copies, unreadable } = await root.versions.scan(rel, options.signal);
  const equalToPrevious = copies.map(() => false);
  const toCompare: number[] = [];
  copies.forEach((copy, i) => {
    const prev = i > 0 ? copies[i - 1] : undefined;
    if (!copy || !prev) return;
    const verdict = quickVerdict(prev.stat, copy.stat);
    if (verdict !== 'content') equalToPrevious[i] = verdict === 'same';
    else if (kindOf(copy.stat) === 'symlink') equalToPrevious[i] = prev.linkTarget === copy.linkTarget;
    else toCompare.push(i);
  });
  const same = await root.versions.sameContent(
    rel,
    toCompare.map((i) => [copies[i - 1]!, copies[i]!]),
    options.signal,
  );
  toCompare.forEach((i, k) => (equalToPrevious[i] = same[k]));
  const { history, groups } = buildHistory(listing.root, rel, listing.snapshots, copies, equalToPrevious, unreadable);
  if (options.workingFolder !== undefined) history.working = await markCurrent(root, history.versions, groups, rel, path.resolve(options.workingFolder, rel));
  return history;
}

/**
 * Pure: groups the copies (one per snapshot, undefined where absent) into versions and absent ranges.
 * `equalToPrevious[i]` says whether copy i holds the same as copy i − 1 (decided by the caller: inode, size+mtime, content).
 */
export function buildHistory<C extends VersionCopy>(
  root: string,
  rel: string,
  snapshots: Snapshot[],
  copies: (C | undefined)[],
  equalToPrevious: boolean[],
  unreadable: string[],
): { history: FileHistory; groups: C[][] } {
  const history: FileHistory = {
    root,
    relativePath: rel,
    snapshots: snapshots.map((s) => s.name),
    versions: [],
    absent: [],
    unreadable: [...unreadable].sort(),
  };
  const groups: C[][] = [];
  let seenAny = false;
  copies.forEach((copy, i) => {
    if (!copy) {
      const last = history.absent[history.absent.length - 1];
      if (last && last.lastIndex === i - 1) extend(last, snapshots[i].name, i);
      else history.absent.push({ reason: seenAny ? 'deleted' : 'not-yet-created', ...range(snapshots[i].name, i) });
      return;
    }
    seenAny = true;
    if (equalToPrevious[i] && groups.length) groups[groups.length - 1].push(copy);
    else groups.push([copy]);
  });
  const indexOf = new Map(snapshots.map((s, i) => [s, i]));
  history.versions = groups.map((g) => toVersion(g, indexOf));
  return { history, groups };
}

function range(name: string, index: number) {
  return { firstSnapshot: name, lastSnapshot: name, snapshots: [name], firstIndex: index, lastIndex: index };
}

function extend(r: { lastSnapshot: string; snapshots: string[]; lastIndex: number }, name: string, index: number): void {
  r.lastSnapshot = name;
  r.snapshots.push(name);
  r.lastIndex = index;
}

function toVersion(group: VersionCopy[], indexOf: Map<Snapshot, number>): FileVersion {
  const first = group[0];
  const last = group[group.length - 1];
  const kind = kindOf(last.stat);
  const inodes = new Set(group.map((c) => `${c.stat.dev}:${c.stat.ino}`)).size;
  return {
    kind,
    firstSnapshot: first.snapshot.name,
    lastSnapshot: last.snapshot.name,
    snapshots: group.map((c) => c.snapshot.name),
    firstIndex: indexOf.get(first.snapshot)!,
    lastIndex: indexOf.get(last.snapshot)!,
    path: last.path,
    size: Number(last.stat.size),
    mtime: new Date(Number(last.stat.mtimeNs / 1_000_000n)),
    dev: Number(last.stat.dev),
    ino: Number(last.stat.ino),
    inodes,
    linkTarget: kind === 'symlink' ? last.linkTarget : undefined,
    current: false,
  };
}

/**
 * Marks the newest version equal to the working file (on this machine): by kind and size, the link target for
 * symlinks, and the bytes whenever the sizes match — equal mtimes included: "= working file" is a claim the user acts
 * on, and cp -p / touch -r keep size and mtime. The same inode (a local root only) needs no reading.
 */
async function markCurrent(root: BackupRoot, list: FileVersion[], groups: VersionCopy[][], rel: string, workingPath: string): Promise<FileHistory['working']> {
  const stat: BigIntStats | undefined = await fs.lstat(workingPath, { bigint: true }).catch((err) => (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' ? undefined : Promise.reject(err)));
  if (!stat) return { path: workingPath, exists: false };
  for (let i = list.length - 1; i >= 0; i--) {
    const copy = groups[i][groups[i].length - 1];
    const sameInode = root.versions.sameMachine && copy.stat.dev === stat.dev && copy.stat.ino === stat.ino;
    const verdict = sameInode ? 'same' : quickVerdict(copy.stat, stat, false, false);
    if (verdict === 'different') continue;
    const same = verdict === 'same' || (kindOf(copy.stat) === 'symlink' ? copy.linkTarget === (await fs.readlink(workingPath)) : await root.versions.sameAsLocalFile(rel, copy, workingPath));
    if (same) {
      list[i].current = true;
      return { path: workingPath, exists: true, currentIndex: i };
    }
  }
  return { path: workingPath, exists: true };
}
