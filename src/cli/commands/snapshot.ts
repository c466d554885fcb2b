import { checkLinking } from '../../core/snapshot/linkCheck';
import { checkForChanges } from '../../core/snapshot/changeCheck';
import { takeSnapshot } from '../../core/snapshot/snapshot';
import { CliCommand, listOption, stringOption } from '../command';
import { formatBytes, formatDuration } from '../../core/util/format';

/** Exit status of a snapshot that was kept but lacks unreadable files (rsync exit 23): cron notices it, the snapshot stays. */
const EXIT_PARTIAL = 3;

export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  summary: 'take a hard-linked snapshot of a folder into a backup root',
  usage: 'snapshot <source> <root> [--exclude PATTERN]... [--one-file-system] [--create] [--label TEXT] [--if-changed] [--json]',
  optionHelp: [
    '--exclude PATTERN     rsync exclude pattern (repeatable), e.g. --exclude node_modules/',
    '--one-file-system     do not cross filesystem boundaries (rsync -x)',
    '--create              create the backup root if it does not exist',
    '--label TEXT          note stored beside the snapshot, shown in lists and the editor',
    '--if-changed          take none when nothing changed since latest (one rsync --dry-run decides; exit 0)',
    `exit status: 0 done; ${EXIT_PARTIAL} partial — some files could not be read, the snapshot is kept and marked partial;`,
    '             1 failed (nothing kept, latest unchanged); 2 wrong arguments',
  ],
  options: {
    exclude: { type: 'string', multiple: true },
    'one-file-system': { type: 'boolean' },
    create: { type: 'boolean' },
    label: { type: 'string' },
    'if-changed': { type: 'boolean' },
  },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [source, rootSpec], values, signal, status, openRoot }) {
    let lastPercent = -1;
    const root = openRoot(rootSpec);
    const excludes = listOption(values, 'exclude');
    const oneFileSystem = values['one-file-system'] === true;
    if (values['if-changed'] === true) {
      const check = await checkForChanges(root, { source, excludes, oneFileSystem, signal });
      if (!check.changed && check.latest) return { json: { skipped: true, latest: check.latest.name }, text: `Nothing changed since ${check.latest.name}; no snapshot taken.`, exitCode: 0 };
    }
    const result = await takeSnapshot(root, {
      source,
      excludes,
      oneFileSystem,
      createRoot: values.create === true,
      trigger: 'cli',
      label: stringOption(values, 'label'),
      signal,
      onProgress: (p) => {
        if (p.percent !== lastPercent && p.percent % 10 === 0) status(`${p.percent}%  ${formatBytes(p.bytes)}`);
        lastPercent = p.percent;
      },
    });
    // Diagnostics explain a finished snapshot; they never turn it into a failure.
    const linking = await checkLinking(root, result).catch((err) => {
      result.warnings.push(`Could not check how well this snapshot is hard-linked: ${(err as Error).message}`);
      return undefined;
    });
    if (linking) result.warnings.push(linking.message);
    const lines = [
      `Snapshot ${result.name} → ${result.path}`,
      result.linkDest ? `  linked against ${result.linkDest}` : '  full copy (no previous snapshot to link against)',
      `  ${result.filesTransferred} files copied (${formatBytes(result.bytesTransferred)}), ${result.filesUnchanged} unchanged and hard-linked, ${result.filesTotal} entries in all, ${formatDuration(result.durationMs)}`,
      ...result.warnings.map((w) => `  warning: ${w}`),
      ...(result.partial
        ? [`Partial snapshot: kept and marked partial, ${result.unreadable.length || 'some'} file(s) missing (exit status ${EXIT_PARTIAL}). Make them readable; the next snapshot includes them.`]
        : []),
    ];
    return { json: { ...result, linking: linking ?? null }, text: lines.join('\n'), exitCode: result.partial ? EXIT_PARTIAL : 0 };
  },
};
