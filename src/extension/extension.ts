import * as vscode from 'vscode';
import type { AutoSnapshot } from './automatic/autoSnapshot';
import { registerAutomatic } from './automatic/registerAutomatic';
import type { BeforeFileOperations } from './automatic/safetySnapshots';
import type { GitSnapshots } from './automatic/gitSnapshots';
import { registerCommandTable, shownErrors } from './commandTable';
import type { FileHistoryProvider } from './history/fileHistoryView';
import { registerHistory } from './history/registerHistory';
import type { SnapshotDiffContext } from './history/snapshotDiffContext';
import { registerReports } from './reports/registerReports';
import { registerRestore } from './restore/registerRestore';
import type { RestorePanel } from './restore/restorePanel';
import { registerRetention } from './retention/registerRetention';
import { registerSearch } from './search/registerSearch';
import type { SearchResultsProvider } from './search/searchResults';
import { createServices, TestHooks } from './services';
import { closeOpenedRoots } from './settings/settings';
import { registerSnapshots } from './snapshots/registerSnapshots';
import type { SnapshotRunner } from './snapshots/snapshotRunner';
import type { SnapshotsTreeProvider } from './snapshots/snapshotsTree';
import type { SnapshotStatusBar } from './snapshots/statusBar';

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

/**
 * Wiring only: the shared services once (log, runner, tracker, automatic history's schedule), then each feature
 * registers itself, and its commands go into the one command table. Nothing here runs rsync or walks a directory.
 */
export function activate(context: vscode.ExtensionContext): RsyncSnapshotsApi {
  const started = performance.now();
  const services = createServices(context);
  const snapshots = registerSnapshots(services);
  const history = registerHistory(services);
  const restore = registerRestore(services);
  const search = registerSearch();
  const automatic = registerAutomatic(services);
  const features = [snapshots, history, restore, search, automatic, registerRetention(services), registerReports(services)];
  context.subscriptions.push(
    services,
    ...features.flatMap((f) => f.disposables),
    ...registerCommandTable(
      features.flatMap((f) => f.commands),
      services.log,
    ),
  );
  const activationMs = performance.now() - started;
  services.log.info(`activated in ${activationMs.toFixed(1)} ms`);
  const { tree, treeView, statusBar } = snapshots;
  const { runner, auto, hooks } = services;
  const { git, beforeFileOperations } = automatic;
  const { searchResults, searchInput } = search;
  return {
    tree,
    treeView,
    statusBar,
    history: history.history,
    historyView: history.historyView,
    diffContext: history.diffContext,
    searchResults,
    searchInput,
    restorePanel: restore.restorePanel,
    git,
    beforeFileOperations,
    runner,
    auto,
    hooks,
    shownErrors,
    activationMs,
  };
}

/** Closes the shared ssh connections (ControlMaster) remote roots opened. */
export function deactivate(): Promise<void> {
  return closeOpenedRoots();
}
