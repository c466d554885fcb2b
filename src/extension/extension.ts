import * as vscode from 'vscode';
import { AutoSnapshot } from './autoSnapshot';
import { registerCommandTable, shownErrors } from './commandTable';
import { createLogger } from './logger';
import { RootWatcher } from './rootWatcher';
import { SECTION } from './settings';
import { snapshotWorkspace } from './snapshotCommand';
import { SnapshotFileSystemProvider } from './snapshotFileSystem';
import { SnapshotRunner } from './snapshotRunner';
import { SnapshotsTreeProvider } from './snapshotsTree';
import { SNAPSHOT_SCHEME } from './snapshotUri';
import { SnapshotStatusBar } from './statusBar';

/** What the extension exports: used by the integration tests to read the view and the runner. */
export interface RsyncSnapshotsApi {
  tree: SnapshotsTreeProvider;
  treeView: vscode.TreeView<unknown>;
  runner: SnapshotRunner;
  shownErrors: string[];
}

export function activate(context: vscode.ExtensionContext): RsyncSnapshotsApi {
  // logger → engine → providers → commands; nothing here runs rsync or walks a directory.
  const log = vscode.window.createOutputChannel('Rsync Snapshots', { log: true });
  const logger = createLogger(log);
  const runner = new SnapshotRunner(logger);
  const tree = new SnapshotsTreeProvider();
  const treeView = vscode.window.createTreeView('rsyncSnapshots.snapshots', { treeDataProvider: tree, showCollapseAll: true });
  const watcher = new RootWatcher(() => tree.refresh());
  const statusBar = new SnapshotStatusBar(runner, tree);
  const auto = new AutoSnapshot(runner, logger);

  context.subscriptions.push(
    log,
    runner,
    tree,
    treeView,
    watcher,
    statusBar,
    auto,
    vscode.workspace.registerFileSystemProvider(SNAPSHOT_SCHEME, new SnapshotFileSystemProvider(), { isReadonly: true, isCaseSensitive: true }),
    runner.onDidChange(({ result }) => {
      if (!result) return;
      tree.refresh();
      watcher.rewatch(); // the first snapshot may have created the root
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      tree.refresh();
      watcher.rewatch();
      auto.reschedule();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      tree.refresh();
      watcher.rewatch();
      auto.reschedule();
    }),
    ...registerCommandTable(
      [
        { id: 'rsyncSnapshots.snapshotWorkspace', run: (folder?: vscode.WorkspaceFolder | vscode.Uri) => snapshotWorkspace(runner, folder) },
        { id: 'rsyncSnapshots.refresh', run: () => tree.refresh() },
        { id: 'rsyncSnapshots.openSettings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${context.extension.id}`) },
      ],
      log,
    ),
  );
  return { tree, treeView: treeView as vscode.TreeView<unknown>, runner, shownErrors };
}

export function deactivate(): void {}
