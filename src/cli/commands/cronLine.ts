import fs from 'node:fs';
import path from 'node:path';
import { CronLineOptions, cronLine } from '../../core/cron/cronLine';
import { readCliInstall } from '../../core/cron/installCli';
import { parseDelay } from '../../core/cron/randomDelay';
import { systemdUnits } from '../../core/cron/systemdTimer';
import { CliCommand, listOption, stringOption } from '../command';

export const cronLineCommand: CliCommand = {
  name: 'cron-line',
  summary: "print a crontab line (or a systemd user timer) taking a snapshot daily under the root's lock (flock -n)",
  usage: 'cron-line <source> <root> [--at HH:MM] [--random-delay 15m] [--systemd] [--exclude PATTERN]...',
  optionHelp: [
    '--at HH:MM            time of day (default 02:00)',
    '--random-delay TIME   first wait a random time up to TIME (e.g. 15m), so a team does not hit the server at once',
    '--systemd             print a systemd user service and timer instead of a crontab line',
    '--exclude PATTERN     passed on to the snapshot command (repeatable)',
    'The line runs the installed CLI (~/.local/bin/rsync-snapshots) when there is one: it survives updates.',
  ],
  options: { at: { type: 'string' }, 'random-delay': { type: 'string' }, systemd: { type: 'boolean' }, exclude: { type: 'string', multiple: true } },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [source, root], values, openRoot }) {
    const delay = stringOption(values, 'random-delay');
    const installed = await readCliInstall();
    const options: CronLineOptions = {
      source,
      root: openRoot(root),
      at: stringOption(values, 'at'),
      ...(installed && fs.existsSync(installed.bin) ? { launcher: installed.bin } : { cliPath: path.resolve(process.argv[1]), nodePath: process.execPath }),
      excludes: listOption(values, 'exclude'),
      randomDelaySeconds: delay === undefined ? undefined : parseDelay(delay),
    };
    if (values.systemd === true) {
      const units = systemdUnits(options);
      const text = [`# ~/.config/systemd/user/${units.serviceName}`, units.service, `# ~/.config/systemd/user/${units.timerName}`, units.timer, `# then: ${units.enable}`].join('\n');
      return { json: units, text };
    }
    const line = cronLine(options);
    return { json: { line }, text: line };
  },
};
