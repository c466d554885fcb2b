import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { listSnapshots, Snapshot } from './backupRoot';
import { mapLimit } from './concurrency';
import { errnoCode } from './errors';
import { EntryKind, kindOf, quickVerdict, sameEntry, StatLike } from './fileCompare';
import { requireLocalRoot } from './localOnly';
import { checkRelativePath } from './relativePath';
import { remoteVersions } from './remote/remoteVersions';
import { isRemoteRootSpec } from './remote/rootLocation';

/** One distinct version of a file: a run of consecutive snapshots whose copies are identical. */
export interface FileVersion {
  kind: EntryKind;
  firstSnapshot: string;
  lastSnapshot: string;
  /** Every snapshot holding this version, oldest first. */
  snapshots: string[];
  /** Positions of firstSnapshot/lastSnapshot in FileHistory.snapshots (oldest = 0), to merge with absent ranges. */
  firstIndex: number;
  lastIndex: number;
  /** Absolute path of the copy in lastSnapshot: read it (read-only!) to show this version. For a remote root `[user@]host:/root/NAME/REL` (read it with readSnapshotFile, never fs). */
  path: string;
  size: number;
  /** Modification time of that copy. */
  mtime: Date;
  dev: number;
  ino: number;
  /** How many distinct inodes hold this version: 1 when every copy is a hard link; more after a touch-only change. */
  inodes: number;
  /** For a symlink: its target (never followed). */
  linkTarget?: string;
  /** True for the newest version identical to the working file (only when options.workingFolder was given). */
  current: boolean;
}

/** Snapshots in which the path does not exist. */
export interface AbsentRange {
  /** 'not-yet-created' before the first snapshot holding the file, 'deleted' after one. */
  reason: 'not-yet-created' | 'deleted';
  firstSnapshot: string;
  lastSnapshot: string;
  snapshots: string[];
  firstIndex: number;
  lastIndex: number;
}

export interface FileHistory {
  root: string;
  relativePath: string;
  /** Every finished snapshot looked at, oldest first. */
  snapshots: string[];
  /** Distinct versions, oldest first. Empty when no snapshot holds the path. */
  versions: FileVersion[];
  /** Ranges where the path is missing, oldest first. */
  absent: AbsentRange[];
  /** Snapshots whose copy could not be examined (permission denied); counted as absent. */
  unreadable: string[];
  /** Present with options.workingFolder: the working file and the index in `versions` of the version it equals. */
  working?: { path: string; exists: boolean; currentIndex?: number };
}

