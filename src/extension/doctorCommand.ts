import * as vscode from 'vscode';
import { doctor, DoctorReport } from '../core/doctor/doctor';
import { pickWorkspaceFolder } from './pickFolder';
import { showReport } from './reportDocument';
import { readSettings } from './settings';

/** "Check backup root": rsync, writable, hard links, latest, leftovers, lock, free space — as a readable report. */
export async function checkBackupRoot(given?: vscode.WorkspaceFolder): Promise<DoctorReport | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const settings = readSettings(folder);
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Checking backup root' }, () => doctor(settings.backupRoot, { rsyncPath: settings.rsyncPath, sshCommand: settings.sshCommand }));
  const lines = [`# Backup root check: ${report.ok ? 'all good' : 'problems found'}`, '', `\`${report.root}\``, ''];
  for (const check of report.checks) {
    lines.push(`- **${check.ok ? 'OK' : 'PROBLEM'}** ${check.name} — ${check.detail}`);
    if (check.fix) lines.push(`  - ${check.ok ? 'Note' : 'Fix'}: ${check.fix}`);
  }
  await showReport('Backup root check', lines.join('\n') + '\n');
  return report;
}
