import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import type { SelectionHistory } from '../../src/core/versions/selectionHistory';
import type { HistoryNode } from '../../src/extension/history/fileHistoryView';
import { fromSnapshotUri, toSnapshotUri } from '../../src/extension/history/snapshotUri';
import { activateExtension, sleep, testBackupRoot, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';

const A = 'history/app.ts';
const B = 'history/other.txt';
const GONE = 'history/gone.txt';

type VersionNode = Extract<HistoryNode, { kind: 'version' }>;

function activeDiff(): vscode.TabInputTextDiff | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input : undefined;
}

describe('File History view in a real VS Code', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;
  const taken: string[] = [];
  const file = (rel: string) => path.join(workspaceFolder().uri.fsPath, rel);

  /** The view's items once it shows `rel` (read through its TreeDataProvider, as the view does). */
  async function itemsFor(rel: string, probe: (items: vscode.TreeItem[]) => boolean = () => true): Promise<{ nodes: HistoryNode[]; items: vscode.TreeItem[] }> {
    return waitFor(`File History of ${rel}`, async () => {
      if (api.history.current?.rel !== rel) return undefined;
      const nodes = await api.history.getChildren();
      const items = nodes.map((n) => api.history.getTreeItem(n));
      return probe(items) ? { nodes, items } : undefined;
    });
  }

  async function snapshot(): Promise<string> {
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
    taken.push(result.name);
    return result.name;
  }

  before(async () => {
    root = await testBackupRoot();
    api = await activateExtension();
    fs.mkdirSync(file('history'), { recursive: true });
    fs.writeFileSync(file(B), 'other\n');
    fs.writeFileSync(file(GONE), 'soon deleted\n');
    // app.ts: 3 distinct versions over 4 snapshots; the function body changes in the 3rd version.
    const contents = [
      'const a = 1;\n\nfunction greet() {\n  return "hi";\n}\n',
      null,
      '// header\nconst a = 1;\n\nfunction greet() {\n  return "hi";\n}\n',
      '// header\nconst a = 1;\n\nfunction greet() {\n  return "hello there";\n}\n',
    ];
    for (const content of contents) {
      if (content !== null) fs.writeFileSync(file(A), content);
      await snapshot();
    }
    fs.rmSync(file(GONE));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus'); // leave the Snapshots view as the next suites expect it
  });

  it('follows the active editor: versions newest first with time, size, "+n −m" and the working-file mark; switching editors switches the list', async () => {
    await vscode.window.showTextDocument(vscode.Uri.file(file(A)));
    const { nodes, items } = await itemsFor(A);
    assert.strictEqual(nodes.length, 3, JSON.stringify(items.map((i) => i.description)));
    const versions = nodes as VersionNode[];
    assert.deepStrictEqual(
      versions.map((n) => n.history.versions[n.index].firstSnapshot),
      [taken[3], taken[2], taken[0]],
    );
    const descriptions = items.map((i) => String(i.description));
    assert.match(descriptions[0], /^= working file · \d+ B · \d{4}-\d\d-\d\d \d\d:\d\d$/); // newest = working file: nothing to count
    assert.match(descriptions[1], /^\+1 −1 · \d+ B · /); // to the next newer version: the body line
    assert.match(descriptions[2], /^\+1 −0 · /); // the header added
    assert.match(String(items[0].label), /just now|min ago/);
    assert.strictEqual((items[0].iconPath as vscode.ThemeIcon).id, 'pass-filled');
    assert.strictEqual(items[0].contextValue, 'historyVersion current');
    assert.strictEqual(items[1].contextValue, 'historyVersion');

    await vscode.window.showTextDocument(vscode.Uri.file(file(B)));
    const other = await itemsFor(B);
    assert.strictEqual(other.nodes.length, 1);
    assert.match(String(other.items[0].description), /= working file/);
  });

  it('click on a version → a diff of that version (left) against the next newer version (right)', async () => {
    await vscode.window.showTextDocument(vscode.Uri.file(file(A)));
    const { items } = await itemsFor(A);
    const command = items[2].command!;
    assert.strictEqual(command.command, 'rsyncSnapshots.history.showChanges');
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    const diff = await waitFor('diff of the oldest version', () => (activeDiff() && fromSnapshotUri(activeDiff()!.original).snapshot === taken[1] ? activeDiff() : undefined));
    assert.strictEqual(fromSnapshotUri(diff.modified).snapshot, taken[2]);
    assert.strictEqual(fromSnapshotUri(diff.modified).path, A);
    assert.match(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '', /^app\.ts \(\d{4}-\d\d-\d\d \d\d:\d\d\) ↔ app\.ts \(\d{4}-\d\d-\d\d \d\d:\d\d\)$/);
    // The view still shows app.ts (the diff's sides are versions of the same file).
    await itemsFor(A);
  });

  it('inline actions: compare with the working file, copy the path in the snapshot', async () => {
    await vscode.window.showTextDocument(vscode.Uri.file(file(A)));
    const { nodes } = await itemsFor(A);
    await vscode.commands.executeCommand('rsyncSnapshots.history.compareWithWorking', nodes[1]);
    const diff = await waitFor('diff with the working file', () => (activeDiff() && activeDiff()!.modified.scheme === 'file' ? activeDiff() : undefined));
    assert.strictEqual(fromSnapshotUri(diff.original).snapshot, taken[2]);
    assert.strictEqual(diff.modified.fsPath, file(A));
    const copied = (await vscode.commands.executeCommand('rsyncSnapshots.history.copyPath', nodes[2])) as string;
    assert.strictEqual(copied, path.join(root, taken[1], A));
    assert.strictEqual(await vscode.env.clipboard.readText(), copied);

    // Restore this version: the dry-run restore page for that snapshot's copy, nothing written yet.
    const before = fs.readFileSync(file(A), 'utf8');
    await vscode.commands.executeCommand('rsyncSnapshots.history.restore', nodes[2]);
    const panel = await waitFor('restore page', () => api.restorePanel());
    const plan = await waitFor('restore plan', () => panel.plan);
    assert.strictEqual(plan.snapshot, taken[1]);
    assert.strictEqual(plan.relativePath, A);
    assert.strictEqual(fs.readFileSync(file(A), 'utf8'), before);
    panel.dispose();
  });

  it('on save, the working-file mark moves (cached until then); after a snapshot the new version is listed', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file(A)));
    const editor = await vscode.window.showTextDocument(doc);
    await itemsFor(A, (items) => String(items[0].description).includes('= working file'));
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// edited\n'));
    await doc.save();
    const saved = await itemsFor(A, (items) => !items.some((i) => String(i.description).includes('= working file')));
    assert.match(String(saved.items[0].description), /^\+1 −0 · /, 'the newest version against the saved working file');
    await snapshot();
    const after = await itemsFor(A, (items) => items.length === 4);
    assert.match(String(after.items[0].description), /= working file/);

    // Changed outside VS Code (no save event): read again when the editor comes back to it.
    const saved2 = fs.readFileSync(file(A));
    fs.appendFileSync(file(A), '// appended by another program\n');
    await vscode.window.showTextDocument(vscode.Uri.file(file(B)));
    await itemsFor(B);
    await vscode.window.showTextDocument(vscode.Uri.file(file(A)));
    const outside = await itemsFor(A, (items) => !String(items[0].description).includes('= working file'));
    assert.match(String(outside.items[0].description), /^\+1 −0 · /);
    fs.writeFileSync(file(A), saved2);
    await vscode.window.showTextDocument(vscode.Uri.file(file(B)));
    await itemsFor(B);
    await vscode.window.showTextDocument(vscode.Uri.file(file(A)));
    await itemsFor(A, (items) => String(items[0].description).includes('= working file'));
    // A wider sidebar, as a person reading a history would set it: the editor (focused) gives up the width.
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    for (let i = 0; i < 4; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    await vscode.commands.executeCommand('rsyncSnapshots.fileHistory.focus');
    await sleep(800); // the view renders the new items
    await screenshot('file-history-view', { readme: true });
  });

  it('history of a selection: the versions in which the selected lines changed; an entry opens a diff at the block', async () => {
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(file(A)));
    const text = editor.document.getText().split('\n');
    const line = text.findIndex((l) => l.includes('function greet'));
    editor.selection = new vscode.Selection(line, 0, line + 2, 1); // the function (3 lines)
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.showSelectionHistory')) as SelectionHistory;
    assert.ok(result, `no result: ${api.shownErrors.join(' | ')}`);
    const nodes = await api.history.getChildren();
    const changes = nodes.filter((n): n is Extract<HistoryNode, { kind: 'blockChange' }> => n.kind === 'blockChange');
    assert.deepStrictEqual(
      changes.map((c) => [c.selection.history.versions[c.change.version].firstSnapshot, c.change.added, c.change.removed]),
      [
        [taken[3], 1, 1],
        [taken[0], 3, 0],
      ],
    );
    const items = nodes.map((n) => api.history.getTreeItem(n));
    assert.match(String(items[items.length - 1].label), /^Already in the oldest version/);
    assert.match(api.historyView.message ?? '', /lines \d+–\d+ changed/);
    await sleep(500);
    await screenshot('file-history-selection');

    const item = api.history.getTreeItem(changes[0]);
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    const diff = await waitFor('diff of the block', () => (activeDiff() && fromSnapshotUri(activeDiff()!.modified).snapshot === taken[3] ? activeDiff() : undefined));
    assert.strictEqual(fromSnapshotUri(diff.original).snapshot, taken[2]);
    const right = await waitFor('the right side focused at the block', () => {
      const e = vscode.window.activeTextEditor;
      return e && fromSnapshotUri(e.document.uri).snapshot === taken[3] ? e : undefined;
    });
    assert.strictEqual(right.selection.start.line, changes[0].change.range.start - 1);
    assert.ok(right.document.lineAt(right.selection.start.line).text.includes('function greet'));

    await vscode.commands.executeCommand('rsyncSnapshots.history.wholeFile');
    assert.strictEqual(api.history.selectionHistory, undefined);
  });

  it('a file deleted from the workspace (opened from a snapshot) and a folder have histories too', async () => {
    await vscode.window.showTextDocument(toSnapshotUri({ root, snapshot: taken[0], path: GONE }));
    const gone = await itemsFor(GONE);
    assert.strictEqual(gone.nodes.length, 1);
    assert.doesNotMatch(String(gone.items[0].description), /working file/);

    await vscode.commands.executeCommand('rsyncSnapshots.showFileHistory', vscode.Uri.file(file('history')));
    const folder = await itemsFor('history');
    const described = folder.items.map((i) => String(i.description));
    assert.ok(
      folder.nodes.every((n) => n.kind === 'folderVersion'),
      described.join(' | '),
    );
    // app.ts changed in taken[2], [3] and [4] (where gone.txt was deleted too); nothing under history/ in taken[1]
    const snapshots = folder.nodes.map((n) => (n.kind === 'folderVersion' ? n.version.snapshot : ''));
    assert.deepStrictEqual(snapshots.slice(0, 3), [taken[4], taken[3], taken[2]], described.join(' | '));
    assert.ok(!snapshots.includes(taken[1]));
    assert.match(described[0], /1 modified, 1 deleted/);
    const files = await api.history.getChildren(folder.nodes[0]);
    assert.deepStrictEqual(
      files.map((f) => (f.kind === 'folderFile' ? [f.path, f.change] : [])),
      [
        [A, 'M'],
        [GONE, 'D'],
      ],
    );
  });
});
