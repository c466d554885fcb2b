import { checkLinking } from '../../core/snapshot/linkCheck';
import { checkForChanges } from '../../core/snapshot/changeCheck';
import { takeSnapshot } from '../../core/snapshot/snapshot';
import { CliCommand, listOption, OptionValues, stringOption } from '../command';
import { DEFAULT_FLOOR, parseKeepFree, parseKeepFreeInodes, SpaceFloor } from '../../core/snapshot/spaceFloor';
import { formatBytes, formatDuration } from '../../core/util/format';

/** Exit status of a snapshot that was kept but lacks unreadable files (rsync exit 23): cron notices it, the snapshot stays. */
const EXIT_PARTIAL = 3;
/** Exit status of a run refused by the free-space or inode floor (main.ts maps the NO_ROOM error to it). */
const EXIT_NO_ROOM = 4;

/** The floor the options ask for, or undefined when neither --keep-free nor --keep-free-inodes is given. */
function floorOf(values: OptionValues): SpaceFloor | undefined {
  const bytes = stringOption(values, 'keep-free');
  const inodes = stringOption(values, 'keep-free-inodes');
  if (bytes === undefined && inodes === undefined) return undefined;
  return { ...(bytes === undefined ? {} : parseKeepFree(bytes)), ...(inodes === undefined ? {} : parseKeepFreeInodes(inodes)) };
}

export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  summary: 'take a hard-linked snapshot of a folder into a backup root',
  usage:
    'snapshot <source> <root> [--exclude PATTERN]... [--one-file-system] [--create] [--label TEXT] [--if-changed] [--keep-free SIZE] [--keep-free-inodes PCT] [--make-room [--make-room-foreign]] [--json]',
  optionHelp: [
    '--exclude PATTERN     rsync exclude pattern (repeatable), e.g. --exclude node_modules/',
    '--one-file-system     do not cross filesystem boundaries (rsync -x)',
    '--create              create the backup root if it does not exist',
    '--label TEXT          note stored beside the snapshot, shown in lists and the editor',
    '--if-changed          take none when nothing changed since latest (one rsync --dry-run decides; exit 0)',
    '--keep-free SIZE      refuse (exit 4) when the snapshot would leave less free: 5G, 500M, or 5% of the disk',
    '--keep-free-inodes PCT  refuse (exit 4) when it would leave fewer inodes free than PCT of them, e.g. 5%',
    "                      (the estimate: the last snapshot's folders — one inode and block each — plus what it copied)",
    '--make-room           when the floor would be crossed, first delete the oldest snapshots that are not the newest,',
    '                      pinned, labelled by you or safety snapshots, one at a time until it fits (default floor:',
    '                      5 GiB or 5% of the disk, whichever is smaller, and 5% of the inodes); only in a root that holds',
    '                      snapshots of this folder alone',
    '--make-room-foreign   --make-room also in a root that holds snapshots of other folders or without notes',
    `exit status: 0 done; ${EXIT_PARTIAL} partial — some files could not be read, the snapshot is kept and marked partial;`,
    `             ${EXIT_NO_ROOM} no room — the free-space or inode floor would be crossed (nothing made, latest unchanged);`,
    '             1 failed (nothing kept, latest unchanged); 2 wrong arguments',
  ],
  options: {
    exclude: { type: 'string', multiple: true },
    'one-file-system': { type: 'boolean' },
    create: { type: 'boolean' },
    label: { type: 'string' },
    'if-changed': { type: 'boolean' },
    'keep-free': { type: 'string' },
    'keep-free-inodes': { type: 'string' },
    'make-room': { type: 'boolean' },
    'make-room-foreign': { type: 'boolean' },
  },
  accepts: { 'keep-free': 'a size such as 5G or 500M, or a percentage such as 5%', 'keep-free-inodes': 'a percentage such as 5%' },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [source, rootSpec], values, signal, status, openRoot }) {
    let lastPercent = -1;
    const root = openRoot(rootSpec);
    const excludes = listOption(values, 'exclude');
    const oneFileSystem = values['one-file-system'] === true;
    const floor = floorOf(values);
    const makeRoom = values['make-room'] === true || values['make-room-foreign'] === true;
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
      floor: floor ?? (makeRoom ? { ...DEFAULT_FLOOR } : undefined),
      makeRoom,
      makeRoomForeign: values['make-room-foreign'] === true,
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
      ...(result.madeRoom.length ? [`Made room: deleted ${result.madeRoom.length} old snapshot(s): ${result.madeRoom.join(', ')}`] : []),
      `Snapshot ${result.name} → ${result.path}`,
      result.linkDest ? `  linked against ${result.linkDest}` : '  full copy (no previous snapshot to link against)',
      `  ${result.filesTransferred} files copied (${formatBytes(result.bytesTransferred)}), ${result.filesUnchanged} unchanged and hard-linked, ${result.linkLimit ? `${result.linkLimit} of the copied at the link limit, ` : ''}${result.filesTotal} entries in all, ${formatDuration(result.durationMs)}`,
      ...result.warnings.map((w) => `  warning: ${w}`),
      ...(result.partial
        ? [`Partial snapshot: kept and marked partial, ${result.unreadable.length || 'some'} file(s) missing (exit status ${EXIT_PARTIAL}). Make them readable; the next snapshot includes them.`]
        : []),
    ];
    return { json: { ...result, linking: linking ?? null }, text: lines.join('\n'), exitCode: result.partial ? EXIT_PARTIAL : 0 };
  },
};
