import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { parseSnapshotName } from '../../core/root/format';
import type { BackupRoot } from '../../core/root/backupRoot';
import { isMissingRoot } from '../../core/util/errors';
import { formatBytes } from '../../core/util/format';
import { showBytes } from '../../core/util/nameBytes';
import type { BlockChange, SelectionHistory } from '../../core/versions/selectionHistory';
import { folderHistory, FolderHistory, FolderVersion } from '../../core/versions/folderHistory';
import type { FileHistory } from '../../core/versions/types';
import { LineCount, versionLineCounts } from '../../core/versions/versionLineCounts';
import { versions } from '../../core/versions/versions';
import { folderRoot, openedRoot, readSettings } from '../settings/settings';
import { fromSnapshotUri, isSnapshotUri, toSnapshotUri } from './snapshotUri';
import { relativeAge, shortDateTime } from '../timeFormat';

/** Versions shown (and line-counted) at most; older ones are summed up in one line. */
const SHOWN = 200;
/** Snapshots compared for a folder's history. */
const FOLDER_SNAPSHOTS = 50;

/** What the view shows the history of: a file or folder of a root, and where its working copy is (if any). */
export interface HistoryTarget {
  root: BackupRoot;
  rel: string;
  isDir: boolean;
  /** The workspace folder the path belongs to (the working copy), when one uses this root. */
  folder?: vscode.WorkspaceFolder;
}

type FileData = { kind: 'file'; history: FileHistory; counts: (LineCount | undefined)[]; labels: Map<string, string> };
type FolderData = { kind: 'folder'; history: FolderHistory };

export type HistoryNode =
  | { kind: 'version'; target: HistoryTarget; history: FileHistory; index: number; count?: LineCount; label?: string }
  | { kind: 'folderVersion'; target: HistoryTarget; version: FolderVersion }
  | { kind: 'folderFile'; target: HistoryTarget; version: FolderVersion; path: string; change: 'A' | 'M' | 'D' }
  | { kind: 'blockChange'; target: HistoryTarget; selection: SelectionHistory; change: BlockChange }
  | { kind: 'message'; text: string; icon?: string; tooltip?: string };

const snapshotTime = (name: string) => parseSnapshotName(name)?.time ?? new Date(0);
const keyOf = (t: HistoryTarget) => `${t.root.spec}\0${t.rel}`;
const base = (rel: string) => showBytes(rel.slice(rel.lastIndexOf('/') + 1));
const lineSpan = (r: { start: number; end: number }) => (r.start === r.end ? `line ${r.start}` : `lines ${r.start}–${r.end}`);

/** "+12 −3", or why there is no count. */
export function countText(count: LineCount | undefined): string | undefined {
  if (!count) return undefined;
  if ('skipped' in count) return count.skipped === 'binary' ? 'binary' : count.skipped === 'too-large' ? 'too large to count' : undefined;
  return `+${count.added} −${count.removed}`;
}

/**
 * The File History view: the distinct versions of the file in the active editor (or of a file or folder chosen in the
 * Explorer), newest first, with line counts against the next newer version and a mark on the version equal to the
 * working file; or, after "Show history of selection", the versions in which the selected lines changed. One
 * `versions` call per file, cached until the root's listing changes (a snapshot, a prune) or the file is saved.
 */