export interface VersionsOptions {
  /** Folder the relative path belongs to (the snapshotted folder): marks the version equal to the working file `current`. */
  workingFolder?: string;
  /** Parallel file-system calls (default 64). */
  concurrency?: number;
  /** For a remote root `[user@]host:/path`: the ssh command (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
  signal?: AbortSignal;
}

interface Copy extends VersionCopy {
  stat: BigIntStats;
}

/**
 * A file's distinct versions across all finished snapshots of a backup root. Consecutive copies with the same
 * inode (same device) are one version without further ado; otherwise sizes and mtimes are compared and the
 * content is read only when the sizes match but the mtimes differ (so a touch-only change is no new version).
 * A version is a run of consecutive snapshots: a file that goes back to older content, or comes back after a
 * deletion, starts a new version. Only lstat is used: symlinks are versions of their own (their target is
 * compared) and a path reached through a symlinked folder inside a snapshot counts as absent.
 */
export async function versions(root: string, relativePath: string, options: VersionsOptions = {}): Promise<FileHistory> {
  if (isRemoteRootSpec(root)) return remoteVersions(root, relativePath, options);
  const rel = checkRelativePath(relativePath);
  const listing = await listSnapshots(root);
  requireLocalRoot(listing.root, 'Listing the versions of a file');
  const limit = options.concurrency ?? 64;
  const segments = rel.split('/');
  const parents = segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
  const unreadable: string[] = [];

  const copies = await mapLimit(listing.snapshots, limit, (snapshot) => lstatCopy(snapshot, rel, parents, unreadable));
  const equalToPrevious = await mapLimit(copies, limit, async (copy, i) => {
    const prev = i > 0 ? copies[i - 1] : undefined;
    if (!copy || !prev) return false;
    return sameEntry(prev.path, prev.stat, copy.path, copy.stat);
  });
  const { history, groups } = buildHistory(listing.root, rel, listing.snapshots, copies, equalToPrevious, unreadable);
  await Promise.all(history.versions.map(async (v) => (v.linkTarget = v.kind === 'symlink' ? await fs.readlink(v.path) : undefined)));
  if (options.workingFolder !== undefined) history.working = await markCurrent(history.versions, groups as Copy[][], path.resolve(options.workingFolder, rel));
  return history;
}

/** One snapshot's copy of the path, however it was examined (local lstat, or a remote stat line). */
export interface VersionCopy {
  snapshot: Snapshot;
  /** Where the copy is: an absolute local path, or `[user@]host:/root/NAME/REL` for a remote root. */
  path: string;
  stat: StatLike;
  /** For a symlink, when already known (remote); the local code reads it afterwards. */
  linkTarget?: string;
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
  history.versions = groups.map((g) => toVersion(g, snapshots));
  return { history, groups };
}

async function lstatCopy(snapshot: Snapshot, rel: string, parents: string[], unreadable: string[]): Promise<Copy | undefined> {
  const file = path.join(snapshot.path, rel);
  // lstat follows symlinked parent folders: each parent must be a real folder, else the copy lies outside the snapshot.
  const [stat, ...dirs] = await Promise.all([file, ...parents.map((p) => path.join(snapshot.path, p))].map((p) => lstatOrError(p)));
  const failed = [stat, ...dirs].find((s) => typeof s === 'string');
  if (failed) {
    if (failed === 'EACCES') unreadable.push(snapshot.name);
    return undefined;
  }
  if (!dirs.every((d) => (d as BigIntStats).isDirectory())) return undefined;
  return { snapshot, path: file, stat: stat as BigIntStats };
}

/** lstat, or 'ENOENT' (missing, or a parent is not a folder) / 'EACCES' (not allowed to look). */
async function lstatOrError(p: string): Promise<BigIntStats | 'ENOENT' | 'EACCES'> {
  try {
    return await fs.lstat(p, { bigint: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'ENOENT';
    if (code === 'EACCES' || code === 'EPERM') return 'EACCES';
    throw err;
  }
}

function range(name: string, index: number) {
  return { firstSnapshot: name, lastSnapshot: name, snapshots: [name], firstIndex: index, lastIndex: index };
}

function extend(r: { lastSnapshot: string; snapshots: string[]; lastIndex: number }, name: string, index: number): void {
  r.lastSnapshot = name;
  r.snapshots.push(name);
  r.lastIndex = index;
}

function toVersion(group: VersionCopy[], all: Snapshot[]): FileVersion {
  const first = group[0];
  const last = group[group.length - 1];
  const kind = kindOf(last.stat);
  const inodes = new Set(group.map((c) => `${c.stat.dev}:${c.stat.ino}`)).size;
  return {
    kind,
    firstSnapshot: first.snapshot.name,
    lastSnapshot: last.snapshot.name,
    snapshots: group.map((c) => c.snapshot.name),
    firstIndex: all.indexOf(first.snapshot),
    lastIndex: all.indexOf(last.snapshot),
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
 * Marks the newest version equal to the working file; reads content for versions of the working file's size (also when
 * the mtimes are equal: "= working file" is a claim the user acts on, and cp -p / touch -r keep size and mtime).
 */
async function markCurrent(list: FileVersion[], groups: Copy[][], workingPath: string): Promise<FileHistory['working']> {
  const stat = await fs.lstat(workingPath, { bigint: true }).catch((err) => (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' ? undefined : Promise.reject(err)));
  if (!stat) return { path: workingPath, exists: false };
  for (let i = list.length - 1; i >= 0; i--) {
    const copy = groups[i][groups[i].length - 1];
    if (quickVerdict(copy.stat, stat) === 'different') continue;
    if (await sameEntry(copy.path, copy.stat, workingPath, stat, false)) {
      list[i].current = true;
      return { path: workingPath, exists: true, currentIndex: i };
    }
  }
  return { path: workingPath, exists: true };
}

/** Whether the working file holds exactly this version (same inode, else the bytes when the sizes match; symlinks by target). */
export async function workingFileMatches(version: Pick<FileVersion, 'path'>, workingPath: string): Promise<boolean> {
  const [a, b] = await Promise.all([fs.lstat(version.path, { bigint: true }), fs.lstat(workingPath, { bigint: true }).catch(() => undefined)]);
  if (!b) return false;
  return sameEntry(version.path, a, workingPath, b, false);
}

