import * as vscode from 'vscode';
import { SnapshotResult } from '../core/snapshot';
import { formatBytes, formatDuration } from '../cli/format';
import { pickWorkspaceFolder } from './pickFolder';
import { SnapshotRunner } from './snapshotRunner';

/** "Snapshot workspace": progress notification with rsync's progress and a Cancel that stops rsync. */
export async function snapshotWorkspace(runner: SnapshotRunner, given?: vscode.WorkspaceFolder | vscode.Uri): Promise<SnapshotResult | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Snapshot of ${folder.name}`, cancellable: true },
    (progress, token) => {
      let last = 0;
      return runner.run(folder, {
        token,
        onProgress: (p) => {
          progress.report({ message: `${p.percent}% · ${formatBytes(p.bytes)}${p.files ? ` · ${p.files} files` : ''}`, increment: Math.max(0, p.percent - last) });
          last = Math.max(last, p.percent);
        },
      });
    },
  );
  const summary = `Snapshot ${result.name}: ${result.filesTransferred} files copied (${formatBytes(result.bytesTransferred)}), ${result.filesUnchanged} unchanged, ${formatDuration(result.durationMs)}.`;
  const show = result.warnings.length ? vscode.window.showWarningMessage(`${summary} ${result.warnings.join(' ')}`, 'Reveal in Snapshots') : vscode.window.showInformationMessage(summary, 'Reveal in Snapshots');
  show.then((choice) => {
    if (choice) vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
  });
  return result;
}