export class FileHistoryProvider implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<HistoryNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Per file: the history and the working file's stamp (size, mtime) it was read with. */
  private readonly cache = new Map<string, { data: Promise<FileData | FolderData>; stamp: string }>();
  private target: HistoryTarget | undefined;
  private selection: SelectionHistory | undefined;
  /** Called when what the view shows changed (the extension sets the view's title description and message). */
  onDidRetarget: (target: HistoryTarget | undefined, selection: SelectionHistory | undefined) => void = () => {};

  get current(): HistoryTarget | undefined {
    return this.target;
  }

  get selectionHistory(): SelectionHistory | undefined {
    return this.selection;
  }

  /** Follows an editor or Explorer URI; anything that is no file of a workspace folder or snapshot keeps the current target. */
  follow(uri: vscode.Uri | undefined, isDir?: boolean): void {
    const target = uri && targetOf(uri, isDir);
    if (!target) return;
    if (this.target && keyOf(this.target) === keyOf(target) && this.target.isDir === target.isDir) return;
    this.target = target;
    this.selection = undefined;
    this.fire();
  }

  /** Shows the versions in which a selection changed (until another file is followed). */
  showSelection(target: HistoryTarget, selection: SelectionHistory): void {
    this.target = target;
    this.selection = selection;
    this.fire();
  }

  /** Back from the selection's history to the whole file's. */
  showWholeFile(): void {
    this.selection = undefined;
    this.fire();
  }

  /** The root's listing changed (a snapshot was taken or pruned, settings changed): every cached history is stale. */
  invalidate(): void {
    this.cache.clear();
    this.changeEmitter.fire(undefined);
  }

  /** A saved document: its history's "= working file" mark and newest line count may have changed. */
  saved(uri: vscode.Uri): void {
    const target = this.target;
    if (!target?.folder || uri.scheme !== 'file') return;
    if (path.resolve(uri.fsPath) !== path.join(target.folder.uri.fsPath, ...target.rel.split('/'))) return;
    this.cache.delete(keyOf(target));
    this.changeEmitter.fire(undefined);
  }

  private fire(): void {
    this.onDidRetarget(this.target, this.selection);
    this.changeEmitter.fire(undefined);
  }

  private load(target: HistoryTarget): Promise<FileData | FolderData> {
    const key = keyOf(target);
    // A working file changed outside VS Code (no save event) is read again when the view shows it.
    const stamp = target.folder && !target.isDir ? workingStamp(path.join(target.folder.uri.fsPath, ...target.rel.split('/'))) : '';
    let entry = this.cache.get(key);
    if (!entry || entry.stamp !== stamp) {
      const data = target.isDir ? loadFolder(target) : loadFile(target);
      data.catch(() => this.cache.delete(key));
      entry = { data, stamp };
      this.cache.set(key, entry);
    }
    return entry.data;
  }

  async getChildren(node?: HistoryNode): Promise<HistoryNode[]> {
    if (node?.kind === 'folderVersion') {
      const rows: [string, 'A' | 'M' | 'D'][] = [
        ...node.version.added.map((p): [string, 'A'] => [p, 'A']),
        ...node.version.modified.map((p): [string, 'M'] => [p, 'M']),
        ...node.version.deleted.map((p): [string, 'D'] => [p, 'D']),
      ];
      return rows.sort((a, b) => a[0].localeCompare(b[0])).map(([p, change]) => ({ kind: 'folderFile', target: node.target, version: node.version, path: p, change }));
    }
    if (node) return [];
    const target = this.target;
    if (!target) return []; // the view's welcome text says what to do
    if (this.selection) return selectionNodes(target, this.selection);
    let data: FileData | FolderData;
    try {
      data = await this.load(target);
    } catch (err) {
      if (isMissingRoot(err)) return [{ kind: 'message', text: 'No snapshot yet: take one with "Snapshot Workspace".', icon: 'info' }];
      return [{ kind: 'message', text: (err as Error).message, icon: 'warning' }];
    }
    if (data.kind === 'folder') {
      const { history } = data;
      if (!history.versions.length) return [{ kind: 'message', text: `Nothing under ${base(target.rel)} changed in the last ${history.examined} snapshots.`, icon: 'info' }];
      const nodes: HistoryNode[] = history.versions.map((version) => ({ kind: 'folderVersion', target, version }));
      if (history.examined < history.total) nodes.push({ kind: 'message', text: `Searched the newest ${history.examined} of ${history.total} snapshots.`, icon: 'info' });
      return nodes;
    }
    const { history, counts, labels } = data;
    if (!history.versions.length) return [{ kind: 'message', text: `No snapshot holds ${base(target.rel)} yet.`, icon: 'info' }];
    const nodes: HistoryNode[] = [];
    for (let i = history.versions.length - 1; i >= Math.max(0, history.versions.length - SHOWN); i--)
      nodes.push({ kind: 'version', target, history, index: i, count: counts[i], label: labels.get(history.versions[i].firstSnapshot) });
    const older = history.versions.length - SHOWN;
    if (older > 0) nodes.push({ kind: 'message', text: `${older} older version${older === 1 ? '' : 's'} (see "Compare with Snapshot…")`, icon: 'ellipsis' });
    return nodes;
  }

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    switch (node.kind) {
      case 'version':
        return versionItem(node);
      case 'folderVersion': {
        const time = snapshotTime(node.version.snapshot);
        const item = new vscode.TreeItem(relativeAge(time), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `folder\0${keyOf(node.target)}\0${node.version.snapshot}`;
        const { added, modified, deleted } = node.version;
        const what = [added.length ? `${added.length} added` : '', modified.length ? `${modified.length} modified` : '', deleted.length ? `${deleted.length} deleted` : ''].filter(Boolean).join(', ');
        item.description = `${shortDateTime(time)} · ${what}`;
        item.tooltip = `Snapshot ${node.version.snapshot} (${shortDateTime(time, true)}): ${what} under ${node.target.rel} since ${node.version.previous}`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = 'historyFolderVersion';
        return item;
      }
      case 'folderFile': {
        const snapshot = node.change === 'D' ? node.version.previous : node.version.snapshot;
        const uri = toSnapshotUri({ root: node.target.root.spec, snapshot, path: node.path, change: node.change });
        const item = new vscode.TreeItem(uri);
        item.id = `folder\0${keyOf(node.target)}\0${node.version.snapshot}\0${node.path}`;
        item.label = base(node.path);
        const dir = node.path.slice(node.target.rel.length + 1, Math.max(node.target.rel.length + 1, node.path.lastIndexOf('/')));
        item.description = dir ? showBytes(dir) : undefined;
        item.contextValue = 'historyFolderFile';
        const left = toSnapshotUri({ root: node.target.root.spec, snapshot: node.version.previous, path: node.path });
        const right = toSnapshotUri({ root: node.target.root.spec, snapshot: node.version.snapshot, path: node.path });
        item.command =
          node.change === 'M'
            ? {
                command: 'vscode.diff',
                title: 'Compare',
                arguments: [left, right, `${item.label} (${shortDateTime(snapshotTime(node.version.previous))}) ↔ ${item.label} (${shortDateTime(snapshotTime(node.version.snapshot))})`],
              }
            : { command: 'vscode.open', title: 'Open', arguments: [uri] };
        return item;
      }
      case 'blockChange':
        return blockItem(node);
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = node.icon ? new vscode.ThemeIcon(node.icon) : undefined;
        item.tooltip = node.tooltip ?? node.text;
        item.contextValue = 'historyMessage';
        return item;
      }
    }
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/** The target a URI stands for: a file/folder of a workspace folder (its root from the settings) or a path of a snapshot URI. */
export function targetOf(uri: vscode.Uri, isDir?: boolean): HistoryTarget | undefined {
  if (isSnapshotUri(uri)) {
    const parts = fromSnapshotUri(uri);
    if (!parts.path) return undefined;
    const root = openedRoot(parts.root);
    const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => readSettings(f).backupRoot === root.spec);
    return { root, rel: parts.path, isDir: isDir ?? false, folder };
  }
  if (uri.scheme !== 'file') return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return undefined;
  const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
  if (!rel) return undefined;
  try {
    return { root: folderRoot(folder), rel, isDir: isDir ?? fs.statSync(uri.fsPath, { throwIfNoEntry: false })?.isDirectory() ?? false, folder };
  } catch {
    return undefined; // no valid root for this folder: the Snapshots view says why
  }
}

