import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SearchReport } from '../../src/core/search/types';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import type { SearchNode } from '../../src/extension/search/searchResults';
import { fromSnapshotUri } from '../../src/extension/history/snapshotUri';
import { activateExtension, testBackupRoot, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';

const REL = 'searchdemo/notes.txt';

describe('Search in snapshots in a real VS Code', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  const taken: string[] = [];
  let file: string;

  before(async () => {
    await testBackupRoot();
    api = await activateExtension();
    file = path.join(workspaceFolder().uri.fsPath, REL);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // "quokka first line" in all 3 snapshots; "quokka second line" only in the 3rd, and no longer in the working file.
    for (const content of ['alpha\nquokka first line\nomega\n', null, 'alpha\nbeta\nquokka second line\nquokka first line\n']) {
      if (content !== null) fs.writeFileSync(file, content);
      const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
      assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
      taken.push(result.name);
    }
    fs.writeFileSync(file, 'alpha\nquokka first line\n');
  });

  it('asks the query in a QuickInput, streams results into the view, and a click opens that version at the line', async () => {
    const running = vscode.commands.executeCommand('rsyncSnapshots.searchInSnapshots') as Thenable<SearchReport | undefined>;
    const textBox = await waitFor('the query input', () => api.searchInput());
    assert.match(textBox.title ?? '', /Search in snapshots \(text, any case\)/);
    textBox.value = 'QUOKKA';
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const globBox = await waitFor('the path glob input', () => (api.searchInput() !== textBox ? api.searchInput() : undefined));
    assert.match(globBox.title ?? '', /"QUOKKA"/);
    globBox.value = 'searchdemo/*.txt';
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const report = await running;
    assert.ok(report, `no report; errors: ${api.shownErrors.join(' | ')}`);
    assert.strictEqual(report.tool, 'rg', "the search uses VS Code's own ripgrep");
    assert.deepStrictEqual(report.query, { pattern: 'QUOKKA', regex: false, ignoreCase: true, pathGlob: 'searchdemo/*.txt' });

    const files = api.searchResults.getChildren();
    assert.deepStrictEqual(
      files.map((f) => f.kind === 'file' && f.path),
      [REL],
    );
    const fileItem = api.searchResults.getTreeItem(files[0]);
    assert.strictEqual(fileItem.label, 'notes.txt');
    assert.match(String(fileItem.description), /^searchdemo · 2 lines$/);
    const matches = api.searchResults.getChildren(files[0]);
    const items = matches.map((m) => api.searchResults.getTreeItem(m));
    assert.deepStrictEqual(
      items.map((i) => [i.label, i.description]),
      [
        ['quokka first line', 'line 2, 4'],
        ['quokka second line', 'line 3 · not in the working file'],
      ],
    );
    const where = matches.map((m) => api.searchResults.getTreeItem(api.searchResults.getChildren(m)[0]).label);
    const range = /^in 3 snapshots, (\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?) … (\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?); still in the working file$/.exec(String(where[0]));
    assert.ok(range, String(where[0]));
    assert.notStrictEqual(range[1], range[2], 'snapshots taken within a minute are told apart by their seconds');
    assert.match(String(where[1]), /^in 1 snapshot, \d{4}-\d\d-\d\d \d\d:\d\d; not in the working file$/);

    await vscode.commands.executeCommand('rsyncSnapshots.searchResults.focus');
    // Room for the snapshot ranges: the side bar as wide as VS Code lets a view grab (put back after).
    for (let i = 0; i < 6; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    await screenshot('search-results', { readme: true });
    for (let i = 0; i < 6; i++) await vscode.commands.executeCommand('workbench.action.increaseViewWidth');

    // Click "quokka second line": the snapshot version holding it, at its line.
    const click = items[1].command!;
    await vscode.commands.executeCommand(click.command, ...(click.arguments ?? []));
    const editor = await waitFor('the snapshot version', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.scheme === 'rsync-snapshot' ? active : undefined;
    });
    const parts = fromSnapshotUri(editor.document.uri);
    assert.deepStrictEqual([parts.snapshot, parts.path], [taken[2], REL]);
    assert.strictEqual(editor.selection.start.line, 2);
    assert.strictEqual(editor.document.lineAt(editor.selection.start.line).text, 'quokka second line');
    assert.strictEqual(editor.document.getText(editor.selection), 'quokka second line');

    // The inline action: that version against the working file.
    await vscode.commands.executeCommand('rsyncSnapshots.compareSearchResult', matches[1] as SearchNode);
    const diff = await waitFor('the diff with the working file', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    });
    assert.strictEqual(fromSnapshotUri(diff.original).snapshot, taken[2]);
    assert.strictEqual(diff.modified.fsPath, file);
  });

  it('a query given to the command searches without asking; nothing found says so and the view is emptied', async () => {
    const report = (await vscode.commands.executeCommand('rsyncSnapshots.searchInSnapshots', { pattern: 'quokka s.cond', regex: true })) as SearchReport;
    assert.deepStrictEqual(
      report.results.map((r) => [r.path, r.first, r.last]),
      [[REL, taken[2], taken[2]]],
    );
    const none = (await vscode.commands.executeCommand('rsyncSnapshots.searchInSnapshots', { pattern: 'no such text anywhere 7f3a' })) as SearchReport;
    assert.strictEqual(none.results.length, 0);
    assert.strictEqual(api.searchResults.getChildren().length, 0);
  });
});
