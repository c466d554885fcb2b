import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RestorePanel } from '../../src/extension/restore/restorePanel';
import type { ToWebview } from '../../src/extension/restore/restoreProtocol';
import type { RunResult } from '../../src/extension/snapshots/snapshotRunner';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import { activateExtension, sleep, testBackupRoot, treeRows, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { webviewText } from './webviewText';
import { readSnapshotMeta } from '../support/core';

/**
 * The unsaved-editor journey: type into an editor without saving, restore that file, save. Whatever the user chose on
 * the review page is what the file on disk holds afterwards, and no later save silently undoes the restore.
 */
describe('Restore with unsaved editors in a real VS Code', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;
  let dir: string;
  let snapshot: string;
  const file = (name: string) => path.join(dir, name);
  const disk = (name: string) => fs.readFileSync(file(name), 'utf8');

  /** Opens `name` and types `text` at its start without saving. */
  async function typeUnsaved(name: string, text: string): Promise<vscode.TextDocument> {
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(file(name)), { preview: false });
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), text));
    await sleep(300);
    assert.ok(editor.document.isDirty && editor.document.getText().startsWith(text), `${name} has unsaved changes`);
    return editor.document;
  }

  async function openedPanel(): Promise<RestorePanel> {
    const panel = await waitFor('restore panel', () => api.restorePanel());
    await waitFor('webview rendered the plan', () => panel.plan && panel.rendered?.planId === panel.plan.id);
    return panel;
  }

  /** The item paths of unsaved editors the page was sent with its latest plan. */
  const dirtyListed = (panel: RestorePanel) => [...panel.posted].reverse().find((m): m is Extract<ToWebview, { type: 'plan' }> => m.type === 'plan')?.dirty;

  /** The restore's result, or the page's error message as the failure. */
  async function resultOf(panel: RestorePanel) {
    const error = panel.posted.filter((m) => m.type === 'error').pop();
    assert.ok(panel.result, `no restore result; the page says: ${error && 'message' in error ? error.message : '(nothing)'}`);
    return panel.result;
  }

  // VS Code in a browser saves after a second by default (files.autoSave afterDelay): a desktop user's default is off.
  let autoSave: string | undefined;
  before(async () => {
    const files = vscode.workspace.getConfiguration('files');
    autoSave = files.inspect<string>('autoSave')?.globalValue;
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    root = await testBackupRoot();
    api = await activateExtension();
    dir = path.join(workspaceFolder().uri.fsPath, 'unsaved-fixture');
    fs.mkdirSync(dir, { recursive: true });
    for (const name of ['a.txt', 'b.txt', 'c.txt']) fs.writeFileSync(file(name), `snapshot ${name}\n`);
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
    snapshot = result.name;
  });

  after(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', autoSave, vscode.ConfigurationTarget.Global);
  });

  afterEach(async () => {
    delete api.hooks.pickVersion;
    delete api.hooks.pickSnapshot;
    api.restorePanel()?.dispose();
    // Leave no dirty editor behind for the next test (or suite): revert what is still unsaved, then close all.
    for (const doc of vscode.workspace.textDocuments.filter((d) => d.isDirty)) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Save first (the default): the page lists the file, the text lands in the safety snapshot, the editor shows the restore, and saving keeps it', async () => {
    fs.writeFileSync(file('a.txt'), 'edited on disk\n');
    const doc = await typeUnsaved('a.txt', 'typed, never saved\n');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(file('a.txt')));
    const panel = await openedPanel();
    assert.deepStrictEqual(dirtyListed(panel), ['a.txt']);
    const text = await webviewText('restore-unsaved', '#unsaved');
    if (text !== undefined) {
      assert.match(text, /1 open file has unsaved changes/);
      assert.match(text, /a\.txt/);
      assert.match(text, /Save first/);
      assert.match(text, /Leave those files out/);
      assert.match(text, /Discard my unsaved changes/);
    }
    await screenshot('restore-unsaved-editor');

    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [], unsaved: 'save' });
    const result = await resultOf(panel);
    assert.deepStrictEqual(result.failed, []);
    assert.deepStrictEqual(result.restored, ['a.txt']);
    assert.strictEqual(disk('a.txt'), 'snapshot a.txt\n');
    assert.strictEqual(
      fs.readFileSync(path.join(root, result.safetySnapshot!, 'unsaved-fixture', 'a.txt'), 'utf8'),
      'typed, never saved\nedited on disk\n',
      'the unsaved text is in the safety snapshot',
    );
    await waitFor('the editor shows the restored file', () => !doc.isDirty && doc.getText() === 'snapshot a.txt\n');
    assert.match(panel.editorsNote ?? '', /Saved a\.txt first/);

    // The next save cannot write the old buffer back.
    await doc.save();
    assert.strictEqual(disk('a.txt'), 'snapshot a.txt\n');
  });

  it('Leave those files out: a folder restore skips the unsaved file, whose text and file stay as they were', async () => {
    fs.writeFileSync(file('a.txt'), 'a edited\n');
    fs.writeFileSync(file('b.txt'), 'b edited\n');
    const doc = await typeUnsaved('b.txt', 'mine: ');
    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === snapshot);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(dir));
    const panel = await openedPanel();
    const open = vscode.workspace.textDocuments.map((d) => `${d.uri.toString()} dirty=${d.isDirty}`).join(', ');
    assert.deepStrictEqual(dirtyListed(panel), ['b.txt'], `plan target ${panel.plan!.target}; open: ${open}; messages: ${panel.posted.map((m) => m.type).join(',')}`);
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [], unsaved: 'leaveOut' });
    const result = await resultOf(panel);
    assert.deepStrictEqual(result.failed, []);
    assert.deepStrictEqual(result.restored, ['a.txt']);
    assert.deepStrictEqual(result.skipped, ['b.txt']);
    assert.strictEqual(disk('a.txt'), 'snapshot a.txt\n');
    assert.strictEqual(disk('b.txt'), 'b edited\n');
    assert.ok(doc.isDirty, 'the unsaved text is still in its editor');
    assert.strictEqual(doc.getText(), 'mine: b edited\n');
  });

  it('Discard my unsaved changes: the editor and the file both hold the snapshot, and a save keeps them', async () => {
    fs.writeFileSync(file('c.txt'), 'c edited\n');
    const doc = await typeUnsaved('c.txt', 'throw this away ');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(file('c.txt')));
    const panel = await openedPanel();
    assert.deepStrictEqual(dirtyListed(panel), ['c.txt']);
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [], unsaved: 'discard' });
    const result = await resultOf(panel);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(disk('c.txt'), 'snapshot c.txt\n');
    await waitFor('the editor shows the restored file', () => !doc.isDirty && doc.getText() === 'snapshot c.txt\n');
    await doc.save();
    assert.strictEqual(disk('c.txt'), 'snapshot c.txt\n');
    assert.match(panel.editorsNote ?? '', /Discarded the unsaved changes in c\.txt/);
  });

  it('text typed after the review is handled too: the choice applies to the editors unsaved at Apply, and nothing is lost', async () => {
    fs.writeFileSync(file('a.txt'), 'edited again\n');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(file('a.txt')));
    const panel = await openedPanel();
    assert.deepStrictEqual(dirtyListed(panel), []);
    const doc = await typeUnsaved('a.txt', 'late typing ');
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [] });
    const result = await resultOf(panel);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(disk('a.txt'), 'snapshot a.txt\n');
    assert.strictEqual(fs.readFileSync(path.join(root, result.safetySnapshot!, 'unsaved-fixture', 'a.txt'), 'utf8'), 'late typing edited again\n');
    await waitFor('the editor shows the restored file', () => !doc.isDirty && doc.getText() === 'snapshot a.txt\n');
  });

  it('a snapshot taken with unsaved editors says so in its notes and in the tree tooltip; labels are text, not markup', async () => {
    await typeUnsaved('a.txt', 'unsaved ');
    api.hooks.snapshotLabel = () => '[run me](command:workbench.action.quit) **bold**';
    try {
      const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWithLabel')) as RunResult;
      assert.ok(result?.name, api.shownErrors.join(' | '));
      assert.strictEqual((await readSnapshotMeta(root, result.name))?.unsaved, 1);
      await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
      const node = await waitFor('the snapshot in the tree', async () => (await treeRows(api)).find((n) => n.kind === 'snapshot' && n.snapshot.name === result.name));
      const tooltip = (await api.tree.getTreeItem(node)).tooltip as vscode.MarkdownString;
      assert.match(tooltip.value, /1 file had unsaved changes, not in this snapshot/);
      assert.ok(!tooltip.value.includes('[run me](command:'), `the label is escaped: ${tooltip.value}`);
      assert.match(tooltip.value, /Label: \\\[run(&nbsp;| )me\\\]\\\(command:/);
      assert.ok(!tooltip.value.includes('**bold**'), tooltip.value);
    } finally {
      delete api.hooks.snapshotLabel;
    }
  });
});
