import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RestorePanel } from '../../src/extension/restore/restorePanel';
import { toSnapshotUri } from '../../src/extension/history/snapshotUri';
import { activateExtension, testBackupRoot, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { readSnapshotMeta } from '../support/core';
import type { SnapshotResult } from '../../src/core/snapshot/types';

describe('Restore with a reviewed dry run in a real VS Code', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;
  let dir: string;
  let snapshot: string;

  const snap = async () => {
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
    return result.name;
  };

  async function openedPanel(): Promise<RestorePanel> {
    const panel = await waitFor('restore panel', () => api.restorePanel());
    await waitFor('webview rendered the plan', () => panel.plan && panel.rendered?.planId === panel.plan.id);
    return panel;
  }

  before(async () => {
    root = await testBackupRoot();
    api = await activateExtension();
    dir = path.join(workspaceFolder().uri.fsPath, 'restore-fixture');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'report.txt'), 'snapshot content\n');
    fs.writeFileSync(path.join(dir, 'other.txt'), 'other snapshot content\n');
    snapshot = await snap();
  });

  afterEach(() => {
    delete api.hooks.pickVersion;
    delete api.hooks.pickSnapshot;
    delete api.hooks.copyName;
    api.restorePanel()?.dispose();
  });

  it('restores a changed file after the preview, with a safety snapshot of the pre-restore content', async () => {
    const file = path.join(dir, 'report.txt');
    fs.writeFileSync(file, 'edited since\n');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(file));
    const panel = await openedPanel();
    const plan = panel.plan!;
    assert.strictEqual(plan.snapshot, snapshot);
    assert.deepStrictEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [['report.txt', 'overwrite']],
    );
    assert.strictEqual(panel.rendered!.rows, 1, 'the webview rendered one row');
    assert.match(plan.commandLine, /rsync .*--dry-run/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'edited since\n', 'the preview changes nothing');
    await screenshot('restore-webview');

    await panel.receive({ type: 'apply', planId: plan.id, exclude: [] });
    const result = await waitFor('restore result', () => panel.result);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'snapshot content\n');
    assert.ok(result.safetySnapshot, 'a safety snapshot was taken');
    assert.strictEqual(fs.readFileSync(path.join(root, result.safetySnapshot!, 'restore-fixture', 'report.txt'), 'utf8'), 'edited since\n');
    assert.strictEqual((await readSnapshotMeta(root, result.safetySnapshot!))?.label, 'pre-restore');
    assert.ok(
      panel.posted.some((m) => m.type === 'applied'),
      'the webview was told',
    );
    const revealed = (await vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', result.safetySnapshotRoot, result.safetySnapshot)) as { snapshot?: { name: string } } | undefined;
    assert.strictEqual(revealed?.snapshot?.name, result.safetySnapshot, 'the safety snapshot is revealed in the view');
  });

  it('leaving one item out keeps that file as it was', async () => {
    fs.writeFileSync(path.join(dir, 'report.txt'), 'edited again\n');
    fs.writeFileSync(path.join(dir, 'other.txt'), 'other edited\n');
    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === snapshot);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(dir));
    const panel = await openedPanel();
    const paths = panel
      .plan!.items.filter((i) => i.kind === 'overwrite')
      .map((i) => i.path)
      .sort();
    assert.deepStrictEqual(paths, ['other.txt', 'report.txt']);
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: ['other.txt'] });
    const result = await waitFor('restore result', () => panel.result);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'report.txt'), 'utf8'), 'snapshot content\n');
    assert.strictEqual(fs.readFileSync(path.join(dir, 'other.txt'), 'utf8'), 'other edited\n');
  });

  it('the --delete toggle reruns the preview, which then lists files the snapshot does not have', async () => {
    fs.writeFileSync(path.join(dir, 'extra.txt'), 'not in the snapshot\n');
    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === snapshot);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(dir));
    const panel = await openedPanel();
    assert.ok(!panel.plan!.items.some((i) => i.kind === 'delete'), 'no deletes by default');
    const firstId = panel.plan!.id;
    await panel.receive({ type: 'setDelete', value: true });
    await waitFor('new preview rendered', () => panel.plan!.id !== firstId && panel.rendered?.planId === panel.plan!.id);
    assert.strictEqual(panel.plan!.delete, true);
    assert.deepStrictEqual(
      panel.plan!.items.filter((i) => i.kind === 'delete').map((i) => i.path),
      ['extra.txt'],
    );
    assert.ok(fs.existsSync(path.join(dir, 'extra.txt')), 'the preview deletes nothing');
    fs.rmSync(path.join(dir, 'extra.txt'));
  });

  it('real clicks in the webview: uncheck an item, toggle --delete (a new preview), Apply — what the page sends is what happens', async () => {
    fs.writeFileSync(path.join(dir, 'report.txt'), 'clicked edit\n');
    fs.writeFileSync(path.join(dir, 'other.txt'), 'other clicked edit\n');
    fs.writeFileSync(path.join(dir, 'extra.txt'), 'only here\n');
    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === snapshot);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(dir));
    const panel = await openedPanel();
    const firstId = panel.plan!.id;
    console.log('[[webview-click:#delete]]');
    await waitFor('the --delete preview rendered after the click', () => panel.plan!.id !== firstId && panel.rendered?.planId === panel.plan!.id, 20_000);
    assert.strictEqual(panel.plan!.delete, true);
    assert.deepStrictEqual(
      panel.plan!.items.filter((i) => i.kind === 'delete').map((i) => i.path),
      ['extra.txt'],
    );
    console.log('[[webview-click:input[aria-label="Restore other.txt"]]]');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the checkbox only changes the page's state
    console.log('[[webview-click:#apply]]');
    const result = await waitFor('the restore the Apply click asked for', () => panel.result, 30_000);
    assert.deepStrictEqual(result.skipped, ['other.txt'], 'the unchecked item was left out');
    assert.deepStrictEqual(result.deleted, ['extra.txt']);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'report.txt'), 'utf8'), 'snapshot content\n');
    assert.strictEqual(fs.readFileSync(path.join(dir, 'other.txt'), 'utf8'), 'other clicked edit\n');
    assert.ok(!fs.existsSync(path.join(dir, 'extra.txt')));
  });

  it('refuses to apply when the target changed after the preview', async () => {
    const file = path.join(dir, 'report.txt');
    fs.writeFileSync(file, 'before preview\n');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(file));
    const panel = await openedPanel();
    fs.writeFileSync(file, 'changed after the preview!\n');
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [] });
    const error = await waitFor('refusal', () => panel.posted.find((m) => m.type === 'error'));
    assert.match((error as { message: string }).message, /changed since the preview|preview again/i);
    assert.strictEqual(panel.result, undefined);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'changed after the preview!\n');
  });

  it('restores a deleted file from a snapshot URI (as "Find deleted files" offers)', async () => {
    const file = path.join(dir, 'other.txt');
    fs.rmSync(file);
    const uri = toSnapshotUri({ root, snapshot, path: 'restore-fixture/other.txt' });
    await vscode.commands.executeCommand('rsyncSnapshots.restore', uri);
    const panel = await openedPanel();
    assert.deepStrictEqual(
      panel.plan!.items.map((i) => [i.path, i.kind]),
      [['other.txt', 'create']],
    );
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [] });
    await waitFor('restore result', () => panel.result);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'other snapshot content\n');
  });

  it('"Restore as copy" writes beside the original and never touches it', async () => {
    const file = path.join(dir, 'report.txt');
    fs.writeFileSync(file, 'keep me\n');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    api.hooks.copyName = (suggested) => suggested; // the name offered, accepted as is
    await vscode.commands.executeCommand('rsyncSnapshots.restoreAsCopy', vscode.Uri.file(file));
    const panel = await openedPanel();
    assert.match(panel.plan!.target, /report\.restored-\d{4}-\d\d-\d\d\.txt$/);
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [] });
    const result = await waitFor('restore result', () => panel.result);
    assert.strictEqual(result.safetySnapshot, undefined);
    assert.strictEqual(fs.readFileSync(panel.plan!.target, 'utf8'), 'snapshot content\n');
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'keep me\n');
    fs.rmSync(panel.plan!.target);
  });
});
