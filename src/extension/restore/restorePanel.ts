import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import { toAbortSignal } from '../cancellation';
import { isSnapshotError } from '../../core/util/errors';
import { Logger } from '../../core/util/logger';
import { applyRestore, RestoreResult, type SafetySnapshotOptions } from '../../core/restore/apply';
import { planRestore } from '../../core/restore/plan';
import type { RestorePlan } from '../../core/restore/types';
import { planUndoRestore, UndoRestore } from '../../core/restore/undo';
import type { BackupRoot } from '../../core/root/backupRoot';
import { openDiff } from '../history/compare';
import { dirtyEditors, revertEditors, saveEditors, showRestoredInEditors } from './restoreEditors';
import { FromWebview, parseFromWebview, ToWebview, UnsavedChoice } from './restoreProtocol';
import { toSnapshotUri } from '../history/snapshotUri';

/** "src/a.ts", "src/a.ts and b.ts", "3 files". */
function describeFiles(paths: string[]): string {
  if (paths.length > 2) return `${paths.length} files`;
  return paths.join(' and ');
}

export interface RestoreRequest {
  root: BackupRoot;
  snapshot: string;
  /** Path inside the snapshot, '.' for all of it. */
  relativePath: string;
  /** Absolute path restored to (the file itself, or a folder). */
  target: string;
  /** Restore as copy: a new location, so no safety snapshot of the workspace is needed. */
  asCopy: boolean;
  /**
   * The workspace folder whose snapshot is taken first (safety net), its backup root and its snapshot options. Its
   * excludes also protect the target when the restored snapshot recorded none (a root made by another tool).
   */
  safety?: SafetySnapshotOptions;
  /** Undo of an earlier restore: the plan comes from its safety snapshot, limited to what it changed (planUndoRestore). */
  undo?: UndoRestore;
}

/**
 * One restore: runs the dry-run preview, shows it in a webview for review, applies what the user kept.
 * Messages are validated on both sides (restoreProtocol.ts); the panel's state lives in the webview (getState/setState).
 */
export class RestorePanel implements vscode.Disposable {
  /** The newest panel (tests drive it through `receive`, the same path the webview's messages take). */
  static latest: RestorePanel | undefined;

  plan: RestorePlan | undefined;
  result: RestoreResult | undefined;
  /** What the webview reported after rendering the plan. */
  rendered: Extract<FromWebview, { type: 'rendered' }> | undefined;
  readonly posted: ToWebview[] = [];
  private deleteMode = false;
  /** What the last apply did with open editors that had unsaved changes. */
  editorsNote: string | undefined;
  private applying = false;
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires when the plan, the rendering or the result changes. */
  readonly onDidChange = this.changeEmitter.event;

