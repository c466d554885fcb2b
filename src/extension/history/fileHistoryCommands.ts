import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { parseSnapshotName } from '../../core/root/format';
import { SnapshotError } from '../../core/util/errors';
import { selectionHistory, SelectionHistory } from '../../core/versions/selectionHistory';
import type { FileVersion } from '../../core/versions/types';
import { openDiff } from './compare';
import { FileHistoryProvider, HistoryNode, HistoryTarget, targetOf } from './fileHistoryView';
import { fromSnapshotUri, isSnapshotUri, toSnapshotUri } from './snapshotUri';
import { shortDateTime } from '../timeFormat';

type VersionNode = Extract<HistoryNode, { kind: 'version' }>;
type BlockNode = Extract<HistoryNode, { kind: 'blockChange' }>;

const timeOf = (version: FileVersion) => shortDateTime(parseSnapshotName(version.firstSnapshot)?.time ?? new Date(0));

function versionNode(node: unknown): VersionNode {
  if (!node || typeof node !== 'object' || (node as HistoryNode).kind !== 'version') throw new SnapshotError('BAD_INPUT', 'Choose a version in the File History view.');
  return node as VersionNode;
}

/** The snapshot URI of a version of the node's file. */
export function versionUri(node: VersionNode, index = node.index): vscode.Uri {
  return toSnapshotUri({ root: node.target.root.spec, snapshot: node.history.versions[index].lastSnapshot, path: node.history.relativePath });
}

/** The working file of a target, when it exists on disk. */
function workingFile(target: HistoryTarget): vscode.Uri | undefined {
  if (!target.folder) return undefined;
  const file = path.join(target.folder.uri.fsPath, ...target.rel.split('/'));
  return fs.existsSync(file) ? vscode.Uri.file(file) : undefined;
}

/** Click on a version: what changed from it to the next newer version (the newest: to the working file); read-only when there is nothing newer. */
export async function showVersionChanges(arg: unknown): Promise<void> {
  const node = versionNode(arg);
  const { history, index } = node;
  const version = history.versions[index];
  const name = path.basename(history.relativePath);
  const newer = history.versions[index + 1];
  const right = newer ? versionUri(node, index + 1) : workingFile(node.target);
  if (!right) {
    await vscode.commands.executeCommand('vscode.open', versionUri(node), { preview: true });
    return;
  }
  await openDiff(versionUri(node), right, `${name} (${timeOf(version)}) ↔ ${name}${newer ? ` (${timeOf(newer)})` : ''}`, version.size);
}

export async function compareVersionWithWorking(arg: unknown): Promise<void> {
  const node = versionNode(arg);
  const working = workingFile(node.target);
  const name = path.basename(node.history.relativePath);
  if (!working) throw new SnapshotError('NOT_FOUND', `${node.history.relativePath} is not in the workspace (deleted?): use "Restore this version" to bring it back.`);
  const version = node.history.versions[node.index];
  await openDiff(versionUri(node), working, `${name} (${timeOf(version)}) ↔ ${name}`, version.size);
}

export async function openVersion(arg: unknown): Promise<void> {
  await vscode.commands.executeCommand('vscode.open', versionUri(versionNode(arg)), { preview: false });
}

/** The version's path inside its snapshot (a local path, or `[user@]host:/path` for a remote root) on the clipboard. */
export async function copyVersionPath(arg: unknown): Promise<string> {
  const node = versionNode(arg);
  const where = node.history.versions[node.index].path;
  await vscode.env.clipboard.writeText(where);
  vscode.window.setStatusBarMessage(`Copied ${where}`, 3000);
  return where;
}

/** The snapshot URI to hand to the restore command (which shows its dry-run page). */
export function restoreArgument(arg: unknown): vscode.Uri {
  return versionUri(versionNode(arg));
}

/** "Show file history" (Explorer, editor title): follow that file or folder and show the view. */
export async function showFileHistory(provider: FileHistoryProvider, uri: vscode.Uri | undefined): Promise<HistoryTarget | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) throw new SnapshotError('BAD_INPUT', 'Open a file (or right-click one in the Explorer) to see its history.');
  const isDir = target.scheme === 'file' ? fs.statSync(target.fsPath, { throwIfNoEntry: false })?.isDirectory() : undefined;
  provider.follow(target, isDir);
  if (!provider.current) throw new SnapshotError('BAD_INPUT', `${target.fsPath} is not in a workspace folder or a snapshot, so no snapshot holds it.`);
  await vscode.commands.executeCommand('rsyncSnapshots.fileHistory.focus');
  return provider.current;
}

/** "Show history of selection": the versions in which the selected lines changed, in the File History view. */
export async function showSelectionHistory(provider: FileHistoryProvider): Promise<SelectionHistory | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) throw new SnapshotError('BAD_INPUT', 'Select some lines in an editor first.');
  const uri = editor.document.uri;
  const target = targetOf(uri, false);
  if (!target) throw new SnapshotError('BAD_INPUT', 'Only files of a workspace folder or of a snapshot have a history in the snapshots.');
  const { start, end } = editor.selection;
  const lines = { start: start.line + 1, end: Math.max(start.line, end.character === 0 && end.line > start.line ? end.line - 1 : end.line) + 1 };
  const options = isSnapshotUri(uri) ? { snapshot: fromSnapshotUri(uri).snapshot } : { workingFolder: target.folder?.uri.fsPath };
  if (!isSnapshotUri(uri) && editor.document.isDirty) vscode.window.showInformationMessage('The file has unsaved changes: the history follows the lines as saved on disk.');
  const result = await vscode.window.withProgress({ location: { viewId: 'rsyncSnapshots.fileHistory' }, title: 'Following the selected lines' }, () =>
    selectionHistory(target.root, target.rel, lines, options),
  );
  provider.showSelection(target, result);
  await vscode.commands.executeCommand('rsyncSnapshots.fileHistory.focus');
  return result;
}

/** A selection-history entry: the block's change in that version (diff with the version before it), revealed at the block. */
export async function showBlockChange(arg: unknown): Promise<void> {
  if (!arg || typeof arg !== 'object' || (arg as HistoryNode).kind !== 'blockChange') throw new SnapshotError('BAD_INPUT', 'Choose an entry of a selection history.');
  const { change, selection, target } = arg as BlockNode;
  const versions = selection.history.versions;
  const name = path.basename(selection.history.relativePath);
  const uriOf = (i: number) => toSnapshotUri({ root: target.root.spec, snapshot: versions[i].lastSnapshot, path: selection.history.relativePath });
  const range = new vscode.Range(change.range.start - 1, 0, change.range.end, 0);
  const options: vscode.TextDocumentShowOptions = { selection: range, preview: true };
  if (!change.olderRange || change.version === 0) {
    await vscode.commands.executeCommand('vscode.open', uriOf(change.version), options);
    return;
  }
  await vscode.commands.executeCommand(
    'vscode.diff',
    uriOf(change.version - 1),
    uriOf(change.version),
    `${name} (${timeOf(versions[change.version - 1])}) ↔ ${name} (${timeOf(versions[change.version])})`,
    options,
  );
}
