import assert from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotsNode } from '../../src/extension/snapshots/snapshotsTree';
import { formatSnapshotName } from '../../src/core/root/format';
import { groupOf } from '../../src/extension/snapshots/snapshotGroups';
import { writeSnapshotMeta } from '../../src/core/root/local/notes';
import { activateExtension, waitFor } from './helpers';
import { screenshot } from './screenshot';

/** The Snapshots view of a root with 10,000 snapshots (ten minutes apart, ~70 days): grouped by time, lazily. */
describe('Snapshots view grouped by time, at 10,000 snapshots, in a real VS Code', function () {
  this.timeout(120_000);
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;
  let savedRoot: string | undefined;
  const names: string[] = [];
  const config = () => vscode.workspace.getConfiguration('rsyncSnapshots');

  before(async () => {
    api = await activateExtension();
    savedRoot = config().inspect<string>('backupRoot')?.globalValue;
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ext-groups-')), 'backups');
    fs.mkdirSync(root);
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) {
      const name = formatSnapshotName(new Date(now - (i * 10 + 1) * 60_000));
      fs.mkdirSync(path.join(root, name));
      names.push(name); // newest first
    }
    fs.symlinkSync(names[0], path.join(root, 'latest'));
    await writeSnapshotMeta(root, names[5000], { trigger: 'manual', label: 'release 1.0', pinned: true });
    await writeSnapshotMeta(root, names[9000], { trigger: 'manual', label: 'before the migration' });
    await config().update('backupRoot', root, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('backupRoot', savedRoot, vscode.ConfigurationTarget.Global);
  });

  it('shows Today, Yesterday, … as groups with counts, pins and labels; the newest open; each group lists its snapshots', async () => {
    await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
    const started = Date.now();
    const top = await waitFor('the groups', async () => {
      const nodes = await api.tree.getChildren();
      return nodes.length && nodes.every((n) => n.kind === 'group') ? nodes : undefined;
    });
    const groups = top as Extract<SnapshotsNode, { kind: 'group' }>[];
    const listed = Date.now() - started;
    assert.strictEqual(groups[0].group.title, 'Today');
    assert.strictEqual(
      groups.reduce((n, g) => n + g.group.snapshots.length, 0),
      10_000,
    );
    const items = await Promise.all(groups.map((g) => api.tree.getTreeItem(g)));
    assert.strictEqual(items[0].collapsibleState, vscode.TreeItemCollapsibleState.Expanded, 'the newest group is open');
    assert.ok(
      items.slice(1).every((i) => i.collapsibleState === vscode.TreeItemCollapsibleState.Collapsed),
      'the others open on demand',
    );
    assert.match(String(items[0].description), /^\d+ snapshots?\b/);
    // The pinned-and-labelled and the labelled snapshot are easy to spot from their groups.
    const pinnedGroup = groupOf(new Date(Date.now() - (5000 * 10 + 1) * 60_000), new Date()).title;
    const i = groups.findIndex((g) => g.group.title === pinnedGroup);
    assert.match(String(items[i].description), /1 pinned · 1 labelled/);
    // Each group's children are exactly its snapshots, newest first; an item reads its notes from the one pass.
    const opened = Date.now();
    const children = await api.tree.getChildren(groups[i]);
    assert.deepStrictEqual(
      children.map((c) => (c.kind === 'snapshot' ? c.snapshot.name : '?')),
      groups[i].group.snapshots.map((s) => s.name),
    );
    const pinnedItem = await api.tree.getTreeItem(children.find((c) => c.kind === 'snapshot' && c.snapshot.name === names[5000])!);
    assert.match(String(pinnedItem.description), /pinned.*release 1\.0/);
    console.log(`      [grouped view at 10,000] groups listed in ${listed} ms; a group of ${children.length} opened in ${Date.now() - opened} ms`);
    // Wait until the view itself shows the groups (a reveal resolves once the item is rendered).
    await api.treeView.reveal(groups[0], { select: false, focus: false, expand: true });
    await screenshot('snapshots-grouped-10000', { readme: true });
    // Reveal finds a snapshot inside its group.
    const revealed = (await vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', root, names[9000])) as { snapshot?: { name: string } } | undefined;
    assert.strictEqual(revealed?.snapshot?.name, names[9000]);
  });
});