function workingStamp(file: string): string {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'missing';
}

async function loadFile(target: HistoryTarget): Promise<FileData> {
  const workingFolder = target.folder?.uri.fsPath;
  const history = await versions(target.root, target.rel, { workingFolder });
  const [counts, notes] = await Promise.all([versionLineCounts(target.root, history, { workingFolder, limit: SHOWN }), history.versions.length ? target.root.notes.readAll() : undefined]);
  const labels = new Map<string, string>();
  for (const [name, meta] of notes?.notes ?? []) if (meta.label) labels.set(name, meta.label);
  return { kind: 'file', history, counts, labels };
}

async function loadFolder(target: HistoryTarget): Promise<FolderData> {
  return { kind: 'folder', history: await folderHistory(target.root, target.rel, { limit: FOLDER_SNAPSHOTS }) };
}

function versionItem(node: Extract<HistoryNode, { kind: 'version' }>): vscode.TreeItem {
  const { history, index, target } = node;
  const version = history.versions[index];
  const time = snapshotTime(version.firstSnapshot);
  const item = new vscode.TreeItem(relativeAge(time));
  item.id = `version\0${keyOf(target)}\0${version.firstSnapshot}`;
  const size = version.kind === 'symlink' ? `link → ${version.linkTarget}` : version.kind === 'file' ? formatBytes(version.size) : version.kind;
  // What matters first (the sidebar is narrow): what changed, the label, the working-file mark; then size and exact time.
  // The version equal to the working file has nothing to count against it.
  item.description = [version.current ? '= working file' : (countText(node.count) ?? ''), node.label ?? '', size, shortDateTime(time)].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(version.current ? 'pass-filled' : 'history');
  item.contextValue = version.current ? 'historyVersion current' : 'historyVersion';
  const tooltip = new vscode.MarkdownString(undefined, true);
  // Names, labels and link targets come from the root: added as text, never as markup.
  tooltip
    .appendMarkdown('**')
    .appendText(base(history.relativePath))
    .appendMarkdown(`** as of ${shortDateTime(time, true)}`);
  if (node.label) tooltip.appendMarkdown(' — ').appendText(node.label);
  tooltip.appendMarkdown('\n\n');
  tooltip.appendMarkdown(
    version.snapshots.length === 1 ? `In snapshot ${version.firstSnapshot}\n\n` : `In ${version.snapshots.length} snapshots, ${version.firstSnapshot} … ${version.lastSnapshot}\n\n`,
  );
  tooltip
    .appendText(size)
    .appendMarkdown(`${node.count && 'added' in node.count ? `; ${countText(node.count)} lines to the ${index === history.versions.length - 1 ? 'working file' : 'next newer version'}` : ''}\n\n`);
  if (version.current) tooltip.appendMarkdown('Identical to the working file (bytes compared).\n\n');
  tooltip.appendMarkdown('Click: what changed from this version to the next newer one.');
  item.tooltip = tooltip;
  item.command = { command: 'rsyncSnapshots.history.showChanges', title: 'Show changes', arguments: [node] };
  return item;
}

