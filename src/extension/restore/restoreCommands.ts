import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Snapshot } from '../../core/root/listing';
import { SnapshotError } from '../../core/util/errors';
import { Logger } from '../../core/util/logger';
import type { RestoreResult, SafetySnapshotOptions } from '../../core/restore/apply';
import { distinctSnapshots } from '../../core/changes/distinctSnapshots';
import { triggerOf } from '../../core/root/notes';
import type { UndoRestore } from '../../core/restore/undo';
import { versions } from '../../core/versions/versions';
import { CompareHooks, labelsOf, labelsText, openDiff, pickWithPreview, snapshotLabels, versionPickItems } from '../history/compare';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { RestorePanel, RestoreRequest } from './restorePanel';
import { folderRoot, openedRoot, readSettings } from '../settings/settings';
import type { SnapshotsNode } from '../snapshots/snapshotsTree';
import { fromSnapshotUri, isSnapshotUri, toSnapshotUri } from '../history/snapshotUri';
import { relativeAge, shortDateTime, snapshotTime } from '../timeFormat';
import { diffTitle, snapshotFileTitle } from '../history/titles';

export interface SnapshotPickItem extends vscode.QuickPickItem {
  snapshot: Snapshot;
}

export interface RestoreHooks extends CompareHooks {
  pickSnapshot?: (items: SnapshotPickItem[]) => SnapshotPickItem | undefined;
  /** Answers "Name of the copy" (given the suggested name). */
  copyName?: (suggested: string) => string | undefined;
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
    const items = versionPickItems(history, await snapshotLabels(openedRoot(what.root)));
    if (!items.length) throw new SnapshotError('NOT_FOUND', `No snapshot holds ${what.rel}.`);
    const working = vscode.Uri.joinPath(what.folder.uri, ...what.rel.split('/'));
    const chosen = await pickWithPreview(
      items,
      `Restore ${what.rel} from which version?`,
      (item) => {
        const version = toSnapshotUri({ root: history.root, snapshot: item.version.firstSnapshot, path: what.rel });
        const show = { preview: true, preserveFocus: true } as const;
        // A deleted file has no working side: the version alone.
        if (!fs.existsSync(working.fsPath)) return vscode.commands.executeCommand('vscode.open', version, show, snapshotFileTitle(what.rel, item.version.firstSnapshot));
        return openDiff(version, working, diffTitle(what.rel, snapshotTime(item.version.firstSnapshot) ?? new Date(0), 'working'), item.version.size, show);
      },
      hooks.pickVersion,
    );
    // The row shows the version's first snapshot: restore exactly that one (the page names it too).
    return chosen?.version.firstSnapshot;
  }
  const root = openedRoot(what.root);
  const { listing, notes } = await root.notes.readAll();
  if (!listing.snapshots.length) throw new SnapshotError('NOT_FOUND', `There is no snapshot in ${what.root} yet.`);
  const runs = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Comparing snapshots' }, async () => {
    const names = listing.snapshots.map((s) => s.name);
    // For the whole folder, a snapshot into which rsync wrote files (content or times changed since the one before) gets its own row: no walk.
    const knownChanged = new Set(
      what.rel === '.'
        ? names.filter((n, i) => {
            const meta = notes.get(n);
            return i > 0 && (meta?.filesTransferred ?? 0) > 0 && typeof meta?.linkDest === 'string' && path.basename(meta.linkDest) === names[i - 1];
          })
        : [],
    );
    const all = await distinctSnapshots(root, names, what.rel, { knownChanged });
    // Snapshots taken before the folder existed hold nothing to restore.
    const holds = await Promise.all(
      all.map((run) =>
        what.rel === '.'
          ? true
          : root.files.stat(run.names[0], what.rel).then(
              () => true,
              () => false,
            ),
      ),
    );
    return all.filter((_, i) => holds[i]);
  });
  if (!runs.length) throw new SnapshotError('NOT_FOUND', `No snapshot holds ${what.rel}.`);
  const byName = new Map(listing.snapshots.map((s) => [s.name, s]));
  const labels = labelsOf(notes);
  const items: SnapshotPickItem[] = runs.reverse().map((run) => {
    const snapshot = byName.get(run.names[0])!;
    const preRestore = run.names.some((n) => triggerOf(notes.get(n)) === 'pre-restore');
    const same = run.names.length > 1 ? `same in ${run.names.length} snapshots, until ${shortDateTime(byName.get(run.names[run.names.length - 1])!.time, true)}` : '';
    return {
      label: `$(${preRestore ? 'shield' : 'history'}) ${shortDateTime(snapshot.time, true)}`,
      description: [labelsText(run.names, labels), relativeAge(snapshot.time), run.names.some((n) => byName.get(n)!.latest) ? 'latest' : '', preRestore ? 'taken before a restore' : '']
        .filter(Boolean)
        .join(' · '),
      detail: same || undefined,
      snapshot,
    };
  });
  const chosen = hooks.pickSnapshot
    ? hooks.pickSnapshot(items)
    : await vscode.window.showQuickPick(items, { placeHolder: `Restore ${what.rel === '.' ? what.folder.name : what.rel} from which snapshot? (snapshots where it did not change are one row)` });
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
  const target = asCopy ? await askCopyTarget(original, snapshot, what.isDir, ctx.hooks) : original;
  if (!target) return undefined;
  const request: RestoreRequest = {
    root: openedRoot(what.root),
    snapshot,
    relativePath: what.rel,
    target,
    asCopy,
    safety: safetyOptions(what.folder),
  };
  const panel = RestorePanel.show(ctx.extensionUri, request, ctx.logger, ctx.onApplied);
  await panel.preview();
  return panel;
}

