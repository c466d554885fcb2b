import type { CronLineOptions } from './cronLine';
import { parseDailyTime, scheduledSnapshotArgv } from './cronLine';

/** One word of a unit file's ExecStart: double-quoted, `\` and `"` escaped, `%` (specifiers) and `$` (variables) doubled. */
export function quoteForSystemd(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

export interface SystemdUnits {
  /** File names under ~/.config/systemd/user/. */
  serviceName: string;
  timerName: string;
  service: string;
  timer: string;
  /** What to run once the files are in place. */
  enable: string;
}

/**
 * The systemd user timer alternative to the cron line: a oneshot service running the same command, and a daily
 * timer (Persistent: a run missed while the machine was off happens at the next boot; RandomizedDelaySec spreads a
 * team's clients out).
 */
export function systemdUnits(options: CronLineOptions, name = 'rsync-snapshots'): SystemdUnits {
  const [hour, minute] = parseDailyTime(options.at);
  const argv = scheduledSnapshotArgv(options);
  const two = (n: number) => String(n).padStart(2, '0');
  const service = ['[Unit]', `Description=Rsync Snapshots of ${options.source.replace(/%/g, '%%')}`, '', '[Service]', 'Type=oneshot', `ExecStart=${argv.map(quoteForSystemd).join(' ')}`, ''].join(
    '\n',
  );
  const timer = [
    '[Unit]',
    `Description=Daily Rsync Snapshots of ${options.source.replace(/%/g, '%%')}`,
    '',
    '[Timer]',
    `OnCalendar=*-*-* ${two(hour)}:${two(minute)}:00`,
    ...(options.randomDelaySeconds ? [`RandomizedDelaySec=${Math.floor(options.randomDelaySeconds)}`] : []),
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { serviceName: `${name}.service`, timerName: `${name}.timer`, service, timer, enable: `systemctl --user daemon-reload && systemctl --user enable --now ${name}.timer` };
}
