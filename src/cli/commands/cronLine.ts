import path from 'node:path';
import { cronLine } from '../../core/cron/cronLine';
import { CliCommand, listOption, stringOption } from '../command';

export const cronLineCommand: CliCommand = {
  name: 'cron-line',
  summary: "print a crontab line taking a snapshot daily under the root's lock (flock -n)",
  usage: 'cron-line <source> <root> [--at HH:MM] [--exclude PATTERN]...',
  optionHelp: ['--at HH:MM            time of day (default 02:00)', '--exclude PATTERN     passed on to the snapshot command (repeatable)'],
  options: { at: { type: 'string' }, exclude: { type: 'string', multiple: true } },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [source, root], values, openRoot }) {
    const line = cronLine({
      source,
      root: openRoot(root),
      at: stringOption(values, 'at'),
      cliPath: path.resolve(process.argv[1]),
      nodePath: process.execPath,
      excludes: listOption(values, 'exclude'),
    });
    return { json: { line }, text: line };
  },
};