/** The safety snapshot of `folder`: into its root, with the excludes and options of its own snapshots. */
function safetyOptions(folder: vscode.WorkspaceFolder): SafetySnapshotOptions {
  const { excludes, oneFileSystem } = readSettings(folder);
  return { source: folder.uri.fsPath, root: folderRoot(folder), excludes, oneFileSystem };
}

/** "Restore as copy…": the copy's name, beside the original; the suggestion is selected up to its extension. */
async function askCopyTarget(original: string, snapshot: string, isDir: boolean, hooks: RestoreHooks): Promise<string | undefined> {
  const suggested = path.basename(copyTarget(original, snapshot, isDir));
  const validateInput = (value: string) => {
    if (!value.trim() || value === '.' || value === '..' || /[/\\]/.test(value)) return 'Give a name (no folders): the copy is written beside the original.';
    if (fs.existsSync(path.join(path.dirname(original), value))) return `${value} already exists: choose another name.`;
    return undefined;
  };
  const name = hooks.copyName
    ? hooks.copyName(suggested)
    : await vscode.window.showInputBox({
        title: 'Restore as copy',
        prompt: `Name of the copy, beside ${path.basename(original)} (the original is not touched)`,
        value: suggested,
        valueSelection: [0, suggested.length - (isDir ? 0 : path.extname(suggested).length)],
        validateInput,
      });
  if (name === undefined) return undefined;
  const problem = validateInput(name);
  if (problem) throw new SnapshotError('BAD_INPUT', problem);
  return path.join(path.dirname(original), name);
}

/**
 * "Undo restore": the same review page, built from the restore's safety snapshot and limited to exactly what the
 * restore changed (files it created are deleted again); nothing changes before Apply.
 */
export async function undoRestore(undo: UndoRestore | undefined, ctx: RestoreContext): Promise<RestorePanel> {
  if (!undo || typeof undo.root !== 'string' || typeof undo.snapshot !== 'string' || !Array.isArray(undo.paths))
    throw new SnapshotError('BAD_INPUT', 'Nothing to undo: Undo Restore is offered after a restore that took a safety snapshot.');
  const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => path.resolve(f.uri.fsPath) === path.resolve(undo.source));
  if (!folder) throw new SnapshotError('BAD_INPUT', `${undo.source} is no longer a workspace folder: undo from the CLI with the safety snapshot ${undo.snapshot}.`);
  const request: RestoreRequest = {
    root: openedRoot(undo.root),
    snapshot: undo.snapshot,
    relativePath: '.',
    target: undo.targetDir,
    asCopy: false,
    safety: safetyOptions(folder),
    undo,
  };
  const panel = RestorePanel.show(ctx.extensionUri, request, ctx.logger, ctx.onApplied);
  await panel.preview();
  return panel;
}
