import { changes } from '../changes/changes';
import type { BackupRoot } from '../root/backupRoot';
import { checkRelativePath } from '../util/relativePath';

/** A snapshot in which something under the folder changed since the snapshot before it. */
export interface FolderVersion {
  snapshot: string;
  /** The snapshot compared with (the one before). */
  previous: string;
  added: string[];
  modified: string[];
  deleted: string[];
}

export interface FolderHistory {
  root: string;
  relativePath: string;
  /** Newest first: snapshots where files under the folder were added, modified or deleted. */
  versions: FolderVersion[];
  /** Snapshots compared (newest first); fewer than the root holds when `limit` cut the search short. */
  examined: number;
  total: number;
}

/**
 * The versions of a folder: the snapshots where something under it changed, newest first, with what changed (the
 * changes feature's rules: content, link target or kind; a touch is no change). Only the newest `limit` snapshots
 * (default 50) are compared, each with the one before it, walking only what lies under the folder. The oldest
 * snapshot is no entry: nothing before it to compare with.
 */
export async function folderHistory(root: BackupRoot, relativePath: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<FolderHistory> {
  const rel = checkRelativePath(relativePath);
  const listing = await root.list({ signal: options.signal });
  const names = listing.snapshots.map((s) => s.name);
  const limit = Math.min(names.length, options.limit ?? 50);
  const result: FolderHistory = { root: listing.root, relativePath: rel, versions: [], examined: limit, total: names.length };
  for (let i = names.length - 1; i >= Math.max(1, names.length - limit); i--) {
    const previous = names[i - 1];
    const set = await changes(root, previous, names[i], { under: rel, signal: options.signal });
    if (set.added.length || set.modified.length || set.deleted.length) result.versions.push({ snapshot: names[i], previous, added: set.added, modified: set.modified, deleted: set.deleted });
  }
  return result;
}
