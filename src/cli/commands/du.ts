import { usage } from '../../core/usage/usage';
import { checkSnapshotCost } from '../../core/doctor/snapshotCost';
import { CliCommand } from '../command';
import { displayText } from '../terminalText';
import { formatBytes, formatDuration } from '../../core/util/format';

export const duCommand: CliCommand = {
  name: 'du',
  summary: 'space used by a backup root: total (hard links once) and per snapshot unique/shared bytes',
  usage: 'du <root> [--no-cache] [--json]',
  optionHelp: ['--no-cache            walk every snapshot again instead of using the per-snapshot cache'],
  options: { 'no-cache': { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ positionals: [root], values, signal, status, openRoot }) {
    const opened = openRoot(root);
    const report = await usage(opened, {
      signal,
      cache: values['no-cache'] !== true,
      onProgress: (p) => {
        if (p.name) status(`measured ${p.name} (${p.done}/${p.total})`);
      },
    });
    const width = Math.max(8, ...report.snapshots.map((s) => s.name.length));
    const col = (v: string) => v.padStart(11);
    const lines = [
      `${'snapshot'.padEnd(width)}  ${col('size')}  ${col('unique')}  ${col('shared')}`,
      ...report.snapshots.map((s) => `${s.name.padEnd(width)}  ${col(formatBytes(s.apparentBytes))}  ${col(formatBytes(s.uniqueBytes))}  ${col(formatBytes(s.sharedBytes))}`),
      ...report.deleting.map(
        (s) =>
          `${s.name}  ${formatBytes(s.apparentBytes)}, ${formatBytes(s.uniqueBytes)} unique: an interrupted prune, still taking space (counted in the total); the next prune or snapshot finishes it`,
      ),
      `${'total'.padEnd(width)}  ${col(formatBytes(report.totalBytes))}  (${report.totalBytes} bytes, hard links counted once; ${report.snapshots.length} snapshots)`,
      `unique = freed by deleting that snapshot alone. ${report.scanned} walked, ${report.fromCache} from cache, ${formatDuration(report.durationMs)}.`,
      ...report.warnings.slice(0, 20).map((w) => `warning: ${displayText(w)}`),
    ];
    const cost = report.snapshots.length ? await checkSnapshotCost(opened, await opened.list({ signal })) : undefined;
    if (cost && !cost.detail.startsWith('unknown')) lines.push(`cost: ${cost.detail}.`);
    if (!report.snapshots.length && !report.deleting.length) lines.splice(0, lines.length, `No snapshots in ${report.root}.`);
    return { json: report, text: lines.join('\n') };
  },
};
