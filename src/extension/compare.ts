import path from 'node:path';
import * as vscode from 'vscode';
import { SnapshotError } from '../core/util/errors';
import { parseSnapshotName } from '../core/root/format';
import type { FileHistory, FileVersion } from '../core/versions/types';
import { versions } from '../core/versions/versions';
import { formatBytes } from '../core/util/format';
import { folderRoot, openedRoot } from './settings';
import { fromSnapshotUri, isSnapshotUri, toSnapshotUri } from './snapshotUri';
import { relativeAge, shortDateTime } from './timeFormat';

/** Files larger than this open with a warning instead of a diff that could freeze the editor. */
export const LARGE_FILE_BYTES = 20 * 1024 * 1024;

export interface VersionPickItem extends vscode.QuickPickItem {
  version: FileVersion;
}

/** Lets the integration tests choose in the quick pick (and read its items) without a person. */
export interface CompareHooks {
  pickVersion?: (items: VersionPickItem[]) => VersionPickItem | undefined;
}

export interface CompareOutcome {
  items: VersionPickItem[];
  chosen?: VersionPickItem;
  /** Set when there was nothing to pick from: the message shown instead. */
  message?: string;
}

const snapshotTime = (name: string) => parseSnapshotName(name)?.time ?? new Date(0);

function workspaceFile(uri: vscode.Uri | undefined): { folder: vscode.WorkspaceFolder; uri: vscode.Uri; rel: string } {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) throw new SnapshotError('BAD_INPUT', 'Open a file (or right-click one in the Explorer) to compare it with a snapshot.');
  if (target.scheme !== 'file') throw new SnapshotError('BAD_INPUT', `Only files on disk can be compared with snapshots (this one is ${target.scheme}:).`);
  const folder = vscode.workspace.getWorkspaceFolder(target);
  if (!folder) throw new SnapshotError('BAD_INPUT', `${target.fsPath} is not inside a workspace folder, so no snapshot holds it.`);
  const rel = path.relative(folder.uri.fsPath, target.fsPath).split(path.sep).join('/');
  return { folder, uri: target, rel };
}

/** Rows of the version quick pick, newest first. */
export function versionPickItems(history: FileHistory): VersionPickItem[] {
  return [...history.versions].reverse().map((version) => {
    const since = snapshotTime(version.firstSnapshot);
    const span = version.snapshots.length === 1 ? `in snapshot ${version.firstSnapshot}` : `in ${version.snapshots.length} snapshots, ${version.firstSnapshot} … ${version.lastSnapshot}`;
    return {
      label: `$(history) ${relativeAge(since)}`,
      description: `${shortDateTime(since)} · ${version.kind === 'symlink' ? `link → ${version.linkTarget}` : formatBytes(version.size)}`,
      detail: version.current ? `$(check) current file unchanged since ${shortDateTime(since)} · ${span}` : span,
      version,
    };
  });
}

