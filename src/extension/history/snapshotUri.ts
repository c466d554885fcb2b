import * as vscode from 'vscode';
import { hasEscapedBytes } from '../../core/util/nameBytes';
import { snapshotDateTime } from '../timeFormat';

/**
 * Read-only URIs for files inside a snapshot: the file's own relative path (so language modes work) + {root, snapshot}
 * in the query, and `at`, the snapshot's time as users read it, which package.json's resourceLabelFormatters puts in
 * every label of such a file (tabs, also after a reload: `app.js (2026-11-30 16:36:46)`).
 */
export const SNAPSHOT_SCHEME = 'rsync-snapshot';

export interface SnapshotUriParts {
  root: string;
  snapshot: string;
  /** Path inside the snapshot, '/'-separated, no leading slash; '' for the snapshot itself. */
  path: string;
  /** Set on items of "Changed in this snapshot": shown as an A/M/D decoration. */
  change?: ChangeKind;
}

export type ChangeKind = 'A' | 'M' | 'D';

export function toSnapshotUri(parts: SnapshotUriParts): vscode.Uri {
  // A name that is not UTF-8 (escaped bytes, see core/nameBytes.ts) cannot be a URI path: the path shows U+FFFD and
  // the exact path travels in the query, where JSON writes the escaped bytes as plain ASCII (\udcff).
  const bytes = hasEscapedBytes(parts.path);
  const query = { root: parts.root, snapshot: parts.snapshot, ...(parts.change ? { change: parts.change } : {}), ...(bytes ? { path: parts.path } : {}), at: snapshotDateTime(parts.snapshot) };
  return vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: `/${bytes ? parts.path.replace(/[\udc80-\udcff]/g, '\ufffd') : parts.path}`, query: JSON.stringify(query) });
}

/**
 * A snapshot URI that reads as the file at `shownPath` (the working file's own path): the multi-diff editor pairs
 * sides by path, so the snapshot side of a working file must carry its path or it is shown as a rename. The path
 * inside the snapshot travels in the query.
 */
export function toSnapshotUriShownAt(parts: SnapshotUriParts, shownPath: string): vscode.Uri {
  const query = { root: parts.root, snapshot: parts.snapshot, path: parts.path, at: snapshotDateTime(parts.snapshot) };
  return vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: shownPath, query: JSON.stringify(query) });
}

export function isSnapshotUri(uri: vscode.Uri): boolean {
  return uri.scheme === SNAPSHOT_SCHEME;
}

/** Parses a snapshot URI; throws FileNotFound for anything malformed. Path safety is checked where the path is resolved. */
export function fromSnapshotUri(uri: vscode.Uri): SnapshotUriParts {
  let query: { root?: unknown; snapshot?: unknown; change?: unknown; path?: unknown };
  try {
    query = JSON.parse(uri.query);
  } catch {
    throw vscode.FileSystemError.FileNotFound(uri);
  }
  if (typeof query.root !== 'string' || typeof query.snapshot !== 'string') throw vscode.FileSystemError.FileNotFound(uri);
  const change = query.change === 'A' || query.change === 'M' || query.change === 'D' ? query.change : undefined;
  const exact = typeof query.path === 'string' ? query.path : undefined;
  return { root: query.root, snapshot: query.snapshot, path: exact ?? uri.path.replace(/^\/+/, ''), change };
}
