import path from 'node:path';
import * as vscode from 'vscode';
import { SnapshotError } from '../../core/util/errors';
import type { BackupRoot } from '../../core/root/backupRoot';
import { type SnapshotMeta, triggerOf } from '../../core/root/notes';
import type { FileHistory, FileVersion } from '../../core/versions/types';
import { versions } from '../../core/versions/versions';
import { formatBytes, plural } from '../../core/util/format';
import { folderRoot, openedRoot } from '../settings/settings';
import { fromSnapshotUri, isSnapshotUri, toSnapshotUri } from './snapshotUri';
import { clockTime, relativeAge, shortDateTime, snapshotDateTime, snapshotTime as timeOf } from '../timeFormat';
import { diffTitle } from './titles';

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

const snapshotTime = (name: string) => timeOf(name) ?? new Date(0);

/** Said of a version whose bytes equal the working file's (versions compares content, never size+mtime alone). */
export const IDENTICAL_TO_CURRENT = 'identical to current';

function workspaceFile(uri: vscode.Uri | undefined): { folder: vscode.WorkspaceFolder; uri: vscode.Uri; rel: string } {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) throw new SnapshotError('BAD_INPUT', 'Open a file (or right-click one in the Explorer) to compare it with a snapshot.');
  if (target.scheme !== 'file') throw new SnapshotError('BAD_INPUT', `Only files on disk can be compared with snapshots (this one is ${target.scheme}:).`);
  const folder = vscode.workspace.getWorkspaceFolder(target);
  if (!folder) throw new SnapshotError('BAD_INPUT', `${target.fsPath} is not inside a workspace folder, so no snapshot holds it.`);
  const rel = path.relative(folder.uri.fsPath, target.fsPath).split(path.sep).join('/');
  return { folder, uri: target, rel };
}

/** The labels of a root's snapshots (one pass over the notes): pickers show them beside the times. */
export async function snapshotLabels(root: BackupRoot): Promise<Map<string, string>> {
  const { notes } = await root.notes.readAll().catch(() => ({ notes: new Map<string, SnapshotMeta>() }));
  return labelsOf(notes);
}

/** Snapshot name → its label, from notes read already (safety snapshots' own "pre-restore" label left out). */
export function labelsOf(notes: ReadonlyMap<string, SnapshotMeta>): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [name, meta] of notes) if (meta.label && triggerOf(meta) !== 'pre-restore') labels.set(name, meta.label);
  return labels;
}

/** “before the refactor” (+2 more): the labels of the snapshots a row stands for, for a picker's description. */
export function labelsText(names: readonly string[], labels: Map<string, string>): string {
  const found = [...new Set(names.map((n) => labels.get(n)).filter((l): l is string => Boolean(l)))];
  if (!found.length) return '';
  const first = found[0].length > 40 ? `${found[0].slice(0, 39)}…` : found[0];
  return `“${first}”${found.length > 1 ? ` (+${found.length - 1} more)` : ''}`;
}

/** Rows of the version quick pick, newest first; two rows of the same age ("2 min ago") also show their time. */
export function versionPickItems(history: FileHistory, labels: Map<string, string> = new Map(), now = new Date()): VersionPickItem[] {
  const newestFirst = [...history.versions].reverse();
  const ages = newestFirst.map((v) => relativeAge(snapshotTime(v.firstSnapshot), now));
  return newestFirst.map((version, i) => {
    const since = snapshotTime(version.firstSnapshot);
    const age = ages.indexOf(ages[i]) !== ages.lastIndexOf(ages[i]) ? `${ages[i]} (${clockTime(since)})` : ages[i];
    const span =
      version.snapshots.length === 1
        ? `in snapshot ${snapshotDateTime(version.firstSnapshot)}`
        : `in ${plural(version.snapshots.length, 'snapshot')}, ${snapshotDateTime(version.firstSnapshot)} … ${snapshotDateTime(version.lastSnapshot)}`;
    const what = version.kind === 'symlink' ? `link → ${version.linkTarget}` : formatBytes(version.size);
    return {
      label: `$(history) ${age}`,
      description: [labelsText(version.snapshots, labels), shortDateTime(since), what, version.current ? IDENTICAL_TO_CURRENT : ''].filter(Boolean).join(' · '),
      detail: version.current ? `$(check) ${IDENTICAL_TO_CURRENT} · ${span}` : span,
      version,
    };
  });
}

/**
 * A quick pick that previews as you move through it (as GitLens does): each active row opens `preview(row)` in a
 * preview tab without taking the focus. Tests choose through `hook` instead of a person.
 */
