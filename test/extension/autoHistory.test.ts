import assert from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AutoOutcome } from '../../src/extension/automatic/autoSnapshot';
import type { RsyncSnapshotsApi } from '../../src/extension/extension';
import type { RunResult } from '../../src/extension/snapshots/snapshotRunner';
import { listSnapshots, readSnapshotFile, readSnapshotMeta } from '../support/core';
import { EXTENSION_ID, treeRows, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';

/**
 * Automatic history in a real VS Code, with the Snapshots view never opened (this file runs first and never focuses
 * it): the extension activates after startup, snapshots on its own, skips runs when nothing changed (no folder made),
 * and the status bar reads the root itself.
 */
describe('Automatic history (the view never opened)', function () {
  this.timeout(120_000);
  let api: RsyncSnapshotsApi;
  let root: string;
  const config = () => vscode.workspace.getConfiguration('rsyncSnapshots');
  const names = async () => (await listSnapshots(root)).snapshots.map((s) => s.name);
  const nextOutcome = async (after: number, what: string) => waitFor(what, () => (api.auto.outcomes.length > after ? api.auto.outcomes[after] : undefined), 30_000);

  let savedRoot: string | undefined;

  before(async () => {
    // A root of its own, so the other suites' roots hold none of these snapshots.
    savedRoot = config().inspect<string>('backupRoot')?.globalValue;
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ext-auto-')), 'backups');
    fs.mkdirSync(root);
    await config().update('backupRoot', root, vscode.ConfigurationTarget.Global);
    const ext = vscode.extensions.getExtension<RsyncSnapshotsApi>(EXTENSION_ID)!;
    await waitFor('the extension to activate after startup, without its view', () => ext.isActive, 30_000);
    api = ext.exports;
    assert.equal(api.treeView.visible, false, 'the Snapshots view is not open');
  });

  after(async () => {
    await config().update('autoSnapshotMinutes', undefined, vscode.ConfigurationTarget.Global);
    await config().update('backupRoot', savedRoot, vscode.ConfigurationTarget.Global);
    fs.rmSync(path.join(workspaceFolder().uri.fsPath, '.git'), { recursive: true, force: true }); // the other suites expect none
  });

  it('every N minutes (here 0.05 = 3 s): a snapshot when something changed, nothing at all when nothing did', async () => {
    // A repository's object store, which the editor's watcher does not report (files.watcherExclude): covered all the same.
    const objects = path.join(workspaceFolder().uri.fsPath, '.git', 'objects', 'ab');
    fs.mkdirSync(objects, { recursive: true });
    fs.writeFileSync(path.join(objects, '0001'), 'an object');
    const start = api.auto.outcomes.length;
    await config().update('autoSnapshotMinutes', 0.05, vscode.ConfigurationTarget.Global);
    const first = await nextOutcome(start, 'the first automatic run');
    assert.ok('taken' in first, JSON.stringify(first));
    const taken = (first as Extract<AutoOutcome, { taken: unknown }>).taken;
    assert.equal((await readSnapshotMeta(root, taken.name))?.trigger, 'interval');
    const after = await names();

    // Nothing changed: the next runs create no folder; once the watcher is sure, no rsync runs either.
    let watcherSkip: AutoOutcome | undefined;
    for (let i = start + 1; !watcherSkip; i++) {
      const outcome = await nextOutcome(i, 'a run with nothing changed');
      assert.ok('unchanged' in outcome, `nothing changed, yet: ${JSON.stringify(outcome)}`);
      if (outcome.unchanged.how === 'watcher') watcherSkip = outcome;
      assert.ok(i < start + 4, `the watcher became sure within two runs: ${JSON.stringify(api.auto.outcomes.slice(start).map((o) => ('taken' in o ? o.taken.name : o)))}`);
    }
    assert.deepEqual(await names(), after, 'no folder made while nothing changed');
    assert.match(api.statusBar.text, /0 changes since/);

    // A new object in .git/objects (hidden from the watcher): the next run checks with rsync and snapshots it.
    const beforeObject = api.auto.outcomes.length;
    fs.writeFileSync(path.join(objects, '0002'), 'a new object');
    const objectRun = await waitFor('an automatic snapshot of the new object', () => api.auto.outcomes.slice(beforeObject).find((o) => 'taken' in o), 30_000);
    const objectSnapshot = (objectRun as Extract<AutoOutcome, { taken: unknown }>).taken.name;
    assert.equal((await readSnapshotFile(root, objectSnapshot, '.git/objects/ab/0002')).toString(), 'a new object');
    assert.ok(
      api.auto.outcomes.slice(beforeObject).every((o) => 'taken' in o || ('unchanged' in o && o.unchanged.how === 'watcher')),
      'no run before it claimed "unchanged" by rsync: the stamp told it at once',
    );
    await waitFor(
      'the watcher to be sure again',
      () => api.auto.outcomes.slice(beforeObject).find((o) => 'unchanged' in o && o.unchanged.how === 'watcher' && api.auto.outcomes.indexOf(o) > api.auto.outcomes.indexOf(objectRun)),
      30_000,
    );

    // A change (made outside the editor, as git or a generator would): the watcher sees it, the next run snapshots it.
    const file = path.join(workspaceFolder().uri.fsPath, 'notes', 'todo.txt');
    fs.appendFileSync(file, 'written by another tool\n');
    await waitFor('the status bar to count the change', () => /1 change since/.test(api.statusBar.text), 10_000);
    const count = api.auto.outcomes.length;
    const changed = await waitFor('an automatic snapshot of the change', () => api.auto.outcomes.slice(count).find((o) => 'taken' in o), 30_000);
    const name = (changed as Extract<AutoOutcome, { taken: unknown }>).taken.name;
    assert.match((await readSnapshotFile(root, name, 'notes/todo.txt')).toString(), /written by another tool/);
    assert.equal(api.treeView.visible, false, 'still without the view');
    await config().update('autoSnapshotMinutes', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('the last automatic run to finish', () => !api.runner.isRunning, 20_000);
  });

  it('the status bar reads the root itself: a CLI snapshot into the same root shows with its label', async () => {
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    fs.appendFileSync(path.join(workspaceFolder().uri.fsPath, 'README.md'), '\nedited before a cron run\n');
    await promisify(execFile)(process.execPath, [cli, 'snapshot', workspaceFolder().uri.fsPath, root, '--label', 'nightly from cron']);
    await waitFor('the status bar to show the CLI snapshot', () => /nightly from cron/.test(api.statusBar.text), 15_000);
    assert.match(api.statusBar.text, /now|sec|min/);
    assert.equal(api.treeView.visible, false);
  });

  it('Snapshot workspace with nothing changed asks "take one anyway?"; No makes nothing', async () => {
    const asked: string[] = [];
    api.hooks.takeAnyway = (latest) => (asked.push(latest), false);
    try {
      const before = await names();
      const result = await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace');
      assert.equal(result, undefined);
      assert.deepEqual(asked, [before[before.length - 1]], 'asked, naming the latest snapshot');
      assert.deepEqual(await names(), before);
    } finally {
      delete api.hooks.takeAnyway;
    }
  });

  it('the first Snapshot workspace asks once "Keep history automatically?"; Yes switches it on, settings still rule', async () => {
    let asked = 0;
    api.hooks.keepHistory = () => (asked++, true);
    api.hooks.takeAnyway = () => true;
    try {
      assert.equal(api.auto.enabled, false);
      assert.ok(await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace'));
      await waitFor('automatic history to be on', () => api.auto.enabled, 5_000);
      assert.deepEqual(api.auto.schedule(workspaceFolder()), { minutes: 10, idleSeconds: 30 });
      assert.ok(await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace'));
      assert.equal(asked, 1, 'asked once');
      // Settings rule over the answer (and keep the rest of the suite free of background snapshots).
      await config().update('autoSnapshotMinutes', 0, vscode.ConfigurationTarget.Global);
      await config().update('snapshotAfterSaveIdleSeconds', 0, vscode.ConfigurationTarget.Global);
      assert.equal(api.auto.enabled, false);
    } finally {
      delete api.hooks.keepHistory;
      delete api.hooks.takeAnyway;
    }
  });

  it('Snapshot with label…: the label is kept (trigger manual) and shows in the tree', async () => {
    api.hooks.snapshotLabel = () => 'before the refactoring';
    try {
      const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWithLabel')) as RunResult;
      assert.ok(result?.name, api.shownErrors.join(' | '));
      const meta = await readSnapshotMeta(root, result.name);
      assert.equal(meta?.label, 'before the refactoring');
      assert.equal(meta?.trigger, 'manual');
      await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
      const node = await waitFor('the snapshot in the tree', async () => (await treeRows(api)).find((n) => n.kind === 'snapshot' && n.snapshot.name === result.name));
      const item = await api.tree.getTreeItem(node);
      assert.match(String(item.description), /before the refactoring/);
      assert.match(api.statusBar.text, /before the refactoring/);
      await screenshot('auto-history-labelled');
    } finally {
      delete api.hooks.snapshotLabel;
    }
  });
});
