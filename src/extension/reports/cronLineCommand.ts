import path from 'node:path';
import * as vscode from 'vscode';
import { cronLine } from '../../core/cron/cronLine';
import { readCliInstall } from '../../core/cron/installCli';
import { parseDelay } from '../../core/cron/randomDelay';
import { findExecutable } from '../../core/util/tools';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { folderRoot, readSettings } from '../settings/settings';

/** "Copy cron line…": a crontab line that snapshots this folder daily with the CLI, under the same lock as the editor. */
export async function copyCronLine(extensionPath: string, given?: vscode.WorkspaceFolder, at?: string, givenDelay?: string): Promise<string | undefined> {
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
  const delay =
    at !== undefined
      ? givenDelay
      : await vscode.window.showInputBox({
          prompt: 'Random delay before each run, so a team backing up to one server does not connect at once (e.g. 15m; empty: none)',
          value: '',
          validateInput: (v) => {
            try {
              if (v.trim()) parseDelay(v);
              return undefined;
            } catch (err) {
              return (err as Error).message;
            }
          },
        });
  if (delay === undefined && at === undefined) return undefined;
  const settings = readSettings(folder);
  const installed = await readCliInstall();
  // cron's PATH is minimal: absolute paths. The installed CLI survives updates; the extension's own folder does not.
  const cli = installed ? { launcher: installed.bin } : { cliPath: path.join(extensionPath, 'dist', 'cli.js'), nodePath: await findExecutable('node').catch(() => process.execPath) }; // in desktop VS Code the extension host is not node itself
  const line = cronLine({ source: folder.uri.fsPath, root: folderRoot(folder), at: time, ...cli, excludes: settings.excludes, randomDelaySeconds: delay?.trim() ? parseDelay(delay) : undefined });
  await Promise.resolve(vscode.env.clipboard.writeText(line)).catch(() => undefined);
  if (installed) vscode.window.showInformationMessage(`Copied. Add it with "crontab -e": ${line}`);
  else
    void vscode.window
      .showWarningMessage(`Copied, but the line names this version's folder, which the next update deletes: install the CLI so it keeps working. ${line}`, 'Install the CLI…')
      .then((pick) => {
        if (pick) void vscode.commands.executeCommand('rsyncSnapshots.installCli');
      });
  return line;
}
