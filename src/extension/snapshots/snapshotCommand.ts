import * as vscode from 'vscode';
import { formatBytes, formatDuration, plural } from '../../core/util/format';
import { throttleProgress } from '../../core/util/progressThrottle';
import { snapshotDateTime } from '../timeFormat';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { isMissingRoot } from '../../core/util/errors';
import { showReport } from '../reports/reportDocument';
import { readSettings } from '../settings/settings';
import type { ChangeTracker } from '../automatic/changeTracker';
import { askKeepHistory, HistoryHooks } from '../automatic/historySchedule';
import { RunResult, SnapshotRunner } from './snapshotRunner';
import { unchangedSince } from '../automatic/unchangedSince';

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

Run **Rsync Snapshots: Check Backup Root** for the filesystem, hard-link and \`latest\` checks.
`;

/** Lets the integration tests answer instead of a person. */
export interface SnapshotHooks extends HistoryHooks {
  /** "Nothing changed since … — take one anyway?" */
  takeAnyway?: (latest: string) => boolean;
  /** The label "Snapshot with label…" asks for (undefined: cancelled). */
  snapshotLabel?: () => string | undefined;
}

export interface SnapshotCommandContext {
  runner: SnapshotRunner;
  tracker: ChangeTracker;
  /** The extension's workspaceState: the answer to "Keep history automatically?". */
  state: vscode.Memento;
  hooks: SnapshotHooks;
  /** Called when the user switched automatic history on. */
  onHistoryOn: () => void;
}

/**
 * "Snapshot workspace": progress notification with rsync's progress and a Cancel that stops rsync. When nothing changed
 * since the latest snapshot it asks first; the first one in a workspace offers automatic history.
 */
export async function snapshotWorkspace(context: SnapshotCommandContext, given?: vscode.WorkspaceFolder | vscode.Uri, label?: string): Promise<RunResult | undefined> {
  const { runner, tracker, hooks } = context;
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  // A labelled snapshot marks a moment on purpose: taken even when nothing changed.
  const unchanged = label ? undefined : await unchangedSince(folder, tracker).catch(() => undefined);
  if (unchanged) {
    const again = 'Take Snapshot';
    const anyway = hooks.takeAnyway
      ? hooks.takeAnyway(unchanged.latest)
      : (await vscode.window.showInformationMessage(`Nothing changed since the snapshot of ${snapshotDateTime(unchanged.latest)} — take one anyway?`, { modal: true }, again)) === again;
    if (!anyway) return undefined;
  }
  const take = (createRoot: boolean) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Snapshot of ${folder.name}`, cancellable: true }, (progress, token) => {
      let last = 0;
      return runner.run(folder, {
        token,
        createRoot,
        trigger: 'manual',
        label,
        onProgress: throttleProgress((p) => {
          progress.report({ message: `${p.percent}% · ${formatBytes(p.bytes)}${p.files ? ` · ${plural(p.files, 'file')}` : ''}`, increment: Math.max(0, p.percent - last) });
          last = Math.max(last, p.percent);
        }),
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
  askKeepHistory(folder, context.state, hooks).then(
    (on) => on && context.onHistoryOn(),
    () => {},
  );
  const summary = `Snapshot ${snapshotDateTime(result.name)}${label ? ` “${label}”` : ''}: ${plural(result.filesTransferred, 'file')} copied (${formatBytes(result.bytesTransferred)}), ${result.filesUnchanged} unchanged, ${formatDuration(result.durationMs)}.`;
  const actions = result.linking ? ['Learn More', 'Reveal in Snapshots'] : ['Reveal in Snapshots'];
  const show = result.warnings.length ? vscode.window.showWarningMessage(`${summary} ${result.warnings.join(' ')}`, ...actions) : vscode.window.showInformationMessage(summary, ...actions);
  show.then(async (choice) => {
    if (choice === 'Reveal in Snapshots') vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
    if (choice === 'Learn More') await showReport('Why a snapshot was a full copy', WHY_FULL_COPY);
  });
  return result;
}

/** "Snapshot with label…": asks for the label, then takes the snapshot with it. */
export async function snapshotWithLabel(context: SnapshotCommandContext, given?: vscode.WorkspaceFolder | vscode.Uri): Promise<RunResult | undefined> {
  const label = context.hooks.snapshotLabel
    ? context.hooks.snapshotLabel()
    : await vscode.window.showInputBox({
        title: 'Snapshot with label',
        prompt: 'A note shown beside the snapshot, e.g. "before the refactoring"',
        validateInput: (v) => (v.trim() ? undefined : 'Type a label, or press Escape'),
      });
  if (!label?.trim()) return undefined;
  return snapshotWorkspace(context, given, label.trim());
}
