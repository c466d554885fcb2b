import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RestorePanel } from '../../src/extension/restore/restorePanel';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import { activateExtension, testBackupRoot, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { webviewText } from './webviewText';
import { readSnapshotMeta } from '../support/core';

/**
 * The whole workspace: every entry's kind and content (or link text), so a missing or extra file shows too. Names are
 * walked as bytes (another suite leaves names that are not UTF-8 in the workspace).
 */
function wholeTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: Buffer, rel: string) => {
    for (const name of fs.readdirSync(abs, { encoding: 'buffer' })) {
      const full = Buffer.concat([abs, Buffer.from('/'), name]);
      const key = `${rel}${name.toString('latin1')}`;
      const st = fs.lstatSync(full);
      out[key] = st.isSymbolicLink()
        ? `link ${fs.readlinkSync(full, { encoding: 'buffer' }).toString('base64')}`
        : st.isFile()
          ? `file ${fs.readFileSync(full).toString('base64')}`
          : st.isDirectory()
            ? 'dir'
            : 'other';
      if (st.isDirectory()) walk(full, `${key}/`);
    }
  };
  walk(Buffer.from(dir), '');
  return out;
}

describe('Undo restore in a real VS Code', function () {
  this.timeout(120_000);
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;
  let dir: string;

  before(async () => {
    root = await testBackupRoot();
    api = await activateExtension();
    dir = path.join(workspaceFolder().uri.fsPath, 'undo-fixture');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'kept.txt'), 'kept in the snapshot\n');
    fs.writeFileSync(path.join(dir, 'gone-later.txt'), 'deleted after the snapshot\n');
    fs.writeFileSync(path.join(dir, 'sub', 'deep.txt'), 'deep v1\n');
  });

  after(() => {
    delete api.hooks.pickSnapshot;
    api.restorePanel()?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restore → Undo restore (a click on the restore page) → the workspace is byte-identical to before the restore', async () => {
    const snap = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(snap?.name, api.shownErrors.join(' | '));
    // Work goes on after the snapshot: an edit, a deletion, new files and a new folder.
    fs.writeFileSync(path.join(dir, 'kept.txt'), 'edited after the snapshot\n');
    fs.rmSync(path.join(dir, 'gone-later.txt'));
    fs.writeFileSync(path.join(dir, 'new.txt'), 'created after the snapshot\n');
    fs.mkdirSync(path.join(dir, 'newdir'));
    fs.writeFileSync(path.join(dir, 'newdir', 'inner.txt'), 'inner\n');
    fs.writeFileSync(path.join(dir, 'sub', 'deep.txt'), 'deep v2, longer\n');
    const workspace = workspaceFolder().uri.fsPath;
    const beforeRestore = wholeTree(workspace);

    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === snap.name);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(dir));
    const panel = await waitFor('restore panel', () => api.restorePanel());
    await waitFor('plan rendered', () => panel.plan && panel.rendered?.planId === panel.plan.id);
    await panel.receive({ type: 'setDelete', value: true });
    await waitFor('the --delete plan rendered', () => panel.plan!.delete && panel.rendered?.planId === panel.plan!.id);
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [] });
    const result = await waitFor('restore result', () => panel.result);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'kept.txt'), 'utf8'), 'kept in the snapshot\n');
    assert.ok(fs.existsSync(path.join(dir, 'gone-later.txt')) && !fs.existsSync(path.join(dir, 'new.txt')) && !fs.existsSync(path.join(dir, 'newdir')));
    assert.ok(result.undo, 'the result offers an undo');
    assert.strictEqual((await readSnapshotMeta(root, result.safetySnapshot!))?.trigger, 'pre-restore');
    await waitFor('the page shows the result', () => panel.posted.some((m) => m.type === 'applied'));
    await screenshot('restore-done-with-undo');

    // A person's click on "Undo restore" on the page shows the review of the undo (on the one restore page, reused).
    console.log('[[webview-click:#undo-restore]]');
    const undo = await waitFor(
      'the undo review page',
      () => {
        const shown = api.restorePanel();
        return shown?.plan?.snapshot === result.safetySnapshot ? shown : undefined;
      },
      20_000,
    );
    await waitFor('undo plan rendered', () => undo.plan && undo.rendered?.planId === undo.plan.id, 20_000);
    const plan = undo.plan!;
    assert.strictEqual(plan.snapshot, result.safetySnapshot, 'built from the safety snapshot');
    const touched = new Set(result.undo!.paths);
    for (const item of plan.items) assert.ok(touched.has(item.path), `${item.path} was not changed by the restore`);
    const kinds = Object.fromEntries(plan.items.map((i) => [i.path, i.kind]));
    assert.strictEqual(kinds['gone-later.txt'], 'delete', 'a file the restore created is deleted again');
    assert.strictEqual(kinds['new.txt'], 'create');
    assert.strictEqual(kinds['kept.txt'], 'overwrite');
    assert.deepStrictEqual(wholeTree(workspace) === beforeRestore, false);
    await screenshot('undo-restore-review');
    const page = await webviewText('undo-restore-page', '#app');
    if (page !== undefined) {
      assert.match(page, /^Undo restore\n/, page);
      assert.doesNotMatch(page, /--delete\)/, 'the undo plan decides what is deleted: no --delete box');
      assert.match(page, /\b1 new folder\b(?!s)/);
      assert.match(page, /Apply undo: 6 selected/);
    }

    console.log('[[webview-click:#apply]]');
    const undone = await waitFor('the undo applied', () => (undo as RestorePanel).result, 30_000);
    assert.deepStrictEqual(undone.failed, []);
    assert.deepStrictEqual(wholeTree(workspace), beforeRestore, 'byte-identical to before the restore');
  });
});
