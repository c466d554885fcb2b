import { versions } from '../../core/versions/versions';
import type { LineRange } from '../../core/versions/blockHistory';
import { selectionHistory } from '../../core/versions/selectionHistory';
import { SnapshotError } from '../../core/util/errors';
import { CliCommand, stringOption } from '../command';
import { displayName, formatLocalTime } from '../displayName';
import { formatBytes } from '../../core/util/format';

export const versionsCommand: CliCommand = {
  name: 'versions',
  summary: "list a file's distinct versions across the snapshots of a backup root, newest first",
  usage: 'versions <root> <relative-path> [--lines A-B] [--working DIR] [--json]',
  optionHelp: [
    '--working DIR         the snapshotted folder: marks the version the working file still equals (bytes compared)',
    '--lines A-B           only the versions in which lines A to B changed (of the working file with --working, else of the newest version), followed back through moves',
  ],
  options: { working: { type: 'string' }, lines: { type: 'string' } },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [root, relativePath], values, signal, openRoot }) {
    const lineRange = stringOption(values, 'lines');
    if (lineRange !== undefined) return selectionOutput(await selectionHistory(openRoot(root), relativePath, parseLines(lineRange), { workingFolder: stringOption(values, 'working'), signal }));
    const history = await versions(openRoot(root), relativePath, { workingFolder: stringOption(values, 'working'), signal });
    const name = displayName(history.relativePath);
    const lines = [
      `${name} in ${history.root}: ${history.versions.length} distinct version${history.versions.length === 1 ? '' : 's'} in ${history.snapshots.length} snapshot${history.snapshots.length === 1 ? '' : 's'}`,
    ];
    const rows = [
      ...history.versions.map((v) => ({
        index: v.firstIndex,
        text: `  ${span(v.firstSnapshot, v.lastSnapshot, v.snapshots.length)}  ${v.kind === 'symlink' ? `symlink → ${displayName(v.linkTarget ?? '')}` : `${formatBytes(v.size)}, modified ${formatLocalTime(v.mtime)}`}  inode ${v.ino}${v.kind === 'directory' ? '  (a folder)' : ''}${v.current ? '  = working file' : ''}`,
      })),
      ...history.absent.map((a) => ({ index: a.firstIndex, text: `  ${span(a.firstSnapshot, a.lastSnapshot, a.snapshots.length)}  ${a.reason === 'deleted' ? 'deleted' : 'not created yet'}` })),
    ].sort((x, y) => y.index - x.index);
    lines.push(...rows.map((r) => r.text));
    if (!history.snapshots.length) lines.push(`  The root has no snapshot yet.`);
    else if (!history.versions.length) lines.push(`  No snapshot holds ${name}.`);
    if (history.working && !history.working.exists) lines.push(`  The working file ${displayName(history.working.path)} does not exist (deleted?).`);
    else if (history.working && history.working.currentIndex === undefined && history.versions.length) lines.push('  The working file differs from every version.');
    if (history.unreadable.length) lines.push(`  warning: could not read the copy in ${history.unreadable.join(', ')} (permission denied)`);
    return { json: history, text: lines.join('\n') };
  },
};

function span(first: string, last: string, count: number): string {
  return first === last ? `${first}${' '.repeat(first.length + 3)}  (1 snapshot) ` : `${first} … ${last}  (${count} snapshots)`;
}

/** "10-20" or "10" as a line range. */
function parseLines(text: string): LineRange {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) throw new SnapshotError('BAD_INPUT', `--lines takes A-B (first and last line, from 1), e.g. --lines 10-20; got "${text}".`);
  return { start: Number(m[1]), end: Number(m[2] ?? m[1]) };
}

const range = (r: LineRange) => (r.start === r.end ? `line ${r.start}` : `lines ${r.start}-${r.end}`);

function selectionOutput(result: Awaited<ReturnType<typeof selectionHistory>>) {
  const { history, changes, end } = result;
  const name = displayName(history.relativePath);
  const span = (i: number) => {
    const v = history.versions[i];
    return v.firstSnapshot === v.lastSnapshot ? v.firstSnapshot : `${v.firstSnapshot} … ${v.lastSnapshot}`;
  };
  const lines = [`${name} ${range(result.lines)} in ${history.root}: changed in ${changes.length} version${changes.length === 1 ? '' : 's'} of ${history.versions.length}`];
  if (result.changedSinceNewest) lines.push('  the working file differs there from the newest version (changed since the last snapshot)');
  for (const c of changes) {
    const what =
      c.version === 0 && end.reason === 'oldest'
        ? 'in the oldest version: its history starts here'
        : !c.olderRange
          ? 'first appears here'
          : c.moved
            ? `moved here (was ${range(c.olderRange)})`
            : `+${c.added} −${c.removed} (was ${range(c.olderRange)})`;
    lines.push(`  ${span(c.version)}  ${range(c.range)}  ${what}`);
  }
  if (end.reason === 'not-in-snapshots') lines.push(history.versions.length ? '  These lines are in no snapshot yet.' : `  No snapshot holds ${name}.`);
  else if (end.reason !== 'created' && end.reason !== 'oldest')
    lines.push(`  Stopped at ${span(end.version ?? 0)}: ${end.reason === 'binary' ? 'a binary file' : end.reason === 'too-large' ? 'too large to compare line by line' : 'not a regular file'}.`);
  const json = {
    root: history.root,
    relativePath: history.relativePath,
    lines: result.lines,
    changedSinceNewest: result.changedSinceNewest,
    changes: changes.map((c) => ({ ...c, firstSnapshot: history.versions[c.version].firstSnapshot, lastSnapshot: history.versions[c.version].lastSnapshot })),
    end: { reason: end.reason, snapshot: end.version === undefined ? undefined : history.versions[end.version].firstSnapshot },
  };
  return { json, text: lines.join('\n') };
}
