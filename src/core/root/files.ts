import { SnapshotError } from '../util/errors';
import { checkRelativePath } from '../util/relativePath';
import { isSnapshotName } from './format';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other';

export interface SnapshotEntry {
  name: string;
  kind: EntryKind;
  size: number;
  mtimeMs: number;
}

/** Refuses what is not a snapshot name before it reaches a path. */
export function checkSnapshotName(name: string): string {
  if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `"${name}" is not a snapshot name (expected YYYY-MM-DDTHH-MM-SS).`);
  return name;
}

/** '' (or '/', '.') is the snapshot folder itself; anything else must be a clean relative path (no absolute path, no '..', no NUL). */
export function checkPathInSnapshot(relativePath: string): string {
  return /^\/*\.?\/*$/.test(relativePath) ? '' : checkRelativePath(relativePath);
}

/** Folders first, then by name. */
export function sortEntries(entries: SnapshotEntry[]): SnapshotEntry[] {
  return entries.sort((a, b) => Number(b.kind === 'directory') - Number(a.kind === 'directory') || a.name.localeCompare(b.name));
}