function selectionNodes(target: HistoryTarget, selection: SelectionHistory): HistoryNode[] {
  const nodes: HistoryNode[] = selection.changes.map((change) => ({ kind: 'blockChange', target, selection, change }));
  const { end, history } = selection;
  const when = (i?: number) => (i === undefined ? '' : shortDateTime(snapshotTime(history.versions[i].firstSnapshot)));
  const endText =
    end.reason === 'created'
      ? `First appear in the version of ${when(end.version)}.`
      : end.reason === 'oldest'
        ? `Already in the oldest version (${when(end.version)}).`
        : end.reason === 'not-in-snapshots'
          ? history.versions.length
            ? 'The selected lines are in no snapshot yet.'
            : `No snapshot holds ${base(history.relativePath)} yet.`
          : `Stopped at the version of ${when(end.version)}: ${end.reason === 'binary' ? 'a binary file' : end.reason === 'too-large' ? 'too large to compare line by line' : 'not a regular file'}.`;
  nodes.push({ kind: 'message', text: endText, icon: end.reason === 'created' || end.reason === 'oldest' ? 'debug-start' : 'info' });
  if (selection.changedSinceNewest) nodes.unshift({ kind: 'message', text: 'Changed in the working file since the last snapshot.', icon: 'edit' });
  return nodes;
}

function blockItem(node: Extract<HistoryNode, { kind: 'blockChange' }>): vscode.TreeItem {
  const { change, selection } = node;
  const version = selection.history.versions[change.version];
  const time = snapshotTime(version.firstSnapshot);
  const item = new vscode.TreeItem(relativeAge(time));
  item.id = `block\0${keyOf(node.target)}\0${version.firstSnapshot}`;
  const oldest = change.version === 0 && selection.end.reason === 'oldest';
  const what = oldest ? 'oldest version' : !change.olderRange ? 'first appears' : change.moved ? `moved (was ${lineSpan(change.olderRange)})` : `+${change.added} −${change.removed}`;
  item.description = `${what} · ${lineSpan(change.range)} · ${shortDateTime(time)}`;
  item.iconPath = new vscode.ThemeIcon(change.olderRange ? (change.moved ? 'arrow-swap' : 'diff') : 'debug-start');
  item.tooltip = `${base(selection.history.relativePath)} ${lineSpan(change.range)} in the version of ${shortDateTime(time, true)} (snapshot ${version.firstSnapshot})`;
  item.contextValue = 'historyBlock';
  item.command = { command: 'rsyncSnapshots.history.showBlock', title: 'Show the block', arguments: [node] };
  return item;
}
