import { searchSnapshots } from '../../core/search/search';
import type { SearchResult } from '../../core/search/types';
import { CliCommand, stringOption } from '../command';
import { displayName } from '../displayName';
import { displayText } from '../terminalText';

export const searchCommand: CliCommand = {
  name: 'search',
  summary: 'search every snapshot of a backup root for a text or regex; each distinct file content is read once',
  usage: 'search <root> <pattern> [--regex] [--ignore-case] [--path GLOB] [--working DIR] [--no-ripgrep] [--json]',
  optionHelp: [
    '--regex, -e           the pattern is a regular expression (else plain text)',
    '--ignore-case, -i     ignore case',
    '--path GLOB           only files matching GLOB: *.ts (any folder), src/**, docs/*.md',
    '--working DIR         the snapshotted folder: says whether each working file still has the line',
    '--no-ripgrep          search without ripgrep (here: the Node search; on a remote host: grep)',
  ],
  options: { regex: { type: 'boolean', short: 'e' }, 'ignore-case': { type: 'boolean', short: 'i' }, path: { type: 'string' }, working: { type: 'string' }, 'no-ripgrep': { type: 'boolean' } },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [root, pattern], values, signal, openRoot, status }) {
    const query = { pattern, regex: values.regex === true, ignoreCase: values['ignore-case'] === true, pathGlob: stringOption(values, 'path') };
    const report = await searchSnapshots(openRoot(root), query, {
      working: stringOption(values, 'working'),
      noRipgrep: values['no-ripgrep'] === true,
      signal,
      onListed: (files, contents) => status(`searching ${contents} distinct contents of ${files} files…`),
    });
    const files = new Set(report.results.map((r) => r.path)).size;
    const lines = [
      `${report.results.length} matching line${report.results.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} of ${report.root} (${report.snapshots} snapshots, ${report.contents} distinct contents of ${report.files} files searched with ${report.tool})`,
    ];
    let last: string | undefined;
    for (const r of report.results) {
      if (r.path !== last) lines.push(displayName(r.path));
      last = r.path;
      lines.push(`  ${r.lines.join(',')}: ${displayText(r.text.trim())}`, `      ${describe(r)}`);
    }
    for (const w of report.warnings) lines.push(`warning: ${displayText(w)}`);
    return { json: report, text: lines.join('\n') };
  },
};

/** "in 14 snapshots, FIRST … LAST; gone since X; still in the working file". */
function describe(r: SearchResult): string {
  const where = r.count === 1 ? `in 1 snapshot, ${r.first}` : `in ${r.count} snapshots, ${r.first} … ${r.last}`;
  const gone = r.goneSince ? `; gone since ${r.goneSince}` : '';
  const working = r.working === undefined ? '' : r.working ? '; still in the working file' : '; not in the working file';
  return `${where}${gone}${working}`;
}
