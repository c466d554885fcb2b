import * as vscode from 'vscode';
import { formatBytes, formatDuration, plural } from '../core/util/format';
import { snapshotDateTime } from './timeFormat';
import { pickWorkspaceFolder } from './pickFolder';
import { isMissingRoot } from '../core/util/errors';
import { showReport } from './reportDocument';
import { readSettings } from './settings';
import { RunResult, SnapshotRunner } from './snapshotRunner';

const WHY_FULL_COPY = `# Why a snapshot was a full copy

A snapshot normally costs only what changed: rsync \`--link-dest\` hard-links every unchanged file to the
previous snapshot. When nothing gets linked, every snapshot is full size. The usual causes:

1. **\`latest\` is missing or dangling.** Without it there is no \`--link-dest\`. The next snapshot moves
   \`latest\` again, so this fixes itself; check nothing else deletes or renames snapshots.
2. **Another filesystem, or one without hard links.** Hard links cannot cross filesystems, and some (FAT,
   exFAT, some network shares) have none. Put the backup root on one Linux filesystem (ext4, xfs, btrfs…).
3. **An attribute differs on every run.** rsync \`-a\` links a file only if owner, group, permissions and
   modification time all match. Ownership cannot be kept when not running as root on some filesystems;
   tools that rewrite files (formatters, checkouts) change mtimes. The warning names a file and the attribute.

Run **Rsync Snapshots: Check backup root** for the filesystem, hard-link and \`latest\` checks.
`;

/** "Snapshot workspace": progress notification with rsync's progress and a Cancel that stops rsync. */
export async function snapshotWorkspace(runner: SnapshotRunner, given?: vscode.WorkspaceFolder | vscode.Uri): Promise<RunResult | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const take = (createRoot: boolean) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Snapshot of ${folder.name}`, cancellable: true }, (progress, token) => {
      let last = 0;
      return runner.run(folder, {
        token,
        createRoot,
        onProgress: (p) => {
          progress.report({ message: `${p.percent}% · ${formatBytes(p.bytes)}${p.files ? ` · ${plural(p.files, 'file')}` : ''}`, increment: Math.max(0, p.percent - last) });
          last = Math.max(last, p.percent);
        },
      });
    });
  let result: RunResult;
  try {
    result = await take(false);
  } catch (err) {
    if (!isMissingRoot(err)) throw err;
    const root = readSettings(folder).backupRoot;
    const create = await vscode.window.showWarningMessage(`The backup root ${root} does not exist yet. Create it and take the first snapshot?`, { modal: true }, 'Create Folder');
    if (create !== 'Create Folder') return undefined;
    result = await take(true);
  }
  const summary = `Snapshot ${snapshotDateTime(result.name)}: ${plural(result.filesTransferred, 'file')} copied (${formatBytes(result.bytesTransferred)}), ${result.filesUnchanged} unchanged, ${formatDuration(result.durationMs)}.`;
  const actions = result.linking ? ['Learn More', 'Reveal in Snapshots'] : ['Reveal in Snapshots'];
  const show = result.warnings.length ? vscode.window.showWarningMessage(`${summary} ${result.warnings.join(' ')}`, ...actions) : vscode.window.showInformationMessage(summary, ...actions);
  show.then(async (choice) => {
    if (choice === 'Reveal in Snapshots') vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
    if (choice === 'Learn More') await showReport('Why a snapshot was a full copy', WHY_FULL_COPY);
  });
  return result;
}
