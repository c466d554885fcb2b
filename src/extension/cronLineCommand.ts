import path from 'node:path';
import * as vscode from 'vscode';
import { cronLine } from '../core/cron/cronLine';
import { findExecutable } from '../core/util/tools';
import { pickWorkspaceFolder } from './pickFolder';
import { folderRoot, readSettings } from './settings';

/** "Copy cron line…": a crontab line that snapshots this folder daily with the CLI, under the same lock as the editor. */
export async function copyCronLine(extensionPath: string, given?: vscode.WorkspaceFolder, at?: string): Promise<string | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const time =
    at ??
    (await vscode.window.showInputBox({
      prompt: 'Daily at (HH:MM, 24 h)',
      value: '02:00',
      validateInput: (v) => (/^([01]?\d|2[0-3]):[0-5]\d$/.test(v) ? undefined : 'Write the time as HH:MM, e.g. 02:00'),
    }));
  if (!time) return undefined;
  // cron's PATH is minimal: absolute paths for node and flock. In desktop VS Code the extension host is not node itself.
  const nodePath = await findExecutable('node').catch(() => process.execPath);
  const settings = readSettings(folder);
  const line = cronLine({ source: folder.uri.fsPath, root: folderRoot(folder), at: time, cliPath: path.join(extensionPath, 'dist', 'cli.js'), nodePath, excludes: settings.excludes });
  await Promise.resolve(vscode.env.clipboard.writeText(line)).catch(() => undefined);
  vscode.window.showInformationMessage(`Copied. Add it with "crontab -e": ${line}`);
  return line;
}
