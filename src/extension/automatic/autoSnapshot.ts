import * as vscode from 'vscode';
import type { SnapshotTrigger } from '../../core/root/notes';
import { Logger } from '../../core/util/logger';
import type { ChangeTracker } from './changeTracker';
import { historyOn, historySchedule, HistorySchedule } from './historySchedule';
import { RunResult, SnapshotRunner } from '../snapshots/snapshotRunner';
import { Unchanged, unchangedSince } from './unchangedSince';

/** What one automatic run did: took a snapshot, found nothing changed (no folder made), or did not run. */
export type AutoOutcome =
  { folder: string; trigger: SnapshotTrigger; taken: RunResult } | { folder: string; trigger: SnapshotTrigger; unchanged: Unchanged } | { folder: string; trigger: SnapshotTrigger; skipped: string };

/**
 * Automatic history: a snapshot every N minutes and once saving has been idle N seconds (historySchedule: the settings,
 * else the workspace's answer to "Keep history automatically?"), each only when something changed — decided by the
 * editor's file watcher at no cost, or by one rsync --dry-run when it is unsure. Runs without the Snapshots view ever
 * being opened. Never in Restricted Mode (historySchedule is off there); reschedule() when settings or trust change.
 */
export class AutoSnapshot implements vscode.Disposable {
  private timers: NodeJS.Timeout[] = [];
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly saveListener: vscode.Disposable;
  /** The latest automatic runs, newest last (at most 50): read by the integration tests and the log. */
  readonly outcomes: AutoOutcome[] = [];

  constructor(
    private readonly runner: SnapshotRunner,
    private readonly tracker: ChangeTracker,
    private readonly state: vscode.Memento,
    private readonly logger: Logger,
  ) {
    this.saveListener = vscode.workspace.onDidSaveTextDocument((doc) => this.onSave(doc));
    this.reschedule();
  }

  schedule(folder: vscode.WorkspaceFolder): HistorySchedule {
    return historySchedule(folder, this.state);
  }

  /** True when some folder of the window keeps automatic history. */
  get enabled(): boolean {
    return (vscode.workspace.workspaceFolders ?? []).some((f) => historyOn(this.schedule(f)));
  }

  reschedule(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const schedule = this.schedule(folder);
      if (!historyOn(schedule)) continue;
      this.tracker.track(folder, true); // from now on the watcher counts what changes
      if (schedule.minutes > 0) this.timers.push(setInterval(() => void this.run(folder, 'interval'), schedule.minutes * 60_000));
    }
  }

  private onSave(doc: vscode.TextDocument): void {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return;
    const seconds = this.schedule(folder).idleSeconds;
    if (seconds <= 0) return;
    const key = folder.uri.toString();
    clearTimeout(this.idleTimers.get(key));
    this.idleTimers.set(
      key,
      setTimeout(() => void this.run(folder, 'save-idle'), seconds * 1000),
    );
  }

  /** One automatic run of `folder`: a snapshot when something changed since the latest one. Never throws. */
  async run(folder: vscode.WorkspaceFolder, trigger: SnapshotTrigger): Promise<AutoOutcome> {
    const outcome = await this.decide(folder, trigger).catch((err: Error) => ({ folder: folder.name, trigger, skipped: `failed: ${err.message}` }));
    this.outcomes.push(outcome);
    if (this.outcomes.length > 50) this.outcomes.shift();
    if ('taken' in outcome) this.logger.info(`automatic snapshot (${trigger}) ${outcome.taken.name} of ${folder.name} done`);
    else if ('unchanged' in outcome)
      this.logger.info(
        `automatic snapshot (${trigger}) of ${folder.name} skipped: nothing changed since ${outcome.unchanged.latest} (${outcome.unchanged.how}${outcome.unchanged.unsure ? `; the watcher alone could not tell: ${outcome.unchanged.unsure}` : ''})`,
      );
    else this.logger.warn(`automatic snapshot (${trigger}) of ${folder.name} skipped: ${outcome.skipped}`);
    return outcome;
  }

  private async decide(folder: vscode.WorkspaceFolder, trigger: SnapshotTrigger): Promise<AutoOutcome> {
    if (!vscode.workspace.isTrusted) return { folder: folder.name, trigger, skipped: 'Restricted Mode' };
    if (this.runner.isRunning) return { folder: folder.name, trigger, skipped: 'a snapshot is running' };
    const unchanged = await unchangedSince(folder, this.tracker);
    if (unchanged) return { folder: folder.name, trigger, unchanged };
    return { folder: folder.name, trigger, taken: await this.runner.run(folder, { automatic: true, trigger }) };
  }

  dispose(): void {
    for (const t of this.timers) clearInterval(t);
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.saveListener.dispose();
  }
}
