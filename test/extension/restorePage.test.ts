import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RestorePanel } from '../../src/extension/restore/restorePanel';
import { fromSnapshotUri, isSnapshotUri } from '../../src/extension/history/snapshotUri';
import { snapshotDateTime } from '../../src/extension/timeFormat';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import { activateExtension, sleep, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { webviewText } from './webviewText';

/** What a person sees and does on the restore page: read from the page itself, clicked and typed like a person. */
describe('The restore page, as a person uses it', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let dir: string;
  let rel: string;

  const snap = async () => {
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
    await sleep(1100); // one snapshot per second: names are times
    return result.name;
  };
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  };
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

  async function openedPanel(previous?: string): Promise<RestorePanel> {
    const panel = await waitFor('restore panel', () => api.restorePanel());
    await waitFor('webview rendered the plan', () => panel.plan && panel.plan.id !== previous && panel.rendered?.planId === panel.plan.id, 20_000);
    return panel;
  }
  const restoreTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('rsyncSnapshots.restore'));

  before(async () => {
    api = await activateExtension();
    rel = 'page-fixture';
    dir = path.join(workspaceFolder().uri.fsPath, rel);
    fs.mkdirSync(dir, { recursive: true });
  });

  afterEach(() => {
    delete api.hooks.pickVersion;
    delete api.hooks.pickSnapshot;
    delete api.hooks.copyName;
  });

  after(() => api.restorePanel()?.dispose());

  it('restores exactly the snapshot picked ("16:36, in 2 snapshots" restores from 16:36), with no --delete box for a file, and the diff reads current → restored', async () => {
    write('app.js', 'const a = 1;\nconst fromTheSnapshot = true;\n');
    const first = await snap();
    const second = await snap(); // app.js unchanged: one version in two snapshots
    write('app.js', 'const a = 1;\nconst addedSince = true;\n');
    let offered: { first: string; last: string; count: number } | undefined;
    api.hooks.pickVersion = (items) => {
      const pick = items.find((i) => i.version.snapshots.includes(first));
      if (pick) offered = { first: pick.version.firstSnapshot, last: pick.version.lastSnapshot, count: pick.version.snapshots.length };
      return pick;
    };
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(path.join(dir, 'app.js')));
    const panel = await openedPanel();
    assert.deepStrictEqual(offered, { first, last: second, count: 2 }, 'the row offered spans two snapshots');
    assert.strictEqual(panel.plan!.snapshot, first, 'the snapshot the row shows is the one restored');
    const page = await webviewText('restore-file-page', '#app');
    if (page !== undefined) {
      assert.ok(page.includes(`from the snapshot of ${snapshotDateTime(first)}`), page);
      assert.doesNotMatch(page, /--delete/, 'a single file gets no --delete box');
      assert.match(page, /Apply restore: 1 selected/);
    }

    console.log('[[webview-click:button[aria-label="Show diff of app.js"]]]');
    const diff = await waitFor('the diff tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    });
    assert.strictEqual(diff.original.scheme, 'file', 'left: the file as it is now');
    assert.strictEqual(diff.original.fsPath, path.join(dir, 'app.js'));
    assert.ok(isSnapshotUri(diff.modified), 'right: the file as the restore makes it');
    assert.strictEqual(fromSnapshotUri(diff.modified).snapshot, first);
    assert.match(vscode.window.tabGroups.activeTabGroup.activeTab!.label, /app\.js \(current\) ↔ app\.js \(restored from /);
    await sleep(800);
    await screenshot('restore-diff', { readme: true });
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('the button counts what the filter hides; unchecking a file inside a folder to delete keeps the folder and says so; Apply does what the page shows', async () => {
    for (const name of ['a.txt', 'b.txt', 'notes.md']) write(name, `${name} in the snapshot\n`);
    const snapshot = await snap();
    for (const name of ['a.txt', 'b.txt', 'notes.md']) write(name, `${name} edited\n`);
    write('lib/helper.js', 'keep me\n');
    write('lib/old.js', 'delete me\n');
    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === snapshot);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(dir));
    let panel = await openedPanel();
    console.log('[[webview-click:#delete]]');
    panel = await openedPanel(panel.plan!.id);
    assert.deepStrictEqual(
      panel
        .plan!.items.filter((i) => i.kind === 'delete')
        .map((i) => i.path)
        .sort(),
      ['lib', 'lib/helper.js', 'lib/old.js'],
    );

    console.log('[[webview-fill:input[aria-label="Filter paths"]=>.txt]]');
    await waitFor('the filter applied', async () => /hidden by the filter/.test((await webviewText('apply-filtered', '#apply')) ?? 'no runner'), 20_000);
    const filtered = await webviewText('apply-filtered', '#apply');
    if (filtered !== undefined) assert.strictEqual(filtered.trim(), 'Apply restore: 6 selected, 4 hidden by the filter');
    console.log('[[webview-fill:input[aria-label="Filter paths"]=>]]');
    await sleep(500);

    console.log('[[webview-click:input[aria-label="Restore lib/helper.js"]]]');
    await waitFor('the folder kept', async () => /kept: it still holds lib\/helper\.js/.test((await webviewText('lib-row', '[data-path="lib"]')) ?? 'no runner'), 20_000);
    const button = await webviewText('apply-kept', '#apply');
    if (button !== undefined) assert.strictEqual(button.trim(), 'Apply restore: 4 selected');
    await screenshot('restore-page', { readme: true });

    console.log('[[webview-click:#apply]]');
    const result = await waitFor('the restore the Apply click asked for', () => panel.result, 30_000);
    assert.deepStrictEqual(result.skipped.sort(), ['lib', 'lib/helper.js']);
    assert.deepStrictEqual(result.deleted, ['lib/old.js']);
    assert.strictEqual(read('lib/helper.js'), 'keep me\n');
    assert.strictEqual(read('a.txt'), 'a.txt in the snapshot\n');
    const done = await webviewText('restore-done', '#app');
    if (done !== undefined) {
      assert.match(done, /Restore done/);
      assert.match(done, /3 restored, 1 deleted, 2 left out/);
      assert.doesNotMatch(done, /null|undefined/);
    }
  });

  it('works from the keyboard: Space leaves an item out and the focus stays on it, Space again brings it back, Enter applies', async () => {
    for (const name of ['k1.txt', 'k2.txt']) write(name, `${name} in the snapshot\n`);
    const snapshot = await snap();
    for (const name of ['k1.txt', 'k2.txt']) write(name, `${name} edited\n`);
    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === snapshot);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(dir));
    const panel = await openedPanel();
    const all = panel.plan!.items.length;
    assert.ok(all >= 2, JSON.stringify(panel.plan!.items));
    const apply = async (name: string) => (await webviewText(name, '#apply'))?.trim();
    console.log('[[webview-press:input[aria-label="Restore k1.txt"]=>Space]]');
    await waitFor('k1.txt left out', async () => (await apply('key-out')) === `Apply restore: ${all - 1} selected` || undefined, 20_000);
    console.log('[[key:Space]]'); // wherever the focus is now: still on k1.txt's checkbox
    await waitFor('k1.txt back', async () => (await apply('key-back')) === `Apply restore: ${all} selected` || undefined, 20_000);
    console.log('[[webview-press:input[aria-label="Restore k2.txt"]=>Space]]');
    await waitFor('k2.txt left out', async () => (await apply('key-out2')) === `Apply restore: ${all - 1} selected` || undefined, 20_000);
    console.log('[[webview-press:#apply=>Enter]]');
    const result = await waitFor('the restore Enter asked for', () => panel.result, 30_000);
    assert.deepStrictEqual(result.skipped, ['k2.txt']);
    assert.strictEqual(read('k1.txt'), 'k1.txt in the snapshot\n');
    assert.strictEqual(read('k2.txt'), 'k2.txt edited\n');
  });

  it('"Preview again" on the page when the target changed after the preview; the new preview applies', async () => {
    write('c.txt', 'snapshot c\n');
    const snapshot = await snap();
    write('c.txt', 'edited c\n');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(path.join(dir, 'c.txt')));
    const panel = await openedPanel();
    const stale = panel.plan!.id;
    write('c.txt', 'edited again after the preview\n');
    console.log('[[webview-click:#apply]]');
    await waitFor('the refusal', () => panel.posted.find((m) => m.type === 'error' && m.stale));
    const alert = await webviewText('stale', '#problem');
    if (alert !== undefined) assert.match(alert, /changed since the restore preview[\s\S]*Preview again/);
    assert.strictEqual(read('c.txt'), 'edited again after the preview\n');
    await screenshot('restore-preview-again');
    console.log('[[webview-click:#preview-again]]');
    await openedPanel(stale);
    console.log('[[webview-click:#apply]]');
    const result = await waitFor('the restore after the new preview', () => panel.result, 30_000);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(read('c.txt'), 'snapshot c\n');
  });

  it('"Restore as copy…" takes the name given, says where the copy went, and "Open copy" opens it — on the same page, not a new tab', async () => {
    write('report.txt', 'report in the snapshot\n');
    const snapshot = await snap();
    write('report.txt', 'report now\n');
    const tabsBefore = restoreTabs().length;
    const pageBefore = api.restorePanel();
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(snapshot));
    let suggested = '';
    api.hooks.copyName = (name) => {
      suggested = name;
      return 'report-from-monday.txt';
    };
    await vscode.commands.executeCommand('rsyncSnapshots.restoreAsCopy', vscode.Uri.file(path.join(dir, 'report.txt')));
    const panel = await openedPanel();
    assert.match(suggested, /^report\.restored-\d{4}-\d\d-\d\d\.txt$/);
    assert.strictEqual(panel.plan!.target, path.join(dir, 'report-from-monday.txt'));
    assert.strictEqual(restoreTabs().length, Math.max(1, tabsBefore), 'the one restore page is reused');
    if (pageBefore) assert.strictEqual(panel, pageBefore, 'the same page shows the new restore');
    console.log('[[webview-click:#apply]]');
    await waitFor('the copy', () => panel.result, 30_000);
    const done = await webviewText('copy-done', '#app');
    if (done !== undefined) {
      assert.match(done, /Copy restored/);
      assert.match(done, /Copy written to .*report-from-monday\.txt/);
      assert.match(done, /Open copy/);
      assert.doesNotMatch(done, /null|undefined/);
    }
    await screenshot('restore-copy-done');
    console.log('[[webview-click:#open-copy]]');
    const editor = await waitFor('the copy opened', () => (vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('report-from-monday.txt') ? vscode.window.activeTextEditor : undefined));
    assert.strictEqual(editor.document.getText(), 'report in the snapshot\n');
    assert.strictEqual(read('report.txt'), 'report now\n', 'the original is not touched');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    fs.rmSync(path.join(dir, 'report-from-monday.txt'));
  });

  it('the folder picker lists each distinct state once (the newest restore one too) and marks snapshots taken before a restore', async () => {
    const sub = 'picker';
    write(`${sub}/f.txt`, 'one\n');
    const a = await snap();
    write('outside.txt', `${Date.now()}\n`); // a change outside the folder only
    const b = await snap();
    write(`${sub}/f.txt`, 'two\n');
    const c = await snap();
    // A restore of the folder from a: its safety snapshot holds "two", like c.
    api.hooks.pickSnapshot = (items) => items.find((i) => i.snapshot.name === a);
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(path.join(dir, sub)));
    let panel = await openedPanel();
    await panel.receive({ type: 'apply', planId: panel.plan!.id, exclude: [] });
    const safety = (await waitFor('the restore', () => panel.result, 30_000)).safetySnapshot!;
    assert.strictEqual(read(`${sub}/f.txt`), 'one\n');

    let offered: { name: string; label: string; description?: string; detail?: string }[] = [];
    api.hooks.pickSnapshot = (items) => {
      offered = items.map((i) => ({ name: i.snapshot.name, label: i.label, description: i.description, detail: i.detail }));
      return undefined;
    };
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(path.join(dir, sub)));
    const names = offered.map((o) => o.name);
    assert.ok(names.includes(a) && !names.includes(b), `a and b are one row (${names.join(', ')})`);
    assert.ok(!names.includes(safety), 'the safety snapshot holds what c holds: one row');
    const row = offered.find((o) => o.name === c)!;
    assert.match(row.description ?? '', /taken before a restore/);
    assert.match(row.label, /\$\(shield\)/);
    assert.match(offered.find((o) => o.name === a)!.detail ?? '', /same in 2 snapshots/);
    assert.strictEqual(new Set(names).size, names.length);
    panel = api.restorePanel()!;
    assert.ok(panel, 'the page stays open');
  });
});
