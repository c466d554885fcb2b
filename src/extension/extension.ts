import * as vscode from 'vscode';
import { AutoSnapshot } from './autoSnapshot';
import { ChangeDecorationProvider } from './changeDecorations';
import { compareWithPreviousVersion, compareWithSnapshot, stepVersion } from './compare';
import { RestoreResult } from '../core/restore/apply';
import type { UndoRestore } from '../core/restore/undo';
import { restoreFromSnapshot, RestoreHooks, undoRestore } from './restoreCommands';
import { GitSnapshots } from './gitSnapshots';
import { pinSnapshot } from './pinCommands';
import { BeforeFileOperations } from './safetySnapshots';
import { registerReportProvider } from './reportDocument';
import { RestorePanel } from './restorePanel';
import { copyCronLine } from './cronLineCommand';
import { checkBackupRoot } from './doctorCommand';
import { PruneHooks, pruneSnapshots } from './pruneCommand';
import { showSpaceUsage } from './usageCommand';
import { compareSnapshotWithWorkspace, findDeletedFiles, PathPickHooks } from './workspaceChanges';
import type { SnapshotsNode } from './snapshotsTree';
import { registerCommandTable, shownErrors } from './commandTable';
import { createLogger } from './logger';
import { ConsentHooks, RootConsent } from './rootConsent';
import { RootWatcher } from './rootWatcher';
import { closeOpenedRoots, SECTION, setRootLogger } from './settings';
import { snapshotWorkspace } from './snapshotCommand';
import { SnapshotFileSystemProvider } from './snapshotFileSystem';
import { SnapshotRunner } from './snapshotRunner';
import { restrictedMessage, SnapshotsTreeProvider } from './snapshotsTree';
import { SNAPSHOT_SCHEME, toSnapshotUri } from './snapshotUri';
import { SnapshotStatusBar } from './statusBar';

/** What the extension exports: used by the integration tests to read the view and the runner. */
export interface RsyncSnapshotsApi {
  tree: SnapshotsTreeProvider;
  treeView: vscode.TreeView<unknown>;
  runner: SnapshotRunner;
  shownErrors: string[];
  /** Test hooks: when set, these choose in quick picks instead of a person. */
  hooks: TestHooks;
  /** The newest restore panel, if one is open. */
  restorePanel(): RestorePanel | undefined;
  /** How long activate() took, in ms (target < 30). */
  activationMs: number;
  /** Labelled snapshots after git moves HEAD. */
  git: GitSnapshots;
  /** Snapshots before Explorer deletes and renames. */
  beforeFileOperations: BeforeFileOperations;
}

type TestHooks = RestoreHooks & PathPickHooks & PruneHooks & ConsentHooks;

