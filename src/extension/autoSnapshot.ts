import * as vscode from 'vscode';
import { Logger } from '../core/util/logger';
import { readSettings } from './settings';
import { SnapshotRunner } from './snapshotRunner';

/**
 * Optional scheduling inside the editor: every N minutes, and/or once saving has been idle for N seconds. Never in
 * Restricted Mode (readSettings gives 0 for both there); reschedule() when trust is granted.
 */
export class AutoSnapshot implements vscode.Disposable {
  private timers: NodeJS.Timeout[] = [];
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly saveListener: vscode.Disposable;

  constructor(
    private readonly runner: SnapshotRunner,
    private readonly logger: Logger,
  ) {
    this.saveListener = vscode.workspace.onDidSaveTextDocument((doc) => this.onSave(doc));
    this.reschedule();
  }

  reschedule(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const minutes = readSettings(folder).autoSnapshotMinutes;
      if (minutes > 0) this.timers.push(setInterval(() => this.take(folder, 'interval'), minutes * 60_000));
    }
  }

  private onSave(doc: vscode.TextDocument): void {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return;
    const seconds = readSettings(folder).snapshotAfterSaveIdleSeconds;
    if (seconds <= 0) return;
    const key = folder.uri.toString();
    clearTimeout(this.idleTimers.get(key));
    this.idleTimers.set(
      key,
      setTimeout(() => this.take(folder, 'after save'), seconds * 1000),
    );
  }

  private take(folder: vscode.WorkspaceFolder, why: string): void {
    if (this.runner.isRunning) return;
    if (!vscode.workspace.isTrusted) return;
    this.runner.run(folder, { automatic: true }).then(
      (r) => this.logger.info(`automatic snapshot (${why}) ${r.name} done`),
      (err) => this.logger.warn(`automatic snapshot (${why}) failed: ${err.message}`),
    );
  }

  dispose(): void {
    for (const t of this.timers) clearInterval(t);
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.saveListener.dispose();
  }
}
