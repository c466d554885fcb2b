import fs from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RestorePlan } from '../../core/restore/types';

/** An open document with unsaved changes, and its item path (relative to the plan's targetDir, '/'-separated). */
export interface DirtyEditor {
  document: vscode.TextDocument;
  path: string;
}

/** `file` as an item path of the plan, or undefined when the restore does not reach it. */
function itemPath(plan: Pick<RestorePlan, 'target' | 'targetDir' | 'sourceType'>, file: string): string | undefined {
  const inTarget = plan.sourceType === 'file' ? file === plan.target : file === plan.target || file.startsWith(plan.target + path.sep);
  if (!inTarget) return undefined;
  return path.relative(plan.targetDir, file).split(path.sep).join('/');
}

/**
 * The open documents with unsaved changes that the restore reaches: every one under the target (also where the file on
 * disk already matches the snapshot, since the next save would undo the restore), or for an undo only the items it
 * puts back (`onlyPlanned`).
 */
export function dirtyEditors(plan: RestorePlan, onlyPlanned: boolean): DirtyEditor[] {
  const planned = new Set(plan.items.map((i) => i.path));
  const out: DirtyEditor[] = [];
  for (const document of vscode.workspace.textDocuments) {
    if (!document.isDirty || document.uri.scheme !== 'file' || document.isClosed) continue;
    const rel = itemPath(plan, path.resolve(document.uri.fsPath));
    if (rel !== undefined && (!onlyPlanned || planned.has(rel))) out.push({ document, path: rel });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Saves them (so their text is on disk, and so in the safety snapshot); throws naming the first one that would not save. */
export async function saveEditors(editors: DirtyEditor[]): Promise<void> {
  for (const { document, path: rel } of editors) {
    if (!(await document.save())) throw new Error(`${rel} could not be saved, so nothing was restored: save it yourself, or choose "Leave those files out".`);
  }
}

/**
 * Reverts documents to what is on disk. VS Code reverts the active editor only, so each is shown first; the caller
 * brings its own page back to the front afterwards.
 */
export async function revertEditors(documents: vscode.TextDocument[]): Promise<void> {
  for (const document of documents) {
    if (document.isClosed) continue;
    await vscode.window.showTextDocument(document, { preview: false, preserveFocus: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
}

/**
 * After a restore: every open editor on a path it restored or deleted shows what is on disk now. A document that is
 * still dirty (typed into while the restore ran, or left dirty by Discard) is reverted, so its next save cannot write
 * the old text back over the restored file; a clean one whose text VS Code has not reloaded yet is reverted too.
 */
export async function showRestoredInEditors(targetDir: string, paths: string[]): Promise<number> {
  const touched = new Set(paths.map((p) => path.join(targetDir, ...p.split('/'))));
  const stale: vscode.TextDocument[] = [];
  for (const document of vscode.workspace.textDocuments) {
    if (document.uri.scheme !== 'file' || document.isClosed || !touched.has(path.resolve(document.uri.fsPath))) continue;
    if (document.isDirty) stale.push(document);
    else {
      const disk = await fs.readFile(document.uri.fsPath, 'utf8').catch(() => undefined);
      if (disk !== undefined && disk !== document.getText()) stale.push(document);
    }
  }
  await revertEditors(stale);
  return stale.length;
}
