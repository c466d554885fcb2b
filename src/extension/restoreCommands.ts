import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Snapshot } from '../core/root/listing';
import { SnapshotError } from '../core/util/errors';
import { Logger } from '../core/util/logger';
import { RestoreResult } from '../core/restore/apply';
import type { UndoRestore } from '../core/restore/undo';
import { versions } from '../core/versions/versions';
import { CompareHooks, versionPickItems } from './compare';
import { pickWorkspaceFolder } from './pickFolder';
import { RestorePanel, RestoreRequest } from './restorePanel';
import { folderRoot, openedRoot, readSettings } from './settings';
import type { SnapshotsNode } from './snapshotsTree';
import { fromSnapshotUri, isSnapshotUri } from './snapshotUri';
import { relativeAge, shortDateTime } from './timeFormat';

export interface SnapshotPickItem extends vscode.QuickPickItem {
  snapshot: Snapshot;
}

export interface RestoreHooks extends CompareHooks {
  pickSnapshot?: (items: SnapshotPickItem[]) => SnapshotPickItem | undefined;
}

interface RestoreContext {
  extensionUri: vscode.Uri;
  logger: Logger;
  hooks: RestoreHooks;
  onApplied: (result: RestoreResult) => void;
}

interface What {
  folder: vscode.WorkspaceFolder;
  root: string;
  /** '.' for the whole folder. */
  rel: string;
  snapshot?: string;
  isDir: boolean;
}

/** What the command was invoked on: an Explorer file/folder, a Snapshots view item, a snapshot URI, or the active editor. */
async function resolveWhat(arg: unknown): Promise<What | undefined> {
  if (arg && typeof arg === 'object' && 'kind' in arg) {
    const node = arg as SnapshotsNode;
    if (node.kind === 'snapshot') return { folder: node.folder, root: node.root, rel: '.', snapshot: node.snapshot.name, isDir: true };
    if (node.kind === 'entry') return { folder: node.folder, root: node.root, rel: node.path, snapshot: node.snapshot.name, isDir: node.isDir };
    if (node.kind === 'changed') return { folder: node.folder, root: node.root, rel: node.path, snapshot: node.change === 'D' ? node.previous.name : node.snapshot.name, isDir: false };
  }
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (uri && isSnapshotUri(uri)) {
    const parts = fromSnapshotUri(uri);
    const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => readSettings(f).backupRoot === openedRoot(parts.root).spec);
    if (!folder) throw new SnapshotError('BAD_INPUT', `No workspace folder uses the backup root ${parts.root}, so there is nowhere to restore to: use "Restore as copy".`);
    const stat = await vscode.workspace.fs.stat(uri);
    return { folder, root: parts.root, rel: parts.path || '.', snapshot: parts.snapshot, isDir: stat.type === vscode.FileType.Directory };
  }
  if (uri?.scheme === 'file') {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) throw new SnapshotError('BAD_INPUT', `${uri.fsPath} is not inside a workspace folder.`);
    const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/') || '.';
    const isDir = fs.statSync(uri.fsPath, { throwIfNoEntry: false })?.isDirectory() ?? false;
    return { folder, root: readSettings(folder).backupRoot, rel, isDir: rel === '.' || isDir };
  }
  const folder = await pickWorkspaceFolder();
  return folder ? { folder, root: readSettings(folder).backupRoot, rel: '.', isDir: true } : undefined;
}

/** Which snapshot to restore from: a file's distinct versions, or (for folders) the snapshots, newest first. */
async function pickSnapshot(what: What, hooks: RestoreHooks): Promise<string | undefined> {
  if (!what.isDir) {
    const history = await versions(openedRoot(what.root), what.rel, { workingFolder: what.folder.uri.fsPath });
    const items = versionPickItems(history);
    if (!items.length) throw new SnapshotError('NOT_FOUND', `No snapshot holds ${what.rel}.`);
    const chosen = hooks.pickVersion ? hooks.pickVersion(items) : await vscode.window.showQuickPick(items, { placeHolder: `Restore ${what.rel} from which version?` });
    return chosen?.version.lastSnapshot;
  }
  const listing = await openedRoot(what.root).list();
  const items: SnapshotPickItem[] = [...listing.snapshots].reverse().map((snapshot) => ({
    label: `$(history) ${shortDateTime(snapshot.time, true)}`,
    description: `${relativeAge(snapshot.time)}${snapshot.latest ? ' · latest' : ''}`,
    snapshot,
  }));
  if (!items.length) throw new SnapshotError('NOT_FOUND', `There is no snapshot in ${what.root} yet.`);
  const chosen = hooks.pickSnapshot
    ? hooks.pickSnapshot(items)
    : await vscode.window.showQuickPick(items, { placeHolder: `Restore ${what.rel === '.' ? what.folder.name : what.rel} from which snapshot?` });
  return chosen?.snapshot.name;
}

/** `report.odt` → `report.restored-2026-06-17.odt` beside it (`-2`, `-3`… when taken). */
export function copyTarget(original: string, snapshotName: string, isDir: boolean): string {
  const day = snapshotName.slice(0, 10);
  const ext = isDir ? '' : path.extname(original);
  const base = original.slice(0, original.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = `${base}.restored-${day}${n > 1 ? `-${n}` : ''}${ext}`;
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/** "Restore from snapshot…" / "Restore as copy…": pick the version, run the dry run, open the review webview. */
export async function restoreFromSnapshot(arg: unknown, ctx: RestoreContext, asCopy: boolean): Promise<RestorePanel | undefined> {
  const what = await resolveWhat(arg);
  if (!what) return undefined;
  const snapshot = what.snapshot ?? (await pickSnapshot(what, ctx.hooks));
  if (!snapshot) return undefined;
  const original = what.rel === '.' ? what.folder.uri.fsPath : path.join(what.folder.uri.fsPath, ...what.rel.split('/'));
  const request: RestoreRequest = {
    root: openedRoot(what.root),
    snapshot,
    relativePath: what.rel,
    target: asCopy ? copyTarget(original, snapshot, what.isDir) : original,
    asCopy,
    safety: { source: what.folder.uri.fsPath, root: folderRoot(what.folder) },
  };
  const panel = new RestorePanel(ctx.extensionUri, request, ctx.logger, ctx.onApplied);
  await panel.preview();
  return panel;
}

/**
 * "Undo restore": the same review page, built from the restore's safety snapshot and limited to exactly what the
 * restore changed (files it created are deleted again); nothing changes before Apply.
 */
export async function undoRestore(undo: UndoRestore | undefined, ctx: RestoreContext): Promise<RestorePanel> {
  if (!undo || typeof undo.root !== 'string' || typeof undo.snapshot !== 'string' || !Array.isArray(undo.paths))
    throw new SnapshotError('BAD_INPUT', 'Nothing to undo: Undo restore is offered after a restore that took a safety snapshot.');
  const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => path.resolve(f.uri.fsPath) === path.resolve(undo.source));
  if (!folder) throw new SnapshotError('BAD_INPUT', `${undo.source} is no longer a workspace folder: undo from the CLI with the safety snapshot ${undo.snapshot}.`);
  const request: RestoreRequest = {
    root: openedRoot(undo.root),
    snapshot: undo.snapshot,
    relativePath: '.',
    target: undo.targetDir,
    asCopy: false,
    safety: { source: folder.uri.fsPath, root: folderRoot(folder) },
    undo,
  };
  const panel = new RestorePanel(ctx.extensionUri, request, ctx.logger, ctx.onApplied);
  await panel.preview();
  return panel;
}
