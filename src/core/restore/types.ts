export const RESTORE_PLAN_VERSION = 1;

export type RestoreItemKind = 'create' | 'overwrite' | 'delete' | 'mkdir' | 'symlink';
export const RESTORE_ITEM_KINDS: readonly RestoreItemKind[] = ['create', 'overwrite', 'delete', 'mkdir', 'symlink'];

export interface RestoreChanges {
  size?: boolean;
  time?: boolean;
  perms?: boolean;
  owner?: boolean;
  group?: boolean;
  /** Symlinks: the link's target text differs; regular files: same size, other bytes (restore compares with --checksum). */
  checksum?: boolean;
  /**
   * The target holds an item of another kind at this path (a file where the snapshot has a folder or a link, …):
   * rsync replaces it, so it is an overwrite to review, never a mere creation.
   */
  type?: boolean;
}

export interface RestoreItem {
  /** Relative to `plan.targetDir`, no trailing slash; `.` is the target folder itself. */
  path: string;
  kind: RestoreItemKind;
  isDir: boolean;
  /** What differs, for `overwrite` (and a changed `symlink`); empty for new items and deletions. */
  changes: RestoreChanges;
  /** For `symlink`: what the restored link will point at (read from the snapshot; never followed). */
  linkTarget?: string;
  /** rsync's 11-character itemize code, e.g. `>f.st......`. */
  code: string;
}

export type RestoreCounts = Record<RestoreItemKind, number>;

/**
 * What a restore would do, from `rsync --dry-run --itemize-changes`. Plain JSON (no Date, no class): it can be
 * posted to a webview and handed back to applyRestore together with the paths the user left out.
 */
export interface RestorePlan {
  version: typeof RESTORE_PLAN_VERSION;
  id: string;
  /** ISO time of the preview. */
  createdAt: string;
  /** Absolute backup root. */
  root: string;
  /** Snapshot name (`latest` resolved to the real name). */
  snapshot: string;
  /** What was asked for, relative to the snapshot: `.` for all of it. */
  relativePath: string;
  /** Absolute path of that inside the snapshot. */
  sourcePath: string;
  /** A folder restores its content into `target`; a file (or symlink) becomes `target`. */
  sourceType: 'folder' | 'file';
  /** Absolute path the source is restored to. */
  target: string;
  /** Folder the item paths are relative to: `target` for a folder, its parent folder for a file. */
  targetDir: string;
  /** --delete: remove what the snapshot does not have (folder restores only). */
  delete: boolean;
  /**
   * Exclude patterns that protect the target (the snapshot's recorded excludes, plus the ones the caller adds for
   * snapshots without notes): paths matching them are left alone, never overwritten or deleted (folder restores).
   */
  excludes: string[];
  /** The exact dry-run command, for display. */
  commandLine: string;
  items: RestoreItem[];
  counts: RestoreCounts;
  /** Existing folders whose modification time only is set back; not items (nothing to review), but applied. */
  dirTimeUpdates: string[];
  /** Messages rsync printed during the preview (e.g. "cannot delete non-empty directory: x" without --delete). */
  warnings: string[];
  /** Digest of the target at every item path (see targetFingerprint); checked again before applying. */
  targetFingerprint: string;
  /**
   * The folder whose path components down to the target were checked with lstat (the workspace: the folder the
   * snapshot was taken of, or the one the caller names; see workspaceLinks.ts). Absent in plans from older versions.
   */
  workspace?: string;
  /**
   * A symlink on the way to the target (or the target folder itself), where the snapshot has a folder: applying
   * removes the link itself (never what it points at) and restores into a real folder in its place. Never written through.
   */
  replacesLink?: ReplacedLink;
}

/** A symlink in the workspace that a restore replaces with the folder from the snapshot. */
export interface ReplacedLink {
  /** Absolute path of the link: the target folder or a folder above it, below the plan's workspace. */
  path: string;
  /** What it pointed at when the plan was made (readlink). */
  linkTarget: string;
}

/** What a snapshot holds at a path, as verification and symlink targets need it (local lstat, or a stat on the host). */
export interface ItemInfo {
  kind: 'folder' | 'symlink' | 'file' | 'special file';
  /** Permission bits (& 0o7777). */
  mode: number;
  size: number;
  mtimeSeconds: number;
  linkTarget?: string;
}

/** The checked source of a restore: a folder restores its content, a file (or symlink) becomes the target. */
export interface RestoreSource {
  sourceType: 'folder' | 'file';
  /** ROOT/SNAPSHOT/REL as the root names it (local path, or `[user@]host:/path`): shown and recorded in the plan. */
  sourcePath: string;
}
