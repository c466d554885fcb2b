import path from 'node:path';
import * as vscode from 'vscode';
import { AutoSnapshot } from './automatic/autoSnapshot';
import { ChangeDecorationProvider } from './snapshots/changeDecorations';
import { compareWithPreviousVersion, compareWithSnapshot, stepVersion } from './history/compare';
import { RestoreResult } from '../core/restore/apply';
import type { UndoRestore } from '../core/restore/undo';
import { restoreFromSnapshot, RestoreHooks, undoRestore } from './restore/restoreCommands';
import { GitSnapshots } from './automatic/gitSnapshots';
import { pinSnapshot } from './snapshots/pinCommands';
import { BeforeFileOperations } from './automatic/safetySnapshots';
import { registerReportProvider } from './reports/reportDocument';
import { RestorePanel } from './restore/restorePanel';
import { copyCronLine } from './reports/cronLineCommand';
import { installCliCommand, refreshInstalledCli } from './reports/installCliCommand';
import { checkBackupRoot } from './reports/doctorCommand';
import { PruneHooks, pruneSnapshots } from './retention/pruneCommand';
import { showSpaceUsage } from './reports/usageCommand';
import { compareSnapshotWithWorkspace, findDeletedFiles, openSnapshotChanges, PathPickHooks } from './history/workspaceChanges';
import type { SnapshotsNode } from './snapshots/snapshotsTree';
import { registerCommandTable, shownErrors } from './commandTable';
import { createLogger } from './logger';
import { ConsentHooks, RootConsent } from './settings/rootConsent';
import { RootWatcher } from './automatic/rootWatcher';
import { closeOpenedRoots, SECTION, setRootLogger } from './settings/settings';
import { SnapshotCommandContext, SnapshotHooks, snapshotWithLabel, snapshotWorkspace } from './snapshots/snapshotCommand';
import { ChangeTracker } from './automatic/changeTracker';
import { historyOn } from './automatic/historySchedule';
import { SnapshotFileSystemProvider } from './history/snapshotFileSystem';
import { SnapshotRunner } from './snapshots/snapshotRunner';
import { repaintWhileVisible, restrictedMessage, SnapshotsTreeProvider } from './snapshots/snapshotsTree';
import { plural } from '../core/util/format';
import { snapshotDateTime } from './timeFormat';
import { SNAPSHOT_SCHEME, toSnapshotUri } from './history/snapshotUri';
import { SnapshotDiffContext } from './history/snapshotDiffContext';
import { SnapshotStatusBar } from './snapshots/statusBar';
import { FileHistoryProvider } from './history/fileHistoryView';
import { compareVersionWithWorking, copyVersionPath, openVersion, restoreArgument, showBlockChange, showFileHistory, showSelectionHistory, showVersionChanges } from './history/fileHistoryCommands';
import { compareSearchResult, openSearchResult, searchInSnapshots } from './search/searchCommand';
import { activeSearchInput } from './search/searchInput';
import { SearchNode, SearchResultsProvider } from './search/searchResults';
import type { SearchQuery } from '../core/search/types';

/** What the extension exports: used by the integration tests to read the view and the runner. */
export interface RsyncSnapshotsApi {
  tree: SnapshotsTreeProvider;
  treeView: vscode.TreeView<unknown>;
  /** The File History view's provider and view. */
  history: FileHistoryProvider;
  historyView: vscode.TreeView<unknown>;
  /** The Search results view's provider, and the query input on screen (if any). */
  searchResults: SearchResultsProvider;
  searchInput(): vscode.InputBox | undefined;
  runner: SnapshotRunner;
  /** Automatic history (its outcomes) and the status bar (its text). */
  auto: AutoSnapshot;
  statusBar: SnapshotStatusBar;
  shownErrors: string[];
  /** Test hooks: when set, these choose in quick picks instead of a person. */
  hooks: TestHooks;
  /** The newest restore panel, if one is open. */
  restorePanel(): RestorePanel | undefined;
  /** How long activate() took, in ms (target < 30). */
  activationMs: number;
  /** The older/newer context keys of the active diff. */
  diffContext: SnapshotDiffContext;
  /** Labelled snapshots after git moves HEAD. */
  git: GitSnapshots;
  /** Snapshots before Explorer deletes and renames. */
  beforeFileOperations: BeforeFileOperations;
}

