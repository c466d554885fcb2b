import path from 'node:path';
import { cronLine } from '../../core/cronLine';
import { CliCommand, stringOption } from '../command';

export const cronLineCommand: CliCommand = {
  name: 'cron-line',
  summary: 'print a crontab line taking a snapshot daily under the root\'s lock (flock -n)',
  usage: 'cron-line <source> <root> [--at HH:MM]',
  optionHelp: ['--at HH:MM            time of day (default 02:00)'],
  options: { at: { type: 'string' } },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [source, root], values }) {
    const line = cronLine({ source, root, at: stringOption(values, 'at'), cliPath: path.resolve(process.argv[1]), nodePath: process.execPath });
    return { json: { line }, text: line };
  },
};
