import path from 'node:path';
import { SnapshotError } from '../util/errors';
import type { BackupRoot } from '../root/backupRoot';
import { LOCK_FILE, LOCK_HELD_ENV } from '../root/format';
import { randomSleepCommand } from './randomDelay';

export interface CronLineOptions {
  source: string;
  root: BackupRoot;
  /** Daily time, HH:MM (24 h); default 02:00. */
  at?: string;
  /** The installed CLI's launcher (installCli): what the line runs; it survives updates. Else node + cliPath. */
  launcher?: string;
  /** Absolute path of the CLI script (dist/cli.js), when no launcher is given. */
  cliPath?: string;
  /** Node binary; default the running one. */
  nodePath?: string;
  /** default /usr/bin/flock (cron's PATH is minimal, so absolute). */
  flockPath?: string;
  /** rsync --exclude patterns, as the editor uses them. */
  excludes?: string[];
  /** Sleep a random time in [0, this many seconds) first, so a team's clients do not all reach the server at once. */
  randomDelaySeconds?: number;
}

/** The daily time as [hour, minute], or a message saying how to write it. */
export function parseDailyTime(at = '02:00'): [number, number] {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!m) throw new SnapshotError('BAD_INPUT', `Cannot read the time "${at}": write it as HH:MM in 24-hour time, e.g. 02:00 or 23:30.`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * The command a scheduled snapshot runs, as argv: `[flock -n LOCK env LOCK_HELD=LOCK] CLI snapshot SOURCE ROOT …`.
 * flock -n exits at once (doing nothing) while a snapshot holds the lock; the env variable tells our CLI that the lock
 * it finds taken is held on its behalf. A remote root's lock is on the host: the CLI takes it there (flock over ssh).
 */
export function scheduledSnapshotArgv(options: Omit<CronLineOptions, 'at' | 'randomDelaySeconds'>): string[] {
  for (const [label, value] of [
    ['source', options.source],
    ['root', options.root.spec],
    ['CLI path', options.launcher ?? options.cliPath],
  ] as const) {
    if (!value) throw new SnapshotError('BAD_INPUT', `The scheduled snapshot needs a ${label}.`);
    if (/[\n\r]/.test(value)) throw new SnapshotError('BAD_INPUT', `The ${label} contains a line break, which a crontab line or unit file cannot hold: rename it.`);
  }
  const cli = options.launcher ? [path.resolve(options.launcher)] : [path.resolve(options.nodePath ?? process.execPath), path.resolve(options.cliPath!)];
  const snapshot = [...cli, 'snapshot', path.resolve(options.source), options.root.spec, ...(options.excludes ?? []).map((e) => `--exclude=${e}`), ...options.root.cliArgs];
  const lock = options.root.localPath ? path.join(options.root.localPath, LOCK_FILE) : '';
  return !options.root.localPath ? snapshot : [options.flockPath ?? '/usr/bin/flock', '-n', lock, 'env', `${LOCK_HELD_ENV}=${lock}`, ...snapshot];
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
 * A crontab line taking a snapshot daily under the root's lock (scheduledSnapshotArgv), each word quoted for cron and
 * /bin/sh; with a random delay, `sleep $((… % N)); ` first (POSIX sh: cron's /bin/sh may be dash, without $RANDOM).
 */
export function cronLine(options: CronLineOptions): string {
  const [hour, minute] = parseDailyTime(options.at);
  const command = scheduledSnapshotArgv(options).map(quoteForCrontab).join(' ');
  const delay = options.randomDelaySeconds ? `${randomSleepCommand(options.randomDelaySeconds).replace(/%/g, '\\%')}; ` : '';
  return `${minute} ${hour} * * * ${delay}${command}`;
}