export function activate(context: vscode.ExtensionContext): RsyncSnapshotsApi {
  const started = performance.now();
  // logger → engine → providers → commands; nothing here runs rsync or walks a directory.
  const log = vscode.window.createOutputChannel('Rsync Snapshots', { log: true });
  const logger = createLogger(log);
  setRootLogger(logger);
  const hooks: TestHooks = {};
  const runner = new SnapshotRunner(logger, new RootConsent(context.globalState, hooks, logger));
  const tree = new SnapshotsTreeProvider();
  const treeView = vscode.window.createTreeView('rsyncSnapshots.snapshots', { treeDataProvider: tree, showCollapseAll: true });
  treeView.message = restrictedMessage();
  const watcher = new RootWatcher(() => tree.refresh());
  const statusBar = new SnapshotStatusBar(runner, tree);
  const auto = new AutoSnapshot(runner, logger);
  const git = new GitSnapshots(runner, logger);
  const beforeFileOperations = new BeforeFileOperations(runner, logger);
  git.start().catch((err) => logger.warn(`git snapshots off: ${err.message}`)); // not awaited: the git extension starts on its own time
  const onRestored = (result: RestoreResult) => {
    tree.refresh();
    const summary = `Restored ${result.restored.length} item(s)${result.deleted.length ? `, deleted ${result.deleted.length}` : ''}${result.failed.length ? `; ${result.failed.length} failed (see the restore panel)` : ''}.`;
    const note = result.safetySnapshot ? `${summary} The previous state is in safety snapshot ${result.safetySnapshot}.` : summary;
    const actions = [...(result.undo ? ['Undo Restore'] : []), ...(result.safetySnapshot ? ['Show Safety Snapshot'] : [])];
    const show = result.failed.length ? vscode.window.showErrorMessage(note, ...actions) : vscode.window.showInformationMessage(note, ...actions);
    show.then((choice) => {
      if (choice === 'Undo Restore') vscode.commands.executeCommand('rsyncSnapshots.undoRestore', result.undo);
      else if (choice) vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', result.safetySnapshotRoot, result.safetySnapshot);
    });
  };
  const restoreContext = { extensionUri: context.extensionUri, logger, hooks, onApplied: onRestored };

  context.subscriptions.push(
    log,
    runner,
    tree,
    treeView,
    watcher,
    statusBar,
    auto,
    git,
    beforeFileOperations,
    vscode.workspace.registerFileSystemProvider(SNAPSHOT_SCHEME, new SnapshotFileSystemProvider(), { isReadonly: true, isCaseSensitive: true }),
    vscode.window.registerFileDecorationProvider(new ChangeDecorationProvider()),
    registerReportProvider(),
    trackSnapshotDiffContext(),
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
    // Restricted Mode ends: the folder's own settings (root, schedule, retention) apply from now on, no reload.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      logger.info("workspace trusted: this folder's backup settings apply now");
      treeView.message = restrictedMessage();
      tree.refresh();
      watcher.rewatch();
      auto.reschedule();
    }),
    ...registerCommandTable(
      [
        { id: 'rsyncSnapshots.snapshotWorkspace', run: (folder?: vscode.WorkspaceFolder | vscode.Uri) => snapshotWorkspace(runner, folder) },
        { id: 'rsyncSnapshots.refresh', run: () => tree.refresh() },
        {
          id: 'rsyncSnapshots.revealSnapshot',
          run: async (root?: string, name?: string) => {
            const node = root && name ? await tree.snapshotNode(root, name) : undefined;
            if (node) await treeView.reveal(node, { select: true, focus: true, expand: true });
            else await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
            return node;
          },
        },
        { id: 'rsyncSnapshots.compareWithSnapshot', run: (uri?: vscode.Uri) => compareWithSnapshot(uri instanceof vscode.Uri ? uri : undefined, hooks) },
        { id: 'rsyncSnapshots.compareWithPreviousVersion', run: (arg?: vscode.Uri | SnapshotsNode) => compareWithPreviousVersion(nodeUri(arg)) },
        { id: 'rsyncSnapshots.olderVersion', run: () => stepVersion(-1) },
        { id: 'rsyncSnapshots.newerVersion', run: () => stepVersion(1) },
        { id: 'rsyncSnapshots.compareWithWorkspace', run: (node?: SnapshotsNode) => compareSnapshotWithWorkspace(node, hooks) },
        { id: 'rsyncSnapshots.findDeletedFiles', run: () => findDeletedFiles(undefined, hooks) },
        { id: 'rsyncSnapshots.restore', run: (arg?: unknown) => restoreFromSnapshot(arg, restoreContext, false) },
        { id: 'rsyncSnapshots.restoreAsCopy', run: (arg?: unknown) => restoreFromSnapshot(arg, restoreContext, true) },
        { id: 'rsyncSnapshots.undoRestore', run: (undo?: UndoRestore) => undoRestore(undo, restoreContext) },
        { id: 'rsyncSnapshots.pinSnapshot', run: (node?: SnapshotsNode) => pinSnapshot(node, true, () => tree.refresh()) },
        { id: 'rsyncSnapshots.unpinSnapshot', run: (node?: SnapshotsNode) => pinSnapshot(node, false, () => tree.refresh()) },
        { id: 'rsyncSnapshots.showUsage', run: () => showSpaceUsage(tree.usage, () => tree.refresh()) },
        { id: 'rsyncSnapshots.prune', run: () => pruneSnapshots(hooks, () => tree.refresh()) },
        { id: 'rsyncSnapshots.checkRoot', run: () => checkBackupRoot() },
        { id: 'rsyncSnapshots.copyCronLine', run: (at?: string) => copyCronLine(context.extensionPath, undefined, typeof at === 'string' ? at : undefined) },
        { id: 'rsyncSnapshots.openSettings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${context.extension.id}`) },
      ],
      log,
    ),
  );
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { tree, treeView: treeView as vscode.TreeView<unknown>, runner, shownErrors, hooks, restorePanel: () => RestorePanel.latest, activationMs, git, beforeFileOperations };
}

/** A tree item or a URI, as menus pass them, to the snapshot URI it stands for. */
function nodeUri(arg?: vscode.Uri | SnapshotsNode): vscode.Uri | undefined {
  if (!arg || arg instanceof vscode.Uri) return arg;
  return arg.kind === 'entry' || arg.kind === 'changed' ? toSnapshotUri({ root: arg.root, snapshot: arg.snapshot.name, path: arg.path }) : undefined;
}

/** Context key rsyncSnapshots.inSnapshotDiff: the active tab is a diff whose left side is a snapshot version (shows ← → in its title). */
function trackSnapshotDiffContext(): vscode.Disposable {
  const update = () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const value = input instanceof vscode.TabInputTextDiff && input.original.scheme === SNAPSHOT_SCHEME;
    vscode.commands.executeCommand('setContext', 'rsyncSnapshots.inSnapshotDiff', value);
  };
  update();
  return vscode.Disposable.from(vscode.window.tabGroups.onDidChangeTabs(update), vscode.window.tabGroups.onDidChangeTabGroups(update));
}

/** Closes the shared ssh connections (ControlMaster) remote roots opened. */
export function deactivate(): Promise<void> {
  return closeOpenedRoots();
}
