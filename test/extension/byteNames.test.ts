import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotsNode } from '../../src/extension/snapshots/snapshotsTree';
import { activateExtension, testBackupRoot, treeRows, workspaceFolder } from './helpers';
import type { SnapshotResult } from '../../src/core/snapshot/types';

/** Issue 12, item 3: a file name that is not UTF-8 shows escaped in the Snapshots view, and opens. */
describe('Names that are not UTF-8 in the Snapshots view of a real VS Code', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let dir: string;
  const badFile = () => Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0xff, 0xfe])]);

  before(async () => {
    await testBackupRoot();
    api = await activateExtension();
    dir = path.join(workspaceFolder().uri.fsPath, 'names-fixture');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'plain.txt'), 'plain\n');
  });
  // The folder stays (the runner's workspace is a fresh copy): removed, it would be a "deleted file" for later suites.

  const snap = async () => {
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
    return result.name;
  };

  it('lists \\xff\\xfe escaped in the snapshot and in "Changed in this snapshot", and opens it', async () => {
    await snap();
    fs.writeFileSync(badFile(), 'bad name\n');
    const name = await snap();
    const snapshotNode = (await treeRows(api)).find((n) => n.kind === 'snapshot' && n.snapshot.name === name)!;
    const top = await api.tree.getChildren(snapshotNode);
    const folder = top.find((n) => n.kind === 'entry' && n.path === 'names-fixture');
    assert.ok(folder, JSON.stringify(top.map((n) => n.kind === 'entry' && n.path)));
    const entries = await api.tree.getChildren(folder);
    const labels = await Promise.all(entries.map(async (e) => String((await api.tree.getTreeItem(e)).label)));
    assert.deepStrictEqual([...labels].sort(), ['\\xff\\xfe', 'plain.txt']);
    const badItem = await api.tree.getTreeItem(entries[labels.indexOf('\\xff\\xfe')]);
    const uri = badItem.command?.arguments?.[0] as vscode.Uri;
    assert.ok(uri, 'the entry opens a snapshot URI');
    assert.strictEqual(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString(), 'bad name\n');

    const changesNode = top.find((n) => n.kind === 'changes')!;
    const changed = (await api.tree.getChildren(changesNode)) as Extract<SnapshotsNode, { kind: 'changed' }>[];
    const items = await Promise.all(changed.map((c) => api.tree.getTreeItem(c)));
    assert.deepStrictEqual(
      items.map((i) => [i.label, i.description]),
      [['\\xff\\xfe', 'names-fixture']],
    );
  });
});
