import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CompareOutcome } from '../../src/extension/history/compare';
import type { SnapshotsNode } from '../../src/extension/snapshots/snapshotsTree';
import { fromSnapshotUri } from '../../src/extension/history/snapshotUri';
import type { PathPickItem } from '../../src/extension/history/workspaceChanges';
import { activateExtension, testBackupRoot, treeRows, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { shortDateTime, snapshotTime } from '../../src/extension/timeFormat';
import { snapshotChangesTitle, workspaceChangesTitle } from '../../src/extension/history/workspaceChanges';
import type { SnapshotDiffState } from '../../src/extension/history/snapshotDiffContext';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import { readSnapshotMeta } from '../support/core';
import { writeSnapshotMeta } from '../../src/core/root/local/notes';

const REL = 'notes/history.txt';

function activeDiff(): vscode.TabInputTextDiff | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input : undefined;
}

const matches = (state: SnapshotDiffState, want: SnapshotDiffState) => (JSON.stringify(state) === JSON.stringify(want) ? true : undefined);
const activeLabel = () => vscode.window.tabGroups.activeTabGroup.activeTab?.label;

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

  /** The rows "Compare with snapshot" offers for the file, none picked. */
  async function versionsOffered(): Promise<CompareOutcome['items']> {
    let offered: CompareOutcome['items'] = [];
    api.hooks.pickVersion = (items) => {
      offered = items;
      return undefined;
    };
    await vscode.commands.executeCommand('rsyncSnapshots.compareWithSnapshot', vscode.Uri.file(file));
    return offered;
  }

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
    assert.match(offered[0].detail ?? '', /identical to current/);
    assert.match(offered[0].description ?? '', /identical to current/);
    assert.ok(
      offered.slice(1).every((i) => !/identical to current/.test(`${i.description} ${i.detail}`)),
      'only the current version is marked',
    );
    // Taken seconds apart, the versions read the same age ("just now"): each row also shows its time.
    assert.strictEqual(new Set(offered.map((i) => i.label)).size, offered.length, offered.map((i) => i.label).join(' | '));
    assert.ok(
      offered.every((i) => /\(\d\d:\d\d:\d\d\)$/.test(i.label)),
      offered.map((i) => i.label).join(' | '),
    );

    const diff = await waitFor('diff editor', activeDiff);
    assert.strictEqual(diff.original.scheme, 'rsync-snapshot');
    assert.strictEqual(fromSnapshotUri(diff.original).snapshot, taken[1]);
    assert.strictEqual(diff.modified.fsPath, file);
    const left = vscode.workspace.textDocuments.find((d) => d.uri.toString() === diff.original.toString());
    assert.strictEqual(left?.getText(), 'version one\n');
    assert.match(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '', /^history\.txt \(\d{4}-\d\d-\d\d \d\d:\d\d\) ↔ history\.txt \(Working Tree\)$/);
    // The oldest version: "older" is disabled (not a notification), "newer" enabled.
    await waitFor('older disabled, newer enabled', () => matches(api.diffContext.state, { inSnapshotDiff: true, hasOlder: false, hasNewer: true }));
    await screenshot('compare-diff', { readme: true });

    // The buttons in the diff title: step to the newer version.
    await vscode.commands.executeCommand('rsyncSnapshots.newerVersion');
    await waitFor('newer version on the left', () => (activeDiff() && fromSnapshotUri(activeDiff()!.original).snapshot === taken[3] ? true : undefined));
    await waitFor('both enabled in the middle', () => matches(api.diffContext.state, { inSnapshotDiff: true, hasOlder: true, hasNewer: true }));
    await vscode.commands.executeCommand('rsyncSnapshots.newerVersion');
    await waitFor('the newest version on the left', () => (activeDiff() && fromSnapshotUri(activeDiff()!.original).snapshot === taken[4] ? true : undefined));
    await waitFor('newer disabled at the newest version', () => matches(api.diffContext.state, { inSnapshotDiff: true, hasOlder: true, hasNewer: false }));
    // At the end the command does nothing: no notification, no error, the diff stays.
    const errors = api.shownErrors.length;
    await vscode.commands.executeCommand('rsyncSnapshots.newerVersion');
    assert.strictEqual(fromSnapshotUri(activeDiff()!.original).snapshot, taken[4]);
    assert.strictEqual(api.shownErrors.length, errors);
  });

  it('the version picker shows the labels of the snapshots each version stands for', async () => {
    const root = await testBackupRoot();
    const meta = await readSnapshotMeta(root, taken[3]);
    await writeSnapshotMeta(root, taken[3], { ...meta, label: 'mid-refactor' });
    try {
      const offered = await versionsOffered();
      const row = offered.find((i) => i.version.snapshots.includes(taken[3]));
      assert.match(row?.description ?? '', /^“mid-refactor” · /);
      assert.ok(
        offered.filter((i) => i !== row).every((i) => !/“/.test(i.description ?? '')),
        'only the labelled version says it',
      );
    } finally {
      await writeSnapshotMeta(root, taken[3], meta ?? {});
    }
  });

  it('"Compare with previous version" from a snapshot file diffs the version before it', async () => {
    const listing = await api.tree.listing(workspaceFolder());
    const uri = vscode.Uri.from({ scheme: 'rsync-snapshot', path: `/${REL}`, query: JSON.stringify({ root: listing!.root, snapshot: taken[4] }) });
    await vscode.commands.executeCommand('rsyncSnapshots.compareWithPreviousVersion', uri);
    const diff = await waitFor('diff', () => (activeDiff() && fromSnapshotUri(activeDiff()!.modified).snapshot === taken[4] ? activeDiff() : undefined));
    assert.strictEqual(fromSnapshotUri(diff.original).snapshot, taken[3]);
    // Left is the version since taken[2], right taken[4]: seconds only when both fall in the same minute.
    const [left, right] = [snapshotTime(taken[2])!, snapshotTime(taken[4])!];
    const sameMinute = shortDateTime(left) === shortDateTime(right);
    assert.strictEqual(vscode.window.tabGroups.activeTabGroup.activeTab?.label, `history.txt (${shortDateTime(left, sameMinute)}) ↔ history.txt (${shortDateTime(right, sameMinute)})`);
    if (sameMinute) assert.match(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '', /:\d\d:\d\d\) ↔ .*:\d\d:\d\d\)$/);
    await screenshot('diff-title-seconds');
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
    const nodes = await treeRows(api);
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
    const nodes = await treeRows(api);
    const first = nodes.find((n) => n.kind === 'snapshot' && n.snapshot.name === taken[0])!;
    let items: PathPickItem[] = [];
    api.hooks.pickPath = (offered) => {
      items = offered;
      return undefined;
    };
    items = (await vscode.commands.executeCommand('rsyncSnapshots.compareWithWorkspace', first)) as PathPickItem[];
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
      const offered = await versionsOffered();
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
      const newest = (await treeRows(api)).find((n) => n.kind === 'snapshot' && n.snapshot.name === result.name)!;
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

  it('the version picker previews each version as you move through it, without taking the focus', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const picking = vscode.commands.executeCommand('rsyncSnapshots.compareWithSnapshot', vscode.Uri.file(file)) as Thenable<CompareOutcome>;
    // The first row (the newest version, identical to the file) is previewed at once.
    // (a later test took one more snapshot of the same content: the version's newest copy may be that one)
    await waitFor('preview of the newest version', () => (activeDiff() && fromSnapshotUri(activeDiff()!.original).snapshot >= taken[4] ? true : undefined));
    await screenshot('picker-identical-to-current');
    await vscode.commands.executeCommand('quickInput.next');
    await waitFor('preview of the next version', () => (activeDiff() && fromSnapshotUri(activeDiff()!.original).snapshot === taken[3] ? true : undefined));
    assert.strictEqual(activeDiff()!.modified.fsPath, file);
    assert.match(activeLabel() ?? '', /↔ history\.txt \(Working Tree\)$/);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const outcome = await picking;
    assert.strictEqual(outcome.chosen, undefined, 'closing the picker chooses nothing');
    assert.strictEqual(outcome.items.length, 3);
  });

  it('"Open changes" on "Changed in this snapshot" and "Compare with workspace" open the multi-diff editor', async () => {
    const nodes = await treeRows(api);
    const third = nodes.find((n) => n.kind === 'snapshot' && n.snapshot.name === taken[2])!;
    const changesNode = (await api.tree.getChildren(third)).find((c) => c.kind === 'changes')!;
    const count = await vscode.commands.executeCommand('rsyncSnapshots.openChanges', changesNode);
    assert.strictEqual(count, 1, `errors: ${api.shownErrors.join(' | ')}`);
    const changesTitle = snapshotChangesTitle(taken[1], taken[2]);
    assert.match(changesTitle, /^Changed in \d{4}-\d\d-\d\d \d\d:\d\d:\d\d since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // The multi-diff editor adds the count of files to the title.
    await waitFor('multi-diff editor of the snapshot', () => (activeLabel() === `${changesTitle} (1 file)` ? true : undefined)).catch((err) => {
      throw new Error(`${err.message}: tabs ${vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => `${t.label}${t.isActive ? '*' : ''}`)).join(' | ')}`);
    });
    await screenshot('multi-diff-changed-in-snapshot');

    fs.writeFileSync(path.join(workspaceFolder().uri.fsPath, 'notes', 'added-later.txt'), 'new\n');
    try {
      const first = nodes.find((n) => n.kind === 'snapshot' && n.snapshot.name === taken[0])!;
      const items = (await vscode.commands.executeCommand('rsyncSnapshots.compareWithWorkspace', first)) as PathPickItem[];
      assert.deepStrictEqual(
        items.filter((i) => i.path === REL || i.path === 'notes/added-later.txt').map((i) => [i.path, i.change]),
        [
          [REL, 'M'],
          ['notes/added-later.txt', 'A'],
        ],
      );
      const title = workspaceChangesTitle(taken[0]);
      assert.match(title, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ↔ Working Tree$/);
      await waitFor('multi-diff editor against the workspace', () => (activeLabel() === `${title} (${items.length} files)` ? true : undefined));
      await screenshot('multi-diff-compare-with-workspace');
    } finally {
      fs.rmSync(path.join(workspaceFolder().uri.fsPath, 'notes', 'added-later.txt'));
    }
  });

  it('a snapshot file opened from the view says which snapshot it is from', async () => {
    const nodes = await treeRows(api);
    const snap = nodes.find((n) => n.kind === 'snapshot' && n.snapshot.name === taken[2])!;
    const notes = (await api.tree.getChildren(snap)).find((c) => c.kind === 'entry' && c.path === 'notes')!;
    const entry = (await api.tree.getChildren(notes)).find((c) => c.kind === 'entry' && c.path === REL)!;
    const item = await api.tree.getTreeItem(entry);
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    const want = `history.txt (${shortDateTime(snapshotTime(taken[2])!, true)})`;
    await waitFor(`a tab "${want}"`, () => (activeLabel() === want ? true : undefined));
    // Also a tab VS Code opens by itself (after a reload, from a link) says it: the label formatter reads the URI's time.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('vscode.open', item.command!.arguments![0]);
    await waitFor(`an untitled open reads "${want}"`, () => (activeLabel() === want ? true : undefined)).catch((err) => {
      throw new Error(`${err.message}: tab reads ${activeLabel()}`);
    });
    await screenshot('snapshot-file-tab');
    assert.match(item.accessibilityInformation?.label ?? '', new RegExp(`^File notes/history\\.txt in snapshot ${shortDateTime(snapshotTime(taken[2])!, true)}$`));
  });
});
