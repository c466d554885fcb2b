import * as vscode from 'vscode';
import { doctor } from '../core/doctor/doctor';
import type { DoctorReport } from '../core/doctor/types';
import { pickWorkspaceFolder } from './pickFolder';
import { showReport } from './reportDocument';
import { folderRoot } from './settings';

/** "Check backup root": rsync, writable, hard links, latest, leftovers, lock, free space — as a readable report. */
export async function checkBackupRoot(given?: vscode.WorkspaceFolder): Promise<DoctorReport | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const root = folderRoot(folder);
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Checking backup root' }, () => doctor(root));
  const lines = [`# Backup root check: ${report.ok ? 'all good' : 'problems found'}`, '', `\`${report.root}\``, ''];
  for (const check of report.checks) {
    lines.push(`- **${check.ok ? 'OK' : 'PROBLEM'}** ${check.name} — ${check.detail}`);
    if (check.fix) lines.push(`  - ${check.ok ? 'Note' : 'Fix'}: ${check.fix}`);
  }
  await showReport('Backup root check', lines.join('\n') + '\n');
  return report;
}
