import { changes } from '../../core/changes/changes';
import { SnapshotError } from '../../core/util/errors';
import { CliCommand, listOption, stringOption } from '../command';
import { displayName } from '../displayName';

export const changesCommand: CliCommand = {
  name: 'changes',
  summary: 'list files added, modified and deleted between two snapshots, or a snapshot and the working folder',
  usage: 'changes <root> <snapshotA> (<snapshotB> | --working DIR) [--checksum] [--full-walk] [--exclude PATTERN]... [--json]',
  optionHelp: [
    '--working DIR         compare snapshotA with this folder instead of a second snapshot',
    '--exclude PATTERN     skip matching paths on both sides (rsync-style, repeatable), e.g. --exclude node_modules/',
    '--checksum            compare the bytes of files of equal size even when their mtimes are equal (reads them all);',
    "                      without it, equal size and mtime count as unchanged (rsync's quick check)",
    '--full-walk           compare every entry of both snapshots instead of only the paths their change sets name',
    '                      (the answer is the same; sets are computed once and cached otherwise)',
  ],
  options: { working: { type: 'string' }, exclude: { type: 'string', multiple: true }, checksum: { type: 'boolean' }, 'full-walk': { type: 'boolean' } },
  positionals: { min: 2, max: 3 },
  async run({ positionals: [root, snapshotA, snapshotB], values, signal, openRoot }) {
    const working = stringOption(values, 'working');
    if (snapshotB !== undefined && working !== undefined) throw new SnapshotError('BAD_INPUT', 'Give either a second snapshot or --working DIR, not both.');
    if (snapshotB === undefined && working === undefined) throw new SnapshotError('BAD_INPUT', 'Give a second snapshot to compare with, or --working DIR to compare with the working folder.');
    const result = await changes(openRoot(root), snapshotA, working !== undefined ? { working } : snapshotB, {
      exclude: listOption(values, 'exclude'),
      signal,
      checksum: values.checksum === true,
      changeSets: values['full-walk'] !== true,
    });
    const rows = [...result.added.map((p) => ({ p, mark: 'A' })), ...result.modified.map((p) => ({ p, mark: 'M' })), ...result.deleted.map((p) => ({ p, mark: 'D' }))].sort((x, y) =>
      Buffer.compare(Buffer.from(x.p), Buffer.from(y.p)),
    );
    const to = result.toWorking ? `the working folder ${result.to}` : result.to;
    const lines = rows.map((r) => `${r.mark}  ${displayName(r.p)}`);
    lines.push(
      rows.length
        ? `${result.added.length} added, ${result.modified.length} modified, ${result.deleted.length} deleted from ${result.from} to ${to}`
        : result.unreadable.length
          ? `No changes found from ${result.from} to ${to} in what could be read; ${result.unreadable.length} folder(s) could not be compared (see the warning).`
          : `No changes from ${result.from} to ${to}.`,
    );
    // Against the working folder the quick check can miss an edit that kept size and mtime: say how it was compared.
    if (result.comparison === 'content') lines.push('Compared by content (--checksum): every file of equal size was read.');
    else if (result.toWorking) lines.push('Compared by size and modification time (an edit that kept both is not seen): add --checksum to compare content.');
    if (result.unreadable.length) lines.push(`warning: could not read ${result.unreadable.map(displayName).join(', ')} (permission denied); not compared`);
    return { json: result, text: lines.join('\n') };
  },
};
