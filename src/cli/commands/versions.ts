import { versions } from '../../core/versions/versions';
import { CliCommand, stringOption } from '../command';
import { displayName, formatLocalTime } from '../displayName';
import { formatBytes } from '../../core/util/format';

export const versionsCommand: CliCommand = {
  name: 'versions',
  summary: "list a file's distinct versions across the snapshots of a backup root, newest first",
  usage: 'versions <root> <relative-path> [--working DIR] [--json]',
  optionHelp: ['--working DIR         the snapshotted folder: marks the version the working file still equals (bytes compared)'],
  options: { working: { type: 'string' } },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [root, relativePath], values, signal, openRoot }) {
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
