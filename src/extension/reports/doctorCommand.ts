import * as vscode from 'vscode';
import { doctor } from '../../core/doctor/doctor';
import type { DoctorReport } from '../../core/doctor/types';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { showReport } from './reportDocument';
import { folderRoot } from '../settings/settings';

/** "Check backup root": rsync, writable, hard links, latest, leftovers, lock, free space — as a readable report. */
export async function checkBackupRoot(given?: vscode.WorkspaceFolder): Promise<DoctorReport | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const root = folderRoot(folder);
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Checking backup root' }, () => doctor(root));
  await showReport('Backup root check', doctorMarkdown(report));
  return report;
}

/** The report as Markdown: a verdict, then one line per check (✓/✗, what was found) with its fix underneath. */
function doctorMarkdown(report: DoctorReport): string {
  const problems = report.checks.filter((c) => !c.ok).length;
  const lines = [
    '# Backup root check',
    '',
    `**${report.ok ? 'All good.' : `${problems} problem${problems === 1 ? '' : 's'} found.`}** Backup root: \`${report.root}\``,
    '',
    '| | Check | Result |',
    '|---|---|---|',
    ...report.checks.map((c) => `| ${c.ok ? '✓' : '✗'} | ${cell(c.name)} | ${cell(c.detail)}${c.fix ? `<br>**${c.ok ? 'Note' : 'Fix'}:** ${cell(c.fix)}` : ''} |`),
  ];
  return lines.join('\n') + '\n';
}

/** Text in a Markdown table cell: pipes escaped, no line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
