import path from 'node:path';
import * as vscode from 'vscode';
import { parseSnapshotName } from '../../core/root/format';
import type { SearchQuery, SearchResult } from '../../core/search/types';
import { showBytes } from '../../core/util/nameBytes';
import { toSnapshotUri } from '../history/snapshotUri';
import { shortDateTime } from '../timeFormat';

/** File → matching line → where it is (snapshot range, gone since, working file). */
export type SearchNode = { kind: 'file'; path: string; matches: SearchResult[] } | { kind: 'match'; result: SearchResult } | { kind: 'where'; result: SearchResult };

const CONTEXT_KEY = 'rsyncSnapshots.hasSearchResults';

/** A snapshot name as the local date and time it was taken (with seconds when asked). */
export function snapshotTime(name: string, seconds = false): string {
  const time = parseSnapshotName(name)?.time;
  return time ? shortDateTime(time, seconds) : name;
}

/** "in 14 snapshots, 2026-06-01 02:00 … 2026-06-09 02:00; gone since 2026-06-10 02:00" (seconds when minutes cannot tell them apart). */
function describeRange(r: SearchResult): string {
  const names = [r.first, r.last, r.goneSince].filter((n): n is string => Boolean(n));
  const seconds = new Set(names.map((n) => snapshotTime(n))).size < new Set(names).size;
  const time = (name: string) => snapshotTime(name, seconds);
  const where = r.count === 1 ? `in 1 snapshot, ${time(r.first)}` : `in ${r.count} snapshots, ${time(r.first)} … ${time(r.last)}`;
  return r.goneSince ? `${where}; gone since ${time(r.goneSince)}` : where;
}

/** The results of the last search, growing while it runs; the view shows only when there are some. */
export class SearchResultsProvider implements vscode.TreeDataProvider<SearchNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SearchNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private files = new Map<string, SearchNode & { kind: 'file' }>();
  /** The root and workspace folder the results belong to. */
  root = '';
  folder?: vscode.Uri;
  query?: SearchQuery;

  /** Starts a new search's results (empty). */
  reset(root: string, folder: vscode.Uri, query: SearchQuery): void {
    this.root = root;
    this.folder = folder;
    this.query = query;
    this.files = new Map();
    this.changed.fire(undefined);
    vscode.commands.executeCommand('setContext', CONTEXT_KEY, false);
  }

  /** New or grown results (same path and text replace the old one). */
  add(results: SearchResult[]): void {
    for (const r of results) {
      let file = this.files.get(r.path);
      if (!file) this.files.set(r.path, (file = { kind: 'file', path: r.path, matches: [] }));
      const at = file.matches.findIndex((m) => m.text === r.text);
      if (at >= 0) file.matches[at] = r;
      else file.matches.push(r);
      file.matches.sort((a, b) => a.lines[0] - b.lines[0]);
    }
    if (results.length) vscode.commands.executeCommand('setContext', CONTEXT_KEY, true);
    this.changed.fire(undefined);
  }

  clear(): void {
    this.files = new Map();
    this.changed.fire(undefined);
    vscode.commands.executeCommand('setContext', CONTEXT_KEY, false);
  }

  getChildren(node?: SearchNode): SearchNode[] {
    if (!node) return [...this.files.values()].sort((a, b) => a.path.localeCompare(b.path));
    if (node.kind === 'file') return node.matches.map((result) => ({ kind: 'match', result }));
    if (node.kind === 'match') return [{ kind: 'where', result: node.result }];
    return [];
  }

  getTreeItem(node: SearchNode): vscode.TreeItem {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(showBytes(path.posix.basename(node.path)), vscode.TreeItemCollapsibleState.Expanded);
      item.description = `${showBytes(path.posix.dirname(node.path) === '.' ? '' : path.posix.dirname(node.path))} · ${node.matches.length} line${node.matches.length === 1 ? '' : 's'}`;
      item.resourceUri = this.folder && vscode.Uri.joinPath(this.folder, node.path);
      item.contextValue = 'searchFile';
      item.id = `file:${node.path}`;
      return item;
    }
    const r = node.result;
    const open: vscode.Command = { command: 'rsyncSnapshots.openSearchResult', title: 'Open This Version', arguments: [node] };
    if (node.kind === 'match') {
      const item = new vscode.TreeItem(r.text.trim() || '(blank line)', vscode.TreeItemCollapsibleState.Expanded);
      item.description = `line ${r.lines.join(', ')}${r.working === false ? ' · not in the working file' : ''}`;
      item.tooltip = `${r.path}:${r.lastLine}\n${r.text}\n${describeRange(r)}`;
      item.iconPath = new vscode.ThemeIcon(r.working === false ? 'history' : 'search');
      item.contextValue = 'searchMatch';
      item.command = open;
      item.id = `match:${r.path}\0${r.text}`;
      return item;
    }
    const working = r.working === undefined ? '' : r.working ? '; still in the working file' : '; not in the working file';
    const item = new vscode.TreeItem(`${describeRange(r)}${working}`, vscode.TreeItemCollapsibleState.None);
    item.tooltip = `${item.label}\nClick to open the newest of these versions at line ${r.lastLine}.`;
    item.iconPath = new vscode.ThemeIcon(r.goneSince ? 'circle-slash' : 'versions');
    item.contextValue = 'searchWhere';
    item.command = open;
    item.id = `where:${r.path}\0${r.text}`;
    return item;
  }

  /** The snapshot URI of the newest version holding the result's line. */
  versionUri(r: SearchResult): vscode.Uri {
    return toSnapshotUri({ root: this.root, snapshot: r.last, path: r.path });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
