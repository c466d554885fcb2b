import type { SnapshotUsage, UsageReport } from '../../core/usage/model';
import { parseSnapshotName } from '../../core/root/format';
import type { SnapshotMeta } from '../../core/root/notes';
import { formatBytes } from '../../core/util/format';
import { shortDateTime } from '../timeFormat';

const BAR = 24;

/** A bar of `value` out of `max`, in block characters (at least one block for anything above zero). */
function bar(value: number, max: number): string {
  const filled = max > 0 && value > 0 ? Math.max(1, Math.round((BAR * value) / max)) : 0;
  return '█'.repeat(filled) + '░'.repeat(BAR - filled);
}

/** Table cells that do not wrap inside a figure or a time. */
const nowrap = (text: string) => text.replace(/ /g, '\u00a0').replace(/-/g, '\u2011');
const size = (bytes: number) => nowrap(formatBytes(bytes));
const when = (name: string) => {
  const parsed = parseSnapshotName(name);
  return nowrap(parsed ? shortDateTime(parsed.time, true) : name);
};

/**
 * The space report as Markdown: totals, then one row per snapshot (newest first) with what a full copy would take,
 * the bytes only it holds (what deleting it frees) as a bar, and a word on snapshots that hold nothing of their own.
 */
export function usageMarkdown(report: UsageReport, notes: Map<string, SnapshotMeta> = new Map()): string {
  const apparent = report.snapshots.reduce((sum, s) => sum + s.apparentBytes, 0);
  const saved = apparent > 0 ? Math.round(100 * (1 - report.totalBytes / apparent)) : 0;
  const max = Math.max(0, ...report.snapshots.map((s) => s.uniqueBytes));
  // Our notes say how many files rsync wrote: none means every file is a hard link to the snapshot before.
  const unchanged = (s: SnapshotUsage) => notes.get(s.name)?.filesTransferred === 0;
  const empty = report.snapshots.filter(unchanged).length;
  const row = (s: SnapshotUsage, note = '') =>
    `| ${when(s.name)}${note} | ${size(s.apparentBytes)} | ${size(s.uniqueBytes)} | \`${bar(s.uniqueBytes, max)}\` | ${unchanged(s) ? 'no file new or changed: only its folders are its own' : ''} |`;
  const lines = [
    '# Snapshot space',
    '',
    `Backup root: \`${report.root}\``,
    '',
    `- **${report.snapshots.length} snapshot${report.snapshots.length === 1 ? '' : 's'} use ${formatBytes(report.totalBytes)}** on disk.`,
    `- As full copies they would take ${formatBytes(apparent)}: hard links save **${saved}%**.`,
    '- **Own bytes** are the files only that snapshot holds: deleting it frees about that much. Everything else is shared (hard links).',
    ...(empty
      ? [
          `- ${empty} snapshot${empty === 1 ? ' was' : 's were'} taken when no file was new or changed: every file in ${empty === 1 ? 'it' : 'them'} is a hard link to the snapshot before, so ${empty === 1 ? 'it costs' : 'each costs'} only ${empty === 1 ? 'its' : 'its own'} folders, and deleting ${empty === 1 ? 'it' : 'one'} frees only that.`,
        ]
      : []),
    '',
    '| Snapshot | Full size | Own bytes (freed if deleted) | | Note |',
    '|---|--:|--:|---|---|',
    ...[...report.snapshots].reverse().map((s) => row(s)),
    ...report.deleting.map((s) => row(s, ' (being deleted: an interrupted prune)')),
    '',
    `_Measured in ${(report.durationMs / 1000).toFixed(1)} s (${report.scanned} walked, ${report.fromCache} from the cache)._`,
    ...(report.warnings.length ? ['', '**Not counted:**', ...report.warnings.map((w) => `- ${w}`)] : []),
  ];
  return lines.join('\n') + '\n';
}
