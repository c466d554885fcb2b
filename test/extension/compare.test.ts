import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CompareOutcome } from '../../src/extension/compare';
import type { SnapshotsNode } from '../../src/extension/snapshotsTree';
import { fromSnapshotUri } from '../../src/extension/snapshotUri';
import type { PathPickItem } from '../../src/extension/workspaceChanges';
import { activateExtension, testBackupRoot, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import type { SnapshotResult } from '../../src/core/snapshot/types';

const REL = 'notes/history.txt';

function activeDiff(): vscode.TabInputTextDiff | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input : undefined;
}

describe('Compare with snapshot in a real VS Code', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  const taken: string[] = [];
  let file: string;

  before(async () => {
    await testBackupRoot();
    api = await activateExtension();
    file = path.join(workspaceFolder().uri.fsPath, REL);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // 5 snapshots; the file is edited before the 3rd and the 5th: 3 distinct versions.
    const contents = ['version one\n', null, 'version two\n', null, 'version three\n'];
    for (const content of contents) {
      if (content !== null) fs.writeFileSync(file, content);
      const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
      assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
      taken.push(result.name);
    }
  });

  afterEach(() => {
    delete api.hooks.pickVersion;
    delete api.hooks.pickPath;
  });

  it('offers exactly the 3 distinct versions, newest first, and opens a diff whose left side is the old content', async () => {
    let offered: CompareOutcome['items'] = [];
    api.hooks.pickVersion = (items) => {
      offered = items;
      return items[items.length - 1]; // the oldest
    };
    const outcome = (await vscode.commands.executeCommand('rsyncSnapshots.compareWithSnapshot', vscode.Uri.file(file))) as CompareOutcome;
    assert.ok(outcome, `no outcome; errors: ${api.shownErrors.join(' | ')}`);
    assert.strictEqual(offered.length, 3);
    assert.deepStrictEqual(
      offered.map((i) => [i.version.firstSnapshot, i.version.lastSnapshot]),
      [
        [taken[4], taken[4]],
        [taken[2], taken[3]],
        [taken[0], taken[1]],
      ],
    );
    assert.ok(offered[0].version.current, 'the newest version is the current file');
    assert.match(offered[0].detail ?? '', /current file unchanged since/);

    const diff = await waitFor('diff editor', activeDiff);
    assert.strictEqual(diff.original.scheme, 'rsync-snapshot');
    assert.strictEqual(fromSnapshotUri(diff.original).snapshot, taken[1]);
    assert.strictEqual(diff.modified.fsPath, file);
    const left = vscode.workspace.textDocuments.find((d) => d.uri.toString() === diff.original.toString());
    assert.strictEqual(left?.getText(), 'version one\n');
    assert.match(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '', /^history\.txt \(\d{4}-\d\d-\d\d \d\d:\d\d\) ↔ history\.txt$/);
    await screenshot('compare-diff', { readme: true });

    // ← → in the diff title: step to the newer version.
    await vscode.commands.executeCommand('rsyncSnapshots.newerVersion');
    await waitFor('newer version on the left', () => (activeDiff() && fromSnapshotUri(activeDiff()!.original).snapshot === taken[3] ? true : undefined));
  });

  it('"Compare with previous version" from a snapshot file diffs the version before it', async () => {
    const listing = await api.tree.listing(workspaceFolder());
    const uri = vscode.Uri.from({ scheme: 'rsync-snapshot', path: `/${REL}`, query: JSON.stringify({ root: listing!.root, snapshot: taken[4] }) });
    await vscode.commands.executeCommand('rsyncSnapshots.compareWithPreviousVersion', uri);
    const diff = await waitFor('diff', () => (activeDiff() && fromSnapshotUri(activeDiff()!.modified).snapshot === taken[4] ? activeDiff() : undefined));
    assert.strictEqual(fromSnapshotUri(diff.original).snapshot, taken[3]);
  });

  it('a file unchanged since the oldest snapshot says so instead of an empty list', async () => {
    const stable = path.join(workspaceFolder().uri.fsPath, 'notes', 'todo.txt');
    assert.ok(fs.existsSync(stable), 'fixture notes/todo.txt');
    let called = false;
    api.hooks.pickVersion = () => {
      called = true;
      return undefined;
    };
    const outcome = (await vscode.commands.executeCommand('rsyncSnapshots.compareWithSnapshot', vscode.Uri.file(stable))) as CompareOutcome;
    assert.match(outcome.message ?? '', /has not changed since the oldest snapshot/);
    assert.strictEqual(called, false);
  });

  it('the Snapshots view shows "Changed in this snapshot" with M for the edited file', async () => {
    const nodes = await api.tree.getChildren();
    const third = nodes.find((n) => n.kind === 'snapshot' && n.snapshot.name === taken[2])!;
    const children = await api.tree.getChildren(third);
    const changesNode = children.find((c) => c.kind === 'changes');
    assert.ok(changesNode, 'a "Changed in this snapshot" node');
    const changed = (await api.tree.getChildren(changesNode)) as Extract<SnapshotsNode, { kind: 'changed' }>[];
    assert.deepStrictEqual(
      changed.map((c) => [c.path, c.change]),
      [[REL, 'M']],
    );
    const item = await api.tree.getTreeItem(changed[0]);
    assert.strictEqual(item.command?.command, 'vscode.diff');
  });

  it('"Compare with workspace" lists what differs; "Find deleted files" finds a deleted file', async () => {
    const nodes = await api.tree.getChildren();
    const first = nodes.find((n) => n.kind === 'snapshot' && n.snapshot.name === taken[0])!;
    let items: PathPickItem[] = [];
    api.hooks.pickPath = (offered) => {
      items = offered;
      return undefined;
    };
    await vscode.commands.executeCommand('rsyncSnapshots.compareWithWorkspace', first);
    assert.ok(
      items.some((i) => i.path === REL && i.change === 'M'),
      JSON.stringify(items.map((i) => [i.path, i.change])),
    );

    const doomed = path.join(workspaceFolder().uri.fsPath, 'notes', 'todo.txt');
    const saved = fs.readFileSync(doomed);
    fs.rmSync(doomed);
    try {
      await vscode.commands.executeCommand('rsyncSnapshots.findDeletedFiles');
      assert.deepStrictEqual(
        items.map((i) => i.path),
        ['notes/todo.txt'],
      );
    } finally {
      fs.writeFileSync(doomed, saved);
    }
  });

  it('an edit that kept size and mtime is never "unchanged since" nor "identical" (bytes are compared)', async () => {
    const saved = fs.readFileSync(file);
    const times = fs.statSync(file);
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
    const tampered = Buffer.from(saved.toString('latin1').toUpperCase(), 'latin1');
    assert.strictEqual(tampered.length, saved.length);
    assert.notDeepStrictEqual(tampered, saved);
    fs.writeFileSync(file, tampered);
    fs.utimesSync(file, times.atime, times.mtime); // as cp -p / touch -r / tar do
    try {
      let offered: CompareOutcome['items'] = [];
      api.hooks.pickVersion = (items) => {
        offered = items;
        return undefined;
      };
      await vscode.commands.executeCommand('rsyncSnapshots.compareWithSnapshot', vscode.Uri.file(file));
      assert.ok(offered.length > 0, `no versions offered; errors: ${api.shownErrors.join(' | ')}`);
      assert.ok(
        offered.every((i) => !i.version.current && !/unchanged since/.test(i.detail ?? '')),
        JSON.stringify(offered.map((i) => i.detail)),
      );

      let items: PathPickItem[] = [];
      api.hooks.pickPath = (list) => {
        items = list;
        return undefined;
      };
      const newest = (await api.tree.getChildren()).find((n) => n.kind === 'snapshot' && n.snapshot.name === result.name)!;
      const listed = (await vscode.commands.executeCommand('rsyncSnapshots.compareWithWorkspace', newest)) as PathPickItem[];
      assert.deepStrictEqual(
        (listed ?? items).map((i) => [i.path, i.change]),
        [[REL, 'M']],
      );
    } finally {
      fs.writeFileSync(file, saved);
      fs.utimesSync(file, times.atime, times.mtime);
    }
  });
});
