import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { lineCounts } from './lineDiff';
import type { FileHistory } from './types';
import { VersionText, VersionTexts, workingText } from './versionText';

/** "+12 −3": lines added and removed from a version to the next newer one; or why it is not counted. */
export type LineCount = { added: number; removed: number } | { skipped: 'binary' | 'too-large' | 'not-a-file' | 'missing' };

/**
 * Each version's line counts against the next newer version (the newest against the working file when
 * `workingFolder` is given and the file is there; else no count for it). Only the newest `limit` versions are
 * counted (older ones: undefined), each version read at most once.
 */
export async function versionLineCounts(root: BackupRoot, history: FileHistory, options: { workingFolder?: string; limit?: number; signal?: AbortSignal } = {}): Promise<(LineCount | undefined)[]> {
  const texts = new VersionTexts(root, history, options.signal);
  const counts: (LineCount | undefined)[] = history.versions.map(() => undefined);
  const newest = history.versions.length - 1;
  const oldestCounted = Math.max(0, history.versions.length - (options.limit ?? Infinity));
  texts.prefetch(Array.from({ length: newest - oldestCounted + 1 }, (_, k) => newest - k));
  const working = options.workingFolder !== undefined ? await workingText(path.join(options.workingFolder, history.relativePath)) : undefined;
  for (let i = newest; i >= oldestCounted; i--) {
    const newer: VersionText | undefined = i === newest ? working : await texts.get(i + 1);
    if (!newer || ('skipped' in newer && newer.skipped === 'missing')) continue;
    counts[i] = countBetween(await texts.get(i), newer);
  }
  return counts;
}

/** Pure: the count between two texts, or why there is none (the older side's reason first). */
export function countBetween(older: VersionText, newer: VersionText): LineCount {
  if ('skipped' in older) return { skipped: older.skipped };
  if ('skipped' in newer) return { skipped: newer.skipped };
  return lineCounts(older.lines, newer.lines);
}
