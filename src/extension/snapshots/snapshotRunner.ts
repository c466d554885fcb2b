import path from 'node:path';
import * as vscode from 'vscode';
import { Logger } from '../../core/util/logger';
import { RsyncProgress } from '../../core/util/rsync';
import { isSnapshotError, SnapshotError } from '../../core/util/errors';
import { plural } from '../../core/util/format';
import { DEFAULT_FLOOR } from '../../core/snapshot/spaceFloor';
import type { SnapshotTrigger } from '../../core/root/notes';
import { checkLinking } from '../../core/snapshot/linkCheck';
import { LinkDiagnosis } from '../../core/snapshot/linkDiagnostics';
import { takeSnapshot } from '../../core/snapshot/snapshot';
import type { SnapshotResult } from '../../core/snapshot/types';
import { autoPrune, AutoPruneOutcome, thinHistory } from '../retention/pruneCommand';
import type { ChangeTracker } from '../automatic/changeTracker';
import { RootConsent } from '../settings/rootConsent';
import { folderRoot, readSettings } from '../settings/settings';

/** Open files under `folder` with unsaved changes: the snapshot holds what is on disk, not their text (noted with it). */
function unsavedIn(folder: vscode.WorkspaceFolder): number {
  const base = path.resolve(folder.uri.fsPath) + path.sep;
  return vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file' && path.resolve(d.uri.fsPath).startsWith(base)).length;
}

/**
 * Two folders in one root would mix their snapshots (and move one latest): each workspace folder needs its own
 * root. Throws a message saying how to give each its own.
 */
export function checkOwnRoot(folder: vscode.WorkspaceFolder, folders: readonly vscode.WorkspaceFolder[], rootOf: (f: vscode.WorkspaceFolder) => string): void {
  const root = rootOf(folder);
  const sharing = folders.find((other) => other.uri.toString() !== folder.uri.toString() && rootOf(other) === root);
  if (sharing)
    throw new SnapshotError(
      'BAD_INPUT',
      `Workspace folders ${folder.name} and ${sharing.name} would share the backup root ${root}: give each folder its own root (rsyncSnapshots.backupRoot in each folder's settings), or leave it empty for a per-folder default.`,
    );
}

export interface RunResult extends SnapshotResult {
  /** Set when the snapshot turned out a full copy although it should have been linked: why. */
  linking?: LinkDiagnosis;
  /** What the automatic prune after it did (unset when automatic pruning is off or failed). */
  autoPrune?: AutoPruneOutcome;
}

/** Runs snapshots of workspace folders, one at a time per folder, and tells listeners when one starts or ends. */
export class SnapshotRunner implements vscode.Disposable {
  private readonly running = new Map<string, AbortController>();
  private readonly changeEmitter = new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; result?: SnapshotResult }>();
  /** Fires when a snapshot starts or finishes (result set on success). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly logger: Logger,
    private readonly consent: RootConsent,
    private readonly tracker: ChangeTracker,
  ) {}

  get isRunning(): boolean {
    return this.running.size > 0;
  }

  /**
   * Folders whose automatic history is paused for want of space (the floor of DEFAULT_FLOOR, after making room):
   * the refusal's message, shown once in the status bar, never as a stream of toasts. Cleared by the next snapshot
   * that runs, so history resumes by itself once space is back.
   */
  readonly noRoom = new Map<string, string>();

  /**
   * `createRoot`: make the backup root when missing (always for the default root; otherwise when the user agreed).
   * `automatic`: started by a timer, not a person: never asks, refuses what would need a question.
   * `trigger`, `label`: why the snapshot is taken and the user's note, kept in the snapshot's notes.
   */
  async run(
    folder: vscode.WorkspaceFolder,
    options: {
      token?: vscode.CancellationToken;
      onProgress?: (p: RsyncProgress) => void;
      createRoot?: boolean;
      automatic?: boolean;
      /** Noted with the snapshot: why it was taken, and a label shown beside it. */
      trigger?: SnapshotTrigger;
      label?: string;
    } = {},
  ): Promise<RunResult> {
    const settings = readSettings(folder);
    const root = folderRoot(folder);
    checkOwnRoot(folder, vscode.workspace.workspaceFolders ?? [], (f) => readSettings(f).backupRoot);
    await this.consent.checkSnapshotInto(root, folder.uri.fsPath, !options.automatic);
    const controller = new AbortController();
    const sub = options.token?.onCancellationRequested(() => controller.abort());
    this.running.set(folder.uri.toString(), controller);
    this.changeEmitter.fire({ folder });
    let result: RunResult | undefined;
    // The watcher counts changes from here on; once this run succeeded the folder equals the new snapshot plus them.
    this.tracker.track(folder);
    const begunAt = Date.now();
    const tracking = this.tracker.begin(folder);
    try {
      result = await takeSnapshot(root, {
        trigger: options.trigger ?? (options.automatic ? 'interval' : 'manual'),
        label: options.label,
        source: folder.uri.fsPath,
        excludes: settings.excludes,
        oneFileSystem: settings.oneFileSystem,
        unsaved: unsavedIn(folder),
        createRoot: settings.defaultRoot || options.createRoot === true,
        // Automatic history never fills the disk: below the floor it first deletes the oldest thinnable snapshots.
        ...(options.automatic ? { floor: DEFAULT_FLOOR, makeRoom: true } : {}),
        signal: controller.signal,
        onProgress: options.onProgress,
      });
      if (!result.partial) this.tracker.confirm(folder, tracking, result.name, begunAt); // a partial one lacks files: not a baseline
      if (this.noRoom.delete(folder.uri.toString())) this.logger.info(`automatic history of ${folder.name} resumed: there is room again`);
      if (result.madeRoom.length) this.logger.info(`made room below the free-space floor: deleted ${plural(result.madeRoom.length, 'snapshot')} (${result.madeRoom.slice(0, 5).join(', ')})`);
      const linking = await checkLinking(root, result).catch((err) => this.logger.warn(`link check failed: ${err.message}`));
      if (linking) {
        result.linking = linking;
        result.warnings.push(linking.message);
        this.logger.warn(linking.message);
      }
      // Retention after each snapshot, when configured; else automatic history thins itself. A failure here never fails the snapshot.
      const pruned = await autoPrune(folder, this.consent)
        .then(async (configured) => configured ?? (options.automatic ? await thinHistory(folder, this.consent) : undefined))
        .catch((err) => this.logger.warn(`automatic prune failed: ${err.message}`));
      if (pruned) result.autoPrune = pruned;
      if (pruned?.deleted?.length) this.logger.info(`automatic prune deleted ${pruned.deleted.length} snapshot(s): ${pruned.deleted.slice(0, 5).join(', ')}${pruned.deleted.length > 5 ? ', …' : ''}`);
      else if (pruned?.skipped && pruned.skipped !== 'nothing') this.logger.info(pruned.why);
      return result;
    } catch (err) {
      this.tracker.forget(folder);
      if (isSnapshotError(err, 'NO_ROOM')) {
        if (!this.noRoom.has(folder.uri.toString())) this.logger.warn(`automatic history of ${folder.name} paused: ${err.message}`);
        this.noRoom.set(folder.uri.toString(), err.message);
      }
      throw err;
    } finally {
      sub?.dispose();
      this.running.delete(folder.uri.toString());
      this.changeEmitter.fire({ folder, result });
    }
  }

  dispose(): void {
    for (const controller of this.running.values()) controller.abort();
    this.changeEmitter.dispose();
  }
}
