import { doctor } from '../../core/doctor/doctor';
import { CliCommand } from '../command';

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check a backup root: rsync, writable, hard links, latest, leftovers, lock, free space',
  usage: 'doctor <root> [--json]',
  optionHelp: [],
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ positionals: [root], openRoot }) {
    const report = await doctor(openRoot(root));
    const lines = report.checks.flatMap((c) => [`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`, ...(c.fix ? [`      → ${c.fix}`] : [])]);
    lines.push(report.ok ? 'All checks passed.' : `${report.checks.filter((c) => !c.ok).length} check(s) failed.`);
    return { json: report, text: lines.join('\n'), exitCode: report.ok ? 0 : 1 };
  },
};
