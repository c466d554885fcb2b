import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { SnapshotError } from '../util/errors';
import { followBlock, LineRange } from './blockHistory';
import type { FileHistory } from './types';
import { VersionText, VersionTexts, workingText } from './versionText';
import { versions } from './versions';

/** A version in which the selected block changed: its lines there, and where they were in the version before. */
export interface BlockChange {
  /** Index in history.versions of the version that holds the change. */
  version: number;
  snapshot: string;
  range: LineRange;
  /** The block in the previous (older) version; undefined when the block first appears in this version. */
  olderRange?: LineRange;
  moved: boolean;
  added: number;
  removed: number;
}

export interface SelectionHistory {
  history: FileHistory;
  /** The selection as asked for (in the working file with `workingFolder`, else in the newest version, or `snapshot`'s). */
  lines: LineRange;
  /** Newest first: the versions in which the block changed. The last entry is where it first appears, if it does. */
  changes: BlockChange[];
  /** How the search ended: the block first appears in a version (the last change), it is already in the oldest version, the selection is not in any snapshot yet, or a version could not be read as text. */
  end: { reason: 'created' | 'oldest' | 'not-in-snapshots' | 'binary' | 'too-large' | 'not-a-file'; version?: number };
  /** With workingFolder: whether the selected lines differ from the newest version (changed since the last snapshot). */
  changedSinceNewest?: boolean;
}

export interface SelectionHistoryOptions {
  /** The selection is in the working file of this folder (else in the newest version, or in `snapshot`'s version). */
  workingFolder?: string;
  /** The selection is in the version held by this snapshot. */
  snapshot?: string;
  signal?: AbortSignal;
}

/**
 * The versions in which lines `lines` (1-based, inclusive) of a file changed, newest first: the block is followed back
 * version by version with a line diff (a block that moved is found again by its text and keeps its history), until
 * the version where it first appears or the oldest version. Each version is read at most once, only as far back as needed.
 */
export async function selectionHistory(root: BackupRoot, relativePath: string, lines: LineRange, options: SelectionHistoryOptions = {}): Promise<SelectionHistory> {
  if (!Number.isInteger(lines.start) || !Number.isInteger(lines.end) || lines.start < 1 || lines.end < lines.start)
    throw new SnapshotError('BAD_INPUT', `Lines ${lines.start}-${lines.end} are no range: give A-B with 1 ≤ A ≤ B, e.g. --lines 10-20.`);
  const history = await versions(root, relativePath, { signal: options.signal });
  const result: SelectionHistory = { history, lines, changes: [], end: { reason: 'not-in-snapshots' } };
  if (!history.versions.length) return result;
  const texts = new VersionTexts(root, history, options.signal);
  let index = history.versions.length - 1;
  let range: LineRange | undefined = lines;
  if (options.snapshot !== undefined) {
    index = history.versions.findIndex((v) => v.snapshots.includes(options.snapshot!));
    if (index < 0) throw new SnapshotError('NOT_FOUND', `Snapshot ${options.snapshot} does not hold ${history.relativePath}.`);
  } else if (options.workingFolder !== undefined) {
    const working = await workingText(path.join(options.workingFolder, history.relativePath));
    if (skipped(working) === 'missing')
      throw new SnapshotError('NOT_FOUND', `${history.relativePath} does not exist in ${options.workingFolder}: leave out the working folder to start from the newest version.`);
    const newest = await texts.get(index);
    if (skipped(working) || skipped(newest)) return { ...result, end: { reason: reasonOf(skipped(working) ?? skipped(newest)!) } };
    const step = followBlock(linesOf(newest), linesOf(working), checkRange(lines, linesOf(working).length));
    result.changedSinceNewest = step.changed;
    range = step.olderRange;
    if (!range) return result;
  }
  const first = await texts.get(index);
  if (skipped(first)) return { ...result, end: { reason: reasonOf(skipped(first)!), version: index } };
  if (options.workingFolder === undefined) range = checkRange(range, linesOf(first).length);
  for (; index > 0; index--) {
    const newer = await texts.get(index);
    const older = await texts.get(index - 1);
    if (skipped(newer) || skipped(older)) return { ...result, end: { reason: reasonOf(skipped(older) ?? skipped(newer)!), version: index - 1 } };
    const step = followBlock(linesOf(older), linesOf(newer), range!);
    if (step.changed)
      result.changes.push({ version: index, snapshot: history.versions[index].firstSnapshot, range: range!, olderRange: step.olderRange, moved: step.moved, added: step.added, removed: step.removed });
    if (!step.olderRange) return { ...result, end: { reason: 'created', version: index } };
    range = step.olderRange;
  }
  result.changes.push({ version: 0, snapshot: history.versions[0].firstSnapshot, range: range!, moved: false, added: range!.end - range!.start + 1, removed: 0 });
  return { ...result, end: { reason: 'oldest', version: 0 } };
}

const skipped = (t: VersionText) => ('skipped' in t ? t.skipped : undefined);
const linesOf = (t: VersionText) => ('lines' in t ? t.lines : []);
const reasonOf = (s: string): SelectionHistory['end']['reason'] => (s === 'missing' ? 'not-in-snapshots' : (s as SelectionHistory['end']['reason']));

function checkRange(range: LineRange, length: number): LineRange {
  if (range.end > length) throw new SnapshotError('BAD_INPUT', `Lines ${range.start}-${range.end} are past the end of the file (${length} lines).`);
  return range;
}
