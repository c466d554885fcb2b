import * as vscode from 'vscode';
import type { Logger } from '../core/util/logger';
import { AutoSnapshot } from './automatic/autoSnapshot';
import { ChangeTracker } from './automatic/changeTracker';
import type { CommandEntry } from './commandTable';
import type { PathPickHooks } from './history/workspaceChanges';
import { createLogger } from './logger';
import { UsageFigures } from './reports/usageCommand';
import type { RestoreHooks } from './restore/restoreCommands';
import type { PruneHooks } from './retention/pruneCommand';
import { ConsentHooks, RootConsent } from './settings/rootConsent';
import { SECTION, setRootLogger } from './settings/settings';
import type { SnapshotHooks } from './snapshots/snapshotCommand';
import { SnapshotRunner } from './snapshots/snapshotRunner';

/** Test hooks: when set, these choose in quick picks and answer questions instead of a person. */
export type TestHooks = RestoreHooks & PathPickHooks & PruneHooks & ConsentHooks & SnapshotHooks;

/**
 * What the features share, built once by activate(): the log, the runner every snapshot goes through, the watcher's
 * change tracker, automatic history's schedule, the space figures, and the few events that tie the features together.
 * A feature registers itself with these (registerRestore(services) …) and never reaches back into extension.ts.
 */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly logger: Logger;
  readonly hooks: TestHooks;
  readonly tracker: ChangeTracker;
  readonly runner: SnapshotRunner;
  readonly auto: AutoSnapshot;
  /** Space figures from "Show space usage", shown in the Snapshots view once measured. */
  readonly usage: UsageFigures;
  /** What a root holds changed: the views that show it read again. */
  refreshViews(): void;
  readonly onRefreshViews: vscode.Event<void>;
  /** Show the status bar (automatic history on, the view opened, a snapshot ran in this window). */
  engage(): void;
  readonly onEngage: vscode.Event<void>;
  /** A snapshot came from outside this window (the CLI, cron, another window): the status bar reads the root again. */
  rootChangedOutside(): void;
  readonly onRootChangedOutside: vscode.Event<void>;
  /** Our settings, the workspace folders or workspace trust changed: features re-read what they depend on. */
  readonly onSettingsChanged: vscode.Event<void>;
}

/** One feature's part of the extension: its commands (for the one command table) and what to dispose. */
export interface Feature {
  commands: CommandEntry[];
  disposables: vscode.Disposable[];
}

export function createServices(context: vscode.ExtensionContext): Services & vscode.Disposable {
  const log = vscode.window.createOutputChannel('Rsync Snapshots', { log: true });
  const logger = createLogger(log);
  setRootLogger(logger);
  const hooks: TestHooks = {};
  const tracker = new ChangeTracker();
  const runner = new SnapshotRunner(logger, new RootConsent(context.globalState, hooks, logger), tracker);
  const auto = new AutoSnapshot(runner, tracker, context.workspaceState, logger);
  const refresh = new vscode.EventEmitter<void>();
  const engage = new vscode.EventEmitter<void>();
  const outside = new vscode.EventEmitter<void>();
  const settings = new vscode.EventEmitter<void>();
  const listeners = [
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION) || e.affectsConfiguration('files.watcherExclude')) settings.fire();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => settings.fire()),
    // Restricted Mode ends: the folder's own settings (root, schedule, retention) apply from now on, no reload.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      logger.info("workspace trusted: this folder's backup settings apply now");
      settings.fire();
    }),
  ];
  return {
    context,
    log,
    logger,
    hooks,
    tracker,
    runner,
    auto,
    usage: new UsageFigures(),
    refreshViews: () => refresh.fire(),
    onRefreshViews: refresh.event,
    engage: () => engage.fire(),
    onEngage: engage.event,
    rootChangedOutside: () => outside.fire(),
    onRootChangedOutside: outside.event,
    onSettingsChanged: settings.event,
    dispose: () => {
      for (const d of [...listeners, refresh, engage, outside, settings, auto, runner, tracker, log]) d.dispose();
    },
  };
}