/** "Compare with snapshot…": pick one of the file's distinct versions and diff it against the working file. */
export async function compareWithSnapshot(uri: vscode.Uri | undefined, hooks: CompareHooks): Promise<CompareOutcome | undefined> {
  const given = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (given && isSnapshotUri(given)) return compareWithPreviousVersion(given);
  const { folder, uri: file, rel } = workspaceFile(uri);
  const root = folderRoot(folder);
  const history = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading the history of ${rel}` }, () =>
    versions(root, rel, { workingFolder: folder.uri.fsPath }),
  );
  const items = versionPickItems(history);
  let message: string | undefined;
  if (!items.length) message = `No snapshot holds ${rel} yet. Take one with "Snapshot workspace".`;
  else if (items.length === 1 && items[0].version.current) message = `${rel} has not changed since the oldest snapshot that holds it (${shortDateTime(snapshotTime(items[0].version.firstSnapshot))}).`;
  if (message) {
    vscode.window.showInformationMessage(message);
    return { items, message };
  }
  const chosen = hooks.pickVersion
    ? hooks.pickVersion(items)
    : await vscode.window.showQuickPick(items, { placeHolder: `Versions of ${rel} in snapshots (newest first)`, matchOnDescription: true, matchOnDetail: true });
  if (!chosen) return { items };
  await openDiff(
    toSnapshotUri({ root: history.root, snapshot: chosen.version.lastSnapshot, path: rel }),
    file,
    `${path.basename(rel)} (${shortDateTime(snapshotTime(chosen.version.firstSnapshot))}) ↔ ${path.basename(rel)}`,
    chosen.version.size,
  );
  return { items, chosen };
}

/** From an open snapshot file: diff the version before it against it. */
export async function compareWithPreviousVersion(uri: vscode.Uri | undefined): Promise<CompareOutcome | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target || !isSnapshotUri(target)) throw new SnapshotError('BAD_INPUT', 'Open a file of a snapshot first (from the Snapshots view).');
  const parts = fromSnapshotUri(target);
  const history = await versions(openedRoot(parts.root), parts.path);
  const index = history.versions.findIndex((v) => v.snapshots.includes(parts.snapshot));
  const items = versionPickItems(history);
  if (index <= 0) {
    const message = `This is the oldest version of ${parts.path} in the snapshots.`;
    vscode.window.showInformationMessage(message);
    return { items, message };
  }
  await openVersionPair(history, index - 1, target);
  return { items, chosen: items.find((i) => i.version === history.versions[index - 1]) };
}

async function openVersionPair(history: FileHistory, olderIndex: number, right: vscode.Uri): Promise<void> {
  const older = history.versions[olderIndex];
  const name = path.basename(history.relativePath);
  const rightLabel = isSnapshotUri(right) ? `${name} (${shortDateTime(snapshotTime(fromSnapshotUri(right).snapshot))})` : name;
  await openDiff(
    toSnapshotUri({ root: history.root, snapshot: older.lastSnapshot, path: history.relativePath }),
    right,
    `${name} (${shortDateTime(snapshotTime(older.firstSnapshot))}) ↔ ${rightLabel}`,
    older.size,
  );
}

/**
 * In a diff whose left side is a snapshot version: step to the older (-1) or newer (+1) distinct version.
 * A snapshot ↔ snapshot diff moves both sides; a snapshot ↔ working-file diff moves the left side.
 */
export async function stepVersion(direction: -1 | 1): Promise<void> {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (!(input instanceof vscode.TabInputTextDiff) || !isSnapshotUri(input.original)) throw new SnapshotError('BAD_INPUT', 'Open a comparison with a snapshot first ("Compare with snapshot…").');
  const left = fromSnapshotUri(input.original);
  const history = await versions(openedRoot(left.root), left.path);
  const index = history.versions.findIndex((v) => v.snapshots.includes(left.snapshot));
  const pairRight = isSnapshotUri(input.modified);
  const newLeft = index + direction;
  const newRightIndex = newLeft + 1;
  if (newLeft < 0 || newLeft >= history.versions.length || (pairRight && newRightIndex >= history.versions.length)) {
    vscode.window.showInformationMessage(direction < 0 ? 'No older version in the snapshots.' : 'No newer version in the snapshots.');
    return;
  }
  const right = pairRight ? toSnapshotUri({ root: left.root, snapshot: history.versions[newRightIndex].lastSnapshot, path: left.path }) : input.modified;
  await openVersionPair(history, newLeft, right);
}

/** vscode.diff, except for binaries (offer to open both) and very large files (warn first). */
export async function openDiff(left: vscode.Uri, right: vscode.Uri, title: string, size: number): Promise<void> {
  if (size > LARGE_FILE_BYTES) {
    const go = await vscode.window.showWarningMessage(`${title}: the snapshot version is ${formatBytes(size)}; comparing it may be slow.`, { modal: true }, 'Compare anyway');
    if (go !== 'Compare anyway') return;
  }
  if (await looksBinary(left)) {
    const choice = await vscode.window.showInformationMessage(`${path.basename(right.path)} is a binary file: it cannot be shown as a text diff.`, 'Open Both');
    if (choice === 'Open Both') {
      await vscode.commands.executeCommand('vscode.open', left, { viewColumn: vscode.ViewColumn.One, preview: false });
      await vscode.commands.executeCommand('vscode.open', right, { viewColumn: vscode.ViewColumn.Two, preview: false });
    }
    return;
  }
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
}

/** A NUL byte in the first 8 KiB, as git decides. */
async function looksBinary(uri: vscode.Uri): Promise<boolean> {
  if (!isSnapshotUri(uri)) return false;
  const { root, snapshot, path: rel } = fromSnapshotUri(uri);
  const head = await openedRoot(root)
    .files.read(snapshot, rel, undefined, 8192)
    .catch(() => undefined);
  return head ? head.includes(0) : false;
}
