import path from 'node:path';
import { SnapshotError } from '../util/errors';
import type { BackupRoot } from '../root/backupRoot';
import { LOCK_FILE, LOCK_HELD_ENV } from '../root/format';

export interface CronLineOptions {
  source: string;
  root: BackupRoot;
  /** Daily time, HH:MM (24 h); default 02:00. */
  at?: string;
  /** Absolute path of the CLI script (dist/cli.js). */
  cliPath: string;
  /** Node binary; default the running one. */
  nodePath?: string;
  /** default /usr/bin/flock (cron's PATH is minimal, so absolute). */
  flockPath?: string;
  /** rsync --exclude patterns, as the editor uses them. */
  excludes?: string[];
}

/**
 * Quotes one word for /bin/sh inside a crontab: single quotes (nothing is special inside them for sh), and
 * every `%` escaped as `\%`, because cron turns an unescaped % into a newline before sh sees the command
 * (cron removes the backslash again, so sh receives a plain %).
 */
export function quoteForCrontab(word: string): string {
  const sh = /^[A-Za-z0-9_@+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
  return sh.replace(/%/g, '\\%');
}

/**
 * A crontab line taking a snapshot daily under the root's lock:
 * `M H * * * /usr/bin/flock -n ROOT/.rsync-snapshots.lock env RSYNC_SNAPSHOTS_LOCK_HELD=ROOT/.rsync-snapshots.lock NODE CLI snapshot SOURCE ROOT`.
 * flock -n exits at once (doing nothing) while a snapshot holds the lock; the env variable tells our CLI
 * that the lock it finds taken is held on its behalf.
 */
export function cronLine(options: CronLineOptions): string {
  const at = options.at ?? '02:00';
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!m) throw new SnapshotError('BAD_INPUT', `Cannot read the time "${at}": write it as HH:MM in 24-hour time, e.g. 02:00 or 23:30.`);
  for (const [label, value] of [
    ['source', options.source],
    ['root', options.root.spec],
    ['CLI path', options.cliPath],
  ] as const) {
    if (!value) throw new SnapshotError('BAD_INPUT', `The cron line needs a ${label}.`);
    if (/[\n\r]/.test(value)) throw new SnapshotError('BAD_INPUT', `The ${label} contains a line break, which a crontab line cannot hold: rename it.`);
  }
  const root = options.root.spec;
  const snapshot = [
    path.resolve(options.nodePath ?? process.execPath),
    path.resolve(options.cliPath),
    'snapshot',
    path.resolve(options.source),
    root,
    ...(options.excludes ?? []).map((e) => `--exclude=${e}`),
    ...options.root.cliArgs,
  ];
  // A remote root's lock file is on the host: the CLI takes it there itself (flock over ssh), so no local flock.
  const lock = options.root.localPath ? path.join(options.root.localPath, LOCK_FILE) : '';
  const argv = !options.root.localPath ? snapshot : [options.flockPath ?? '/usr/bin/flock', '-n', lock, 'env', `${LOCK_HELD_ENV}=${lock}`, ...snapshot];
  return `${Number(m[2])} ${Number(m[1])} * * * ${argv.map(quoteForCrontab).join(' ')}`;
}
