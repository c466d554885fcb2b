import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotTrigger } from '../../core/root/notes';
import { excludeMatcher } from '../../core/util/excludeMatcher';
import { Logger } from '../../core/util/logger';
import { readSettings } from '../settings/settings';
import { SnapshotRunner } from '../snapshots/snapshotRunner';

/** How long a delete or rename waits for the snapshot before it: longer, and the snapshot is cancelled and the operation goes ahead. */
export const BEFORE_OPERATION_WAIT_MS = 5000;

/**
 * Whether snapshots may be taken without a person asking: a trusted workspace, and a root the user chose (set in the
 * settings) or the per-folder default root that a snapshot of theirs already made. Never creates a root.
 */
export function automaticSnapshotsAllowed(folder: vscode.WorkspaceFolder): boolean {
  if (!vscode.workspace.isTrusted) return false;
  const settings = readSettings(folder);
  return !settings.defaultRoot || fs.existsSync(settings.backupRoot);
}

/** Whether the folder's snapshots leave `rel` out (it, or a folder above it, matches rsyncSnapshots.excludes). */
function isExcluded(folder: vscode.WorkspaceFolder, rel: string, isDirectory: boolean): boolean {
  const excluded = excludeMatcher(readSettings(folder).excludes);
  const parts = rel.split('/');
  return parts.some((_, i) => excluded(parts.slice(0, i + 1).join('/'), i < parts.length - 1 || isDirectory));
}

/** "src/lib", "a.js, b.js", "a.js, b.js and 3 more": the paths an operation touches, relative to their folder. */
export function describePaths(paths: string[]): string {
  const shown = paths.slice(0, 2).join(', ');
  return paths.length > 2 ? `${shown} and ${paths.length - 2} more` : shown;
}

/**
 * Snapshots before the editor deletes or renames files (Explorer, or any extension's workspace edit): one labelled
 * snapshot per workspace folder an operation touches ("before delete of src/lib"), awaited by the operation for at
 * most BEFORE_OPERATION_WAIT_MS. Operations overlapping a snapshot still running share it.
 */
export class BeforeFileOperations implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** What each guarded operation's snapshot came to, newest last, as logged (read by the integration tests). */
  readonly outcomes: { label: string; outcome: 'taken' | 'failed' | 'timeout'; message: string }[] = [];

  constructor(
    private readonly runner: SnapshotRunner,
    private readonly logger: Logger,
  ) {
    this.disposables = [
      vscode.workspace.onWillDeleteFiles((e) => e.waitUntil(this.before('before-delete', 'delete', e.files, e.token))),
      vscode.workspace.onWillRenameFiles((e) =>
        e.waitUntil(
          this.before(
            'before-rename',
            'rename',
            e.files.map((f) => f.oldUri),
            e.token,
          ),
        ),
      ),
    ];
  }

  /** Resolves when every folder's snapshot finished, failed or was given up on; never rejects (the operation must go ahead). */
  private async before(trigger: SnapshotTrigger, verb: string, uris: readonly vscode.Uri[], token: vscode.CancellationToken): Promise<void> {
    const byFolder = new Map<vscode.WorkspaceFolder, string[]>();
    for (const uri of uris) {
      const folder = uri.scheme === 'file' ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
      if (!folder) continue;
      const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
      if (!rel) continue; // the folder itself: not ours to guard
      if (isExcluded(folder, rel, fs.statSync(uri.fsPath, { throwIfNoEntry: false })?.isDirectory() ?? false)) continue; // snapshots never hold it
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), rel]);
    }
    await Promise.all([...byFolder].map(([folder, rels]) => this.snapshot(folder, trigger, `before ${verb} of ${describePaths(rels)}`, token)));
  }

  private async snapshot(folder: vscode.WorkspaceFolder, trigger: SnapshotTrigger, label: string, token: vscode.CancellationToken): Promise<void> {
    if (!automaticSnapshotsAllowed(folder)) return;
    const key = folder.uri.toString();
    const running = this.inFlight.get(key);
    if (running) {
      this.logger.info(`${label}: a snapshot of ${folder.name} that started before it is still running; the operation waits for that one`);
      await this.bounded(running, label, undefined);
      return;
    }
    const cancel = new vscode.CancellationTokenSource();
    const sub = token.onCancellationRequested(() => cancel.cancel());
    const run = this.runner.run(folder, { automatic: true, trigger, label, token: cancel.token }).then(
      (r) => this.log(label, 'taken', `snapshot ${r.name} taken (${label})`),
      (err) => this.log(label, 'failed', `no snapshot ${label}: ${err.message}`),
    );
    const done = run.finally(() => {
      sub.dispose();
      cancel.dispose();
      this.inFlight.delete(key);
    });
    this.inFlight.set(key, done);
    await this.bounded(done, label, cancel);
  }

  /** Waits for `work` at most BEFORE_OPERATION_WAIT_MS; then cancels it (when ours) and logs that the operation went ahead. */
  private async bounded(work: Promise<unknown>, label: string, cancel: vscode.CancellationTokenSource | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), BEFORE_OPERATION_WAIT_MS)));
    const outcome = await Promise.race([work, timedOut]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return;
    cancel?.cancel();
    this.log(label, 'timeout', `the snapshot ${label} did not finish within ${BEFORE_OPERATION_WAIT_MS / 1000} s${cancel ? ' and was cancelled' : ''}: the operation went ahead without it`);
  }

  private log(label: string, outcome: 'taken' | 'failed' | 'timeout', message: string): void {
    if (outcome === 'taken') this.logger.info(message);
    else this.logger.warn(message);
    this.outcomes.push({ label, outcome, message });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
