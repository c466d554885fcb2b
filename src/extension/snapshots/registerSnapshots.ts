import * as vscode from 'vscode';
import type { Feature, Services } from '../services';
import { historyOn } from '../automatic/historySchedule';
import { ChangeDecorationProvider } from './changeDecorations';
import { pinSnapshot } from './pinCommands';
import { SnapshotCommandContext, snapshotWithLabel, snapshotWorkspace } from './snapshotCommand';
import { repaintWhileVisible, restrictedMessage, SnapshotsTreeProvider } from './snapshotsTree';
import { SnapshotStatusBar } from './statusBar';

/** The Snapshots view, Snapshot workspace (with label), pins, reveal, the status bar and the A/M/D badges. */
export function registerSnapshots(s: Services): Feature & { tree: SnapshotsTreeProvider; treeView: vscode.TreeView<unknown>; statusBar: SnapshotStatusBar } {
  const tree = new SnapshotsTreeProvider(s.usage);
  const treeView = vscode.window.createTreeView('rsyncSnapshots.snapshots', { treeDataProvider: tree, showCollapseAll: true });
  treeView.message = restrictedMessage();
  const statusBar = new SnapshotStatusBar(s.runner, s.tracker, (folder) => historyOn(s.auto.schedule(folder)));
  const snapshotContext: SnapshotCommandContext = {
    runner: s.runner,
    tracker: s.tracker,
    state: s.context.workspaceState,
    hooks: s.hooks,
    onHistoryOn: () => {
      s.auto.reschedule();
      s.engage();
    },
  };
  const revealSnapshot = async (root?: string, name?: string) => {
    const node = root && name ? await tree.snapshotNode(root, name) : undefined;
    if (!node) await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
    // Right after a snapshot the view may still be loading its new items ("Cannot resolve tree item"): retry a few times.
    for (let attempt = 1; node; attempt++) {
      try {
        await treeView.reveal(node, { select: true, focus: true, expand: true });
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    return node;
  };
  return {
    tree,
    treeView: treeView as vscode.TreeView<unknown>,
    statusBar,
    disposables: [
      tree,
      treeView,
      statusBar,
      vscode.window.registerFileDecorationProvider(new ChangeDecorationProvider()),
      repaintWhileVisible(treeView as vscode.TreeView<unknown>, tree),
      s.onRefreshViews(() => tree.refresh()),
      s.onEngage(() => statusBar.engage()),
      s.onRootChangedOutside(() => void statusBar.reload()),
      s.onSettingsChanged(() => {
        treeView.message = restrictedMessage();
        tree.refresh();
        void statusBar.reload();
      }),
      tree.onDidList(() => s.engage()), // the view was opened
      s.runner.onDidChange(({ result }) => {
        s.engage();
        if (result) s.refreshViews();
      }),
    ],
    commands: [
      { id: 'rsyncSnapshots.snapshotWorkspace', run: (folder?: vscode.WorkspaceFolder | vscode.Uri) => snapshotWorkspace(snapshotContext, folder) },
      { id: 'rsyncSnapshots.snapshotWithLabel', run: (folder?: vscode.WorkspaceFolder | vscode.Uri) => snapshotWithLabel(snapshotContext, folder) },
      { id: 'rsyncSnapshots.refresh', run: () => s.refreshViews() },
      { id: 'rsyncSnapshots.revealSnapshot', run: revealSnapshot },
      { id: 'rsyncSnapshots.pinSnapshot', run: (node?: Parameters<typeof pinSnapshot>[0]) => pinSnapshot(node, true, () => tree.refresh()) },
      { id: 'rsyncSnapshots.unpinSnapshot', run: (node?: Parameters<typeof pinSnapshot>[0]) => pinSnapshot(node, false, () => tree.refresh()) },
    ],
  };
}