type TestHooks = RestoreHooks & PathPickHooks & PruneHooks & ConsentHooks & SnapshotHooks;

export function activate(context: vscode.ExtensionContext): RsyncSnapshotsApi {
  const started = performance.now();
  // logger → engine → providers → commands; nothing here runs rsync or walks a directory.
  const log = vscode.window.createOutputChannel('Rsync Snapshots', { log: true });
  const logger = createLogger(log);
  setRootLogger(logger);
  const hooks: TestHooks = {};
  const tracker = new ChangeTracker();
  const runner = new SnapshotRunner(logger, new RootConsent(context.globalState, hooks, logger), tracker);
  const tree = new SnapshotsTreeProvider();
  const treeView = vscode.window.createTreeView('rsyncSnapshots.snapshots', { treeDataProvider: tree, showCollapseAll: true });
  treeView.message = restrictedMessage();
  const history = new FileHistoryProvider();
  const historyView = vscode.window.createTreeView('rsyncSnapshots.fileHistory', { treeDataProvider: history });
  history.onDidRetarget = (target, selection) => {
    historyView.description = target ? path.basename(target.rel) : undefined;
    historyView.message = selection ? `Versions in which lines ${selection.lines.start}–${selection.lines.end} changed, newest first` : undefined;
    vscode.commands.executeCommand('setContext', 'rsyncSnapshots.selectionHistory', Boolean(selection));
  };
  history.follow(vscode.window.activeTextEditor?.document.uri);
  /** The views that show what the roots hold: the Snapshots tree and File History's cache. */
  const refreshViews = () => {
    tree.refresh();
    history.invalidate();
  };
  const searchResults = new SearchResultsProvider();
  const searchView = vscode.window.createTreeView('rsyncSnapshots.searchResults', { treeDataProvider: searchResults, showCollapseAll: true });
  // Automatic history: timers and the folder watcher only where it is on (settings, or this workspace's answer).
  const auto = new AutoSnapshot(runner, tracker, context.workspaceState, logger);
  const statusBar = new SnapshotStatusBar(runner, tracker, (folder) => historyOn(auto.schedule(folder)));
  const watcher = new RootWatcher(() => {
    refreshViews();
    void statusBar.reload(); // a CLI or cron snapshot into the same root
  });
  const git = new GitSnapshots(runner, logger);
  const beforeFileOperations = new BeforeFileOperations(runner, logger);
  git.start().catch((err) => logger.warn(`git snapshots off: ${err.message}`)); // not awaited: the git extension starts on its own time
  const engage = () => statusBar.engage();
  if (auto.enabled) engage();
  const snapshotContext: SnapshotCommandContext = {
    runner,
    tracker,
    state: context.workspaceState,
    hooks,
    onHistoryOn: () => {
      auto.reschedule();
      engage();
    },
  };
  const onRestored = (result: RestoreResult) => {
    refreshViews();
    const summary = `Restored ${plural(result.restored.length, 'item')}${result.deleted.length ? `, deleted ${result.deleted.length}` : ''}${result.failed.length ? `; ${result.failed.length} failed (see the restore panel)` : ''}.`;
    const note = result.safetySnapshot ? `${summary} The previous state is in safety snapshot ${snapshotDateTime(result.safetySnapshot)}.` : summary;
    const actions = [...(result.undo ? ['Undo Restore'] : []), ...(result.safetySnapshot ? ['Show Safety Snapshot'] : [])];
    const show = result.failed.length ? vscode.window.showErrorMessage(note, ...actions) : vscode.window.showInformationMessage(note, ...actions);
    show.then((choice) => {
      if (choice === 'Undo Restore') vscode.commands.executeCommand('rsyncSnapshots.undoRestore', result.undo);
      else if (choice) vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', result.safetySnapshotRoot, result.safetySnapshot);
    });
  };
  const restoreContext = { extensionUri: context.extensionUri, logger, hooks, onApplied: onRestored };
  const diffContext = new SnapshotDiffContext();

  context.subscriptions.push(
    log,
    tracker,
    runner,
    tree,
    treeView,
    history,
    historyView,
    vscode.window.onDidChangeActiveTextEditor((editor) => history.follow(editor?.document.uri)),
    vscode.workspace.onDidSaveTextDocument((doc) => history.saved(doc.uri)),
    searchResults,
    searchView,
    tree.onDidList(engage), // the view was opened
    runner.onDidChange(engage),
    watcher,
    statusBar,
    auto,
    git,
    beforeFileOperations,
    vscode.workspace.registerFileSystemProvider(SNAPSHOT_SCHEME, new SnapshotFileSystemProvider(), { isReadonly: true, isCaseSensitive: true }),
    vscode.window.registerFileDecorationProvider(new ChangeDecorationProvider()),
    registerReportProvider(),
    diffContext,
    repaintWhileVisible(treeView as vscode.TreeView<unknown>, tree),
    runner.onDidChange(({ result }) => {
      if (!result) return;
      refreshViews();
      watcher.rewatch(); // the first snapshot may have created the root
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION) && !e.affectsConfiguration('files.watcherExclude')) return;
      refreshViews();
      watcher.rewatch();
      auto.reschedule();
      if (auto.enabled) engage();
      void statusBar.reload();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      tree.refresh();
      watcher.rewatch();
      auto.reschedule();
      void statusBar.reload();
    }),
    // Restricted Mode ends: the folder's own settings (root, schedule, retention) apply from now on, no reload.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      logger.info("workspace trusted: this folder's backup settings apply now");
      treeView.message = restrictedMessage();
      tree.refresh();
      watcher.rewatch();
      auto.reschedule();
      if (auto.enabled) engage();
    }),
    ...registerCommandTable(
      [
        { id: 'rsyncSnapshots.snapshotWorkspace', run: (folder?: vscode.WorkspaceFolder | vscode.Uri) => snapshotWorkspace(snapshotContext, folder) },
        { id: 'rsyncSnapshots.refresh', run: refreshViews },
        { id: 'rsyncSnapshots.snapshotWithLabel', run: (folder?: vscode.WorkspaceFolder | vscode.Uri) => snapshotWithLabel(snapshotContext, folder) },
        { id: 'rsyncSnapshots.showFileHistory', run: (uri?: vscode.Uri) => showFileHistory(history, uri instanceof vscode.Uri ? uri : undefined) },
        { id: 'rsyncSnapshots.showSelectionHistory', run: () => showSelectionHistory(history) },
        { id: 'rsyncSnapshots.history.wholeFile', run: () => history.showWholeFile() },
        { id: 'rsyncSnapshots.history.showChanges', run: (node?: unknown) => showVersionChanges(node) },
        { id: 'rsyncSnapshots.history.compareWithWorking', run: (node?: unknown) => compareVersionWithWorking(node) },
        { id: 'rsyncSnapshots.history.open', run: (node?: unknown) => openVersion(node) },
        { id: 'rsyncSnapshots.history.restore', run: (node?: unknown) => restoreFromSnapshot(restoreArgument(node), restoreContext, false) },
        { id: 'rsyncSnapshots.history.copyPath', run: (node?: unknown) => copyVersionPath(node) },
        { id: 'rsyncSnapshots.history.showBlock', run: (node?: unknown) => showBlockChange(node) },
        {
          id: 'rsyncSnapshots.revealSnapshot',
          run: async (root?: string, name?: string) => {
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
          },
        },
        { id: 'rsyncSnapshots.compareWithSnapshot', run: (uri?: vscode.Uri) => compareWithSnapshot(uri instanceof vscode.Uri ? uri : undefined, hooks) },
        { id: 'rsyncSnapshots.compareWithPreviousVersion', run: (arg?: vscode.Uri | SnapshotsNode) => compareWithPreviousVersion(nodeUri(arg)) },
        { id: 'rsyncSnapshots.olderVersion', run: () => stepVersion(-1) },
        { id: 'rsyncSnapshots.newerVersion', run: () => stepVersion(1) },
        { id: 'rsyncSnapshots.compareWithWorkspace', run: (node?: SnapshotsNode) => compareSnapshotWithWorkspace(node) },
        { id: 'rsyncSnapshots.openChanges', run: (node?: SnapshotsNode) => openSnapshotChanges(node) },
        { id: 'rsyncSnapshots.findDeletedFiles', run: () => findDeletedFiles(undefined, hooks) },
        { id: 'rsyncSnapshots.restore', run: (arg?: unknown) => restoreFromSnapshot(arg, restoreContext, false) },
        { id: 'rsyncSnapshots.restoreAsCopy', run: (arg?: unknown) => restoreFromSnapshot(arg, restoreContext, true) },
        { id: 'rsyncSnapshots.searchInSnapshots', run: (query?: unknown) => searchInSnapshots(searchResults, isQuery(query) ? query : undefined) },
        { id: 'rsyncSnapshots.openSearchResult', run: (node?: SearchNode) => openSearchResult(searchResults, node) },
        { id: 'rsyncSnapshots.compareSearchResult', run: (node?: SearchNode) => compareSearchResult(searchResults, node) },
        { id: 'rsyncSnapshots.clearSearchResults', run: () => searchResults.clear() },
        { id: 'rsyncSnapshots.undoRestore', run: (undo?: UndoRestore) => undoRestore(undo, restoreContext) },
        { id: 'rsyncSnapshots.pinSnapshot', run: (node?: SnapshotsNode) => pinSnapshot(node, true, () => tree.refresh()) },
        { id: 'rsyncSnapshots.unpinSnapshot', run: (node?: SnapshotsNode) => pinSnapshot(node, false, () => tree.refresh()) },
        { id: 'rsyncSnapshots.showUsage', run: () => showSpaceUsage(tree.usage, () => tree.refresh()) },
        { id: 'rsyncSnapshots.prune', run: () => pruneSnapshots(hooks, () => tree.refresh()) },
        { id: 'rsyncSnapshots.checkRoot', run: () => checkBackupRoot() },
        {
          id: 'rsyncSnapshots.copyCronLine',
          run: (at?: string, delay?: string) => copyCronLine(context.extensionPath, undefined, typeof at === 'string' ? at : undefined, typeof delay === 'string' ? delay : undefined),
        },
        { id: 'rsyncSnapshots.installCli', run: (bin?: string) => installCliCommand(context.extensionPath, typeof bin === 'string' ? bin : undefined) },
        { id: 'rsyncSnapshots.openSettings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${context.extension.id}`) },
      ],
      log,
    ),
  );
  // After an update: the installed CLI (cron lines run it) becomes this version. In the background, never at activation's cost.
  setTimeout(() => void refreshInstalledCli(context.extensionPath, logger), 2000).unref();
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return {
    tree,
    treeView: treeView as vscode.TreeView<unknown>,
    history,
    historyView: historyView as vscode.TreeView<unknown>,
    searchResults,
    searchInput: () => activeSearchInput.box,
    runner,
    auto,
    statusBar,
    shownErrors,
    hooks,
    restorePanel: () => RestorePanel.latest,
    activationMs,
    diffContext,
    git,
    beforeFileOperations,
  };
}

/** A query passed to the search command (a keybinding's args, the tests): else it asks. */
function isQuery(arg: unknown): arg is SearchQuery {
  return typeof arg === 'object' && arg !== null && typeof (arg as SearchQuery).pattern === 'string';
}

/** A tree item or a URI, as menus pass them, to the snapshot URI it stands for. */
function nodeUri(arg?: vscode.Uri | SnapshotsNode): vscode.Uri | undefined {
  if (!arg || arg instanceof vscode.Uri) return arg;
  return arg.kind === 'entry' || arg.kind === 'changed' ? toSnapshotUri({ root: arg.root, snapshot: arg.snapshot.name, path: arg.path }) : undefined;
}

/** Closes the shared ssh connections (ControlMaster) remote roots opened. */
export function deactivate(): Promise<void> {
  return closeOpenedRoots();
}
