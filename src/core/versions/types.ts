import type { EntryKind, StatLike } from '../util/fileCompare';
import type { RootListing, Snapshot } from '../root/listing';

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
  signal?: AbortSignal;
}

/** One snapshot's copy of the path, however it was examined (local lstat, or a remote stat line). */
export interface VersionCopy {
  snapshot: Snapshot;
  /** Where the copy is: an absolute local path, or `[user@]host:/root/NAME/REL` for a remote root. */
  path: string;
  stat: StatLike;
  /** For a symlink: its target (never followed). */
  linkTarget?: string;
}

/** What a root reports of one path across its snapshots: one copy per listed snapshot (undefined where absent). */
export interface VersionScan {
  listing: RootListing;
  copies: (VersionCopy | undefined)[];
  /** Snapshots whose copy could not be examined (permission denied). */
  unreadable: string[];
}