  /**
   * Shows a restore on the one restore page: a page that is not in the middle of applying is reused (its tab comes
   * to the front with the new preview), so finished restores do not pile up as tabs.
   */
  static show(extensionUri: vscode.Uri, request: RestoreRequest, logger: Logger, onApplied: (result: RestoreResult) => void): RestorePanel {
    const open = RestorePanel.latest;
    if (open && !open.disposed && !open.applying) {
      open.reset(request);
      return open;
    }
    return new RestorePanel(extensionUri, request, logger, onApplied);
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private request: RestoreRequest,
    private readonly logger: Logger,
    private readonly onApplied: (result: RestoreResult) => void,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    const codicons = vscode.Uri.joinPath(extensionUri, 'dist', 'codicons');
    const script = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.panel = vscode.window.createWebviewPanel('rsyncSnapshots.restore', RestorePanel.title(request), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media, codicons, script],
    });
    this.panel.iconPath = vscode.Uri.joinPath(media, 'snapshots.svg');
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((raw) => {
        const message = parseFromWebview(raw);
        if (message) this.receive(message);
        else this.logger.warn(`restore webview: ignored an invalid message ${JSON.stringify(raw).slice(0, 200)}`);
      }),
      this.panel.onDidDispose(() => this.dispose()),
    );
    RestorePanel.latest = this;
  }

  private static title(request: RestoreRequest): string {
    if (request.undo) return `Undo Restore of ${path.basename(request.target)}`;
    return `${request.asCopy ? 'Restore copy of' : 'Restore'} ${path.basename(request.target)} (${request.snapshot})`;
  }

  /** The page shows another restore: what was shown for the previous one is forgotten. */
  private reset(request: RestoreRequest): void {
    this.request = request;
    this.plan = undefined;
    this.result = undefined;
    this.rendered = undefined;
    this.deleteMode = false;
    this.editorsNote = undefined;
    this.panel.title = RestorePanel.title(request);
    this.panel.reveal(undefined, false);
  }

  /** What is being restored (the target path may be a copy's new name). */
  get target(): string {
    return this.request.target;
  }

  get disposed(): boolean {
    return !this.disposables.length;
  }

  /** The dry run; nothing changes. */
  private dryRun(): Promise<RestorePlan> {
    return this.request.undo
      ? planUndoRestore(this.request.root, this.request.undo, { excludes: this.request.safety?.excludes })
      : planRestore(this.request.root, {
          snapshot: this.request.snapshot,
          path: this.request.relativePath,
          target: this.request.target,
          delete: this.deleteMode,
          excludes: this.request.safety?.excludes,
          workspace: this.request.safety?.source,
        });
  }

  /** Open editors with unsaved changes that this restore reaches (none for a copy into a new place). */
  private dirty(plan: RestorePlan) {
    return this.request.asCopy ? [] : dirtyEditors(plan, Boolean(this.request.undo));
  }

  private postPlan(plan: RestorePlan): void {
    this.post({ type: 'plan', plan, asCopy: this.request.asCopy, undo: Boolean(this.request.undo), dirty: this.dirty(plan).map((d) => d.path) });
  }

  /** Runs (or reruns) the dry run and sends the plan to the webview. */
  async preview(): Promise<RestorePlan | undefined> {
    this.post({ type: 'busy', message: 'Running rsync --dry-run…' });
    try {
      this.plan = await this.dryRun();
      this.rendered = undefined;
      this.postPlan(this.plan);
      return this.plan;
    } catch (err) {
      this.post({ type: 'error', message: (err as Error).message });
      throw err;
    } finally {
      this.changeEmitter.fire();
    }
  }

  /** Handles one (validated) message from the webview. */
  async receive(message: FromWebview): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          if (this.plan) this.postPlan(this.plan);
          if (this.result) this.post({ type: 'applied', result: this.result, editors: this.editorsNote });
          break;
        case 'rendered':
          this.rendered = message;
          this.changeEmitter.fire();
          break;
        case 'setDelete':
          this.deleteMode = message.value;
          await this.preview();
          break;
        case 'showDiff':
          await this.showDiff(message.path);
          break;
        case 'apply':
          await this.apply(message.planId, message.exclude, message.unsaved ?? 'save');
          break;
        case 'preview':
          await this.preview();
          break;
        case 'openCopy':
          await this.openTarget();
          break;
        case 'undo':
          if (this.result?.undo) await vscode.commands.executeCommand('rsyncSnapshots.undoRestore', this.result.undo);
          break;
        case 'openSafetySnapshot':
          if (this.result?.safetySnapshot) await vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', this.result.safetySnapshotRoot, this.result.safetySnapshot);
          break;
        case 'cancel':
          this.panel.dispose();
          break;
      }
    } catch (err) {
      this.logger.error(`restore: ${(err as Error).message}`);
      this.post({ type: 'error', message: (err as Error).message });
    }
  }

  /**
   * Applies what the user kept. Open editors with unsaved changes under the target are handled first, as chosen:
   * saved (their text lands in the safety snapshot; the dry run is run again, and applied only when it differs from
   * the reviewed one in those files alone), left out, or discarded. Afterwards every open editor on a restored file
   * shows the restored text, so no later save writes the old buffer back.
   */
  private async apply(planId: string, exclude: string[], unsaved: UnsavedChoice): Promise<void> {
    if (!this.plan || this.plan.id !== planId) throw new Error('This preview is out of date: run the preview again.');
    const dirty = this.dirty(this.plan);
    const dirtyPaths = dirty.map((d) => d.path);
    this.editorsNote = undefined;
    if (dirty.length && unsaved === 'leaveOut') {
      const planned = new Set(this.plan.items.map((i) => i.path));
      exclude = [...new Set([...exclude, ...dirtyPaths.filter((p) => planned.has(p))])];
      this.editorsNote = `Left out ${describeFiles(dirtyPaths)} with unsaved changes: the file${dirty.length === 1 ? ' and its editor are' : 's and their editors are'} as they were.`;
    } else if (dirty.length && unsaved === 'discard') {
      await revertEditors(dirty.map((d) => d.document));
      this.panel.reveal(undefined, false);
      this.editorsNote = `Discarded the unsaved changes in ${describeFiles(dirtyPaths)}.`;
    } else if (dirty.length) {
      this.post({ type: 'busy', message: `Saving ${describeFiles(dirtyPaths)}…` });
      await saveEditors(dirty);
      // Saving changed the target: the reviewed plan is out of date. A new dry run is applied only if it differs in the saved files alone.
      const before = this.plan;
      const after = await this.dryRun();
      const others = (plan: RestorePlan) => plan.items.filter((i) => !dirtyPaths.includes(i.path)).map((i) => `${i.kind} ${i.path}`);
      this.plan = after;
      if (JSON.stringify(others(before)) !== JSON.stringify(others(after))) {
        this.rendered = undefined;
        this.postPlan(after);
        this.post({ type: 'error', message: `Saved ${describeFiles(dirtyPaths)}, and the target changed in other files too since the preview: review the new plan, then apply.` });
        this.changeEmitter.fire();
        return;
      }
      // A left-out item the new dry run no longer lists (saving made it equal the snapshot) has nothing left to leave out.
      const listed = new Set(after.items.map((i) => i.path));
      exclude = exclude.filter((p) => listed.has(p));
      this.editorsNote = `Saved ${describeFiles(dirtyPaths)} first: the unsaved text is in the safety snapshot.`;
    }
    this.post({ type: 'busy', message: this.request.asCopy ? 'Restoring…' : 'Taking a safety snapshot, then restoring…' });
    this.applying = true;
    try {
      this.result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Restoring from snapshot', cancellable: true }, (_p, token) => {
        const signal = toAbortSignal(token);
        return applyRestore(this.request.root, this.plan!, { exclude, safetySnapshot: this.request.asCopy ? undefined : this.request.safety, signal });
      });
    } catch (err) {
      if (isSnapshotError(err, 'CHANGED_SINCE_PREVIEW')) {
        // The page offers "Preview again" beside the message.
        this.post({ type: 'error', message: err.message, stale: true });
        this.changeEmitter.fire();
        return;
      }
      throw err;
    } finally {
      this.applying = false;
    }
    const reverted = await showRestoredInEditors(this.plan!.targetDir, [...this.result.restored, ...this.result.deleted]);
    if (reverted) this.panel.reveal(undefined, false);
    this.post({ type: 'applied', result: this.result, editors: this.editorsNote });
    this.changeEmitter.fire();
    this.onApplied(this.result);
  }

  /** The file as it is now (left) → as the restore makes it (right): lines the restore removes read as deletions. */
  private async showDiff(itemPath: string): Promise<void> {
    const plan = this.plan;
    const item = plan?.items.find((i) => i.path === itemPath);
    if (!plan || !item || item.isDir) return;
    // Item paths are relative to targetDir; in the snapshot they sit under relativePath (a file restore: the file itself).
    const inSnapshot = plan.sourceType === 'file' ? plan.relativePath : path.posix.join(plan.relativePath, item.path);
    const restored = toSnapshotUri({ root: plan.root, snapshot: plan.snapshot, path: path.posix.normalize(inSnapshot) });
    const current = vscode.Uri.file(path.join(plan.targetDir, item.path));
    const name = path.basename(item.path);
    await openDiff(current, restored, `${name} (current) ↔ ${name} (restored from ${plan.snapshot})`, 0);
  }

  /** "Open copy": the restored copy in an editor (a file) or in the Explorer (a folder). */
  private async openTarget(): Promise<void> {
    const uri = vscode.Uri.file(this.request.target);
    if (this.plan?.sourceType === 'file') await vscode.window.showTextDocument(uri, { preview: false });
    else await vscode.commands.executeCommand('revealInExplorer', uri);
  }

  private post(message: ToWebview): void {
    this.posted.push(message);
    this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', file));
    const codicons = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'codicons', 'codicon.css'));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${codicons}">
<link rel="stylesheet" href="${media('restore.css')}">
<title>Restore</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="busy"><span class="codicon codicon-loading codicon-modifier-spin"></span> Preparing the preview…</p></main>
<script nonce="${nonce}" src="${webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'restore.js'))}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (RestorePanel.latest === this) RestorePanel.latest = undefined;
    const list = this.disposables.splice(0);
    for (const d of list) d.dispose();
    this.panel.dispose();
    this.changeEmitter.dispose();
  }
}
