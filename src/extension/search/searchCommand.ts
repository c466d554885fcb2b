import path from 'node:path';
import * as vscode from 'vscode';
import { bundledRipgrep } from '../../core/search/bundledRipgrep';
import { searchSnapshots } from '../../core/search/search';
import type { SearchQuery, SearchReport } from '../../core/search/types';
import { toAbortSignal } from '../cancellation';
import { openDiff } from '../history/compare';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { askSearchQuery } from './searchInput';
import { SearchNode, SearchResultsProvider, snapshotTime } from './searchResults';
import { folderRoot } from '../settings/settings';

/**
 * "Search in snapshots…": asks the query (or takes one), searches every snapshot of the folder's root with VS Code's own
 * ripgrep (remote roots: on the host), results streaming into the Search results view; progress with Cancel.
 */
export async function searchInSnapshots(results: SearchResultsProvider, given?: SearchQuery): Promise<SearchReport | undefined> {
  const folder = await pickWorkspaceFolder();
  if (!folder) return undefined;
  const query = given?.pattern ? given : await askSearchQuery(results.query);
  if (!query) return undefined;
  const root = folderRoot(folder);
  results.reset(root.spec, folder.uri, query);
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Searching snapshots for ${JSON.stringify(query.pattern)}`, cancellable: true },
    (progress, token) =>
      searchSnapshots(root, query, {
        working: folder.uri.fsPath,
        rgPath: bundledRipgrep(vscode.env.appRoot),
        signal: toAbortSignal(token),
        onListed: (files, contents) => progress.report({ message: `${contents} distinct contents of ${files} files` }),
        onResults: (found) => results.add(found),
      }),
  );
  results.add(report.results);
  if (!report.results.length) {
    vscode.window.showInformationMessage(`No line matches ${JSON.stringify(query.pattern)} in the ${report.snapshots} snapshots of ${folder.name}.`);
    return report;
  }
  await vscode.commands.executeCommand('rsyncSnapshots.searchResults.focus');
  return report;
}

/** Opens the newest snapshot version holding the result's line, with the line selected. */
export async function openSearchResult(results: SearchResultsProvider, node?: SearchNode): Promise<vscode.TextEditor | undefined> {
  if (!node || node.kind === 'file') return undefined;
  const r = node.result;
  const line = r.lastLine - 1;
  return vscode.window.showTextDocument(results.versionUri(r), { preview: true, selection: new vscode.Range(line, 0, line, r.text.length) });
}

/** Diff of that version with the working file. */
export async function compareSearchResult(results: SearchResultsProvider, node?: SearchNode): Promise<void> {
  if (!node || node.kind === 'file' || !results.folder) return;
  const r = node.result;
  const left = results.versionUri(r);
  const name = path.posix.basename(r.path);
  await openDiff(left, vscode.Uri.joinPath(results.folder, r.path), `${name} (${snapshotTime(r.last)}) ↔ ${name}`, (await vscode.workspace.fs.stat(left)).size);
}