export async function pickWithPreview<T extends vscode.QuickPickItem>(
  items: T[],
  placeholder: string,
  preview: (item: T) => Thenable<unknown>,
  hook?: (items: T[]) => T | undefined,
): Promise<T | undefined> {
  if (hook) return hook(items);
  const pick = vscode.window.createQuickPick<T>();
  pick.items = items;
  pick.placeholder = placeholder;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let previewed: T | undefined;
  try {
    return await new Promise<T | undefined>((resolve) => {
      pick.onDidChangeActive(([item]) => {
        if (!item || item === previewed) return;
        previewed = item;
        Promise.resolve(preview(item)).catch(() => {}); // a preview that fails (file gone, host down) must not break the pick
      });
      pick.onDidAccept(() => resolve(pick.selectedItems[0] ?? pick.activeItems[0]));
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
  } finally {
    pick.dispose();
  }
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
  const items = versionPickItems(history, await snapshotLabels(root));
  let message: string | undefined;
  if (!items.length) message = `No snapshot holds ${rel} yet. Take one with "Snapshot Workspace".`;
  else if (items.length === 1 && items[0].version.current) message = `${rel} has not changed since the oldest snapshot that holds it (${snapshotDateTime(items[0].version.firstSnapshot)}).`;
  if (message) {
    vscode.window.showInformationMessage(message);
    return { items, message };
  }
  const title = (item: VersionPickItem) => diffTitle(rel, snapshotTime(item.version.firstSnapshot), 'working');
  const left = (item: VersionPickItem) => toSnapshotUri({ root: history.root, snapshot: item.version.lastSnapshot, path: rel });
  const chosen = await pickWithPreview(
    items,
    `Versions of ${rel} in snapshots (newest first)`,
    (item) => openDiff(left(item), file, title(item), item.version.size, { preview: true, preserveFocus: true }),
    hooks.pickVersion,
  );
  if (!chosen) return { items };
  await openDiff(left(chosen), file, title(chosen), chosen.version.size);
  return { items, chosen };
}

/** From an open snapshot file: diff the version before it against it. */
export async function compareWithPreviousVersion(uri: vscode.Uri | undefined): Promise<CompareOutcome | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target || !isSnapshotUri(target)) throw new SnapshotError('BAD_INPUT', 'Open a file of a snapshot first (from the Snapshots view).');
  const parts = fromSnapshotUri(target);
  const history = await versions(openedRoot(parts.root), parts.path);
  const index = history.versions.findIndex((v) => v.snapshots.includes(parts.snapshot));
  const items = versionPickItems(history, await snapshotLabels(openedRoot(parts.root)));
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
  const rightTime = isSnapshotUri(right) ? snapshotTime(fromSnapshotUri(right).snapshot) : 'working';
  await openDiff(
    toSnapshotUri({ root: history.root, snapshot: older.lastSnapshot, path: history.relativePath }),
    right,
    diffTitle(history.relativePath, snapshotTime(older.firstSnapshot), rightTime),
    older.size,
  );
}

/** Where a diff whose left side is a snapshot version stands in that file's history. */
export interface DiffPosition {
  history: FileHistory;
  /** Index of the left side's version in history.versions (oldest first). */
  left: number;
  right: vscode.Uri;
}

/** The position of a diff tab, or undefined when its left side is not a snapshot version. */
export async function diffPosition(input: unknown): Promise<DiffPosition | undefined> {
  if (!(input instanceof vscode.TabInputTextDiff) || !isSnapshotUri(input.original)) return undefined;
  const left = fromSnapshotUri(input.original);
  const history = await versions(openedRoot(left.root), left.path);
  const index = history.versions.findIndex((v) => v.snapshots.includes(left.snapshot));
  return index < 0 ? undefined : { history, left: index, right: input.modified };
}

/** Whether the diff can step that way: a snapshot ↔ snapshot pair needs a version after its new left side too. */
export function canStep(at: DiffPosition, direction: -1 | 1): boolean {
  const newLeft = at.left + direction;
  const last = at.history.versions.length - (isSnapshotUri(at.right) ? 2 : 1);
  return newLeft >= 0 && newLeft <= last;
}

/**
 * In a diff whose left side is a snapshot version: step to the older (-1) or newer (+1) distinct version.
 * A snapshot ↔ snapshot diff moves both sides; a snapshot ↔ working-file diff moves the left side. At either end
 * the command is disabled (context keys, see snapshotDiffContext.ts), so it quietly does nothing.
 */
export async function stepVersion(direction: -1 | 1): Promise<void> {
  const at = await diffPosition(vscode.window.tabGroups.activeTabGroup.activeTab?.input);
  if (!at) throw new SnapshotError('BAD_INPUT', 'Open a comparison with a snapshot first ("Compare with Snapshot…").');
  if (!canStep(at, direction)) return;
  const newLeft = at.left + direction;
  const { history } = at;
  const right = isSnapshotUri(at.right) ? toSnapshotUri({ root: history.root, snapshot: history.versions[newLeft + 1].lastSnapshot, path: history.relativePath }) : at.right;
  await openVersionPair(history, newLeft, right);
}

/** vscode.diff, except for binaries (offer to open both) and very large files (warn first). */
export async function openDiff(left: vscode.Uri, right: vscode.Uri, title: string, size: number, show?: { preview: true; preserveFocus: true }): Promise<void> {
  // A preview (moving through a picker) skips what would ask first.
  if (show && (size > LARGE_FILE_BYTES || (await looksBinary(left)))) return;
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
  await vscode.commands.executeCommand('vscode.diff', left, right, title, show ?? { preview: true });
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
