import assert from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotsNode } from '../../src/extension/snapshots/snapshotsTree';
import { checkOwnRoot } from '../../src/extension/snapshots/snapshotRunner';
import { toSnapshotUri } from '../../src/extension/history/snapshotUri';
import { activateExtension, testBackupRoot, treeRows, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { listSnapshots } from '../support/core';
import type { SnapshotResult } from '../../src/core/snapshot/types';

describe('Snapshots view and "Snapshot workspace" in a real VS Code', function () {
  let root: string;
  let api: Awaited<ReturnType<typeof activateExtension>>;

  before(async () => {
    root = await testBackupRoot();
    api = await activateExtension();
  });

  it('activates lazily: on the view, or after startup (never "*")', () => {
    const pkg = vscode.extensions.getExtension('rsync-snapshots.rsync-snapshots')!.packageJSON as { activationEvents: string[] };
    assert.ok(!pkg.activationEvents.includes('*'), 'never "*" activation');
    assert.ok(pkg.activationEvents.includes('onView:rsyncSnapshots.snapshots'));
    assert.ok(pkg.activationEvents.includes('onStartupFinished'), 'automatic history runs without the view ever being opened');
  });

  it('"Snapshot workspace" writes a finished snapshot, moves latest, and the view lists it newest first', async () => {
    const folder = workspaceFolder();
    const first = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(first?.name, `no result; errors shown: ${api.shownErrors.join(' | ')}`);
    fs.appendFileSync(path.join(folder.uri.fsPath, 'README.md'), '\nchanged by the test\n');
    const second = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(second?.name && second.name > first.name);
    assert.strictEqual(second.linkDest, path.join(root, first.name));

    const listing = await listSnapshots(root);
    assert.deepStrictEqual(listing.snapshots.map((s) => s.name).slice(-2), [first.name, second.name]);
    assert.strictEqual(fs.readlinkSync(path.join(root, 'latest')), second.name);
    assert.deepStrictEqual(listing.inProgress, []);

    const nodes = await treeRows(api);
    const snapshots = nodes.filter((n): n is Extract<SnapshotsNode, { kind: 'snapshot' }> => n.kind === 'snapshot');
    assert.strictEqual(snapshots[0].snapshot.name, second.name, 'newest first');
    const item = await api.tree.getTreeItem(snapshots[0]);
    assert.match(String(item.description), /latest/);
    assert.doesNotMatch(String((await api.tree.getTreeItem(snapshots[1])).description), /latest/);

    // Browse into the snapshot: the folders and files of the workspace are there.
    const children = await api.tree.getChildren(snapshots[0]);
    const names = children.map((c) => (c.kind === 'entry' ? c.path : '?'));
    assert.ok(names.includes('README.md'), names.join(','));
    await api.treeView.reveal(snapshots[0], { expand: true, focus: true, select: true });
    await screenshot('snapshots-view', { readme: true });
  });

  it('serves snapshot files read-only through the rsync-snapshot: scheme', async () => {
    const listing = await listSnapshots(root);
    const newest = listing.snapshots[listing.snapshots.length - 1];
    const uri = toSnapshotUri({ root, snapshot: newest.name, path: 'README.md' });
    const content = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    assert.strictEqual(content, fs.readFileSync(path.join(newest.path, 'README.md'), 'utf8'));
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.getText(), content);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('nope'))), 'writes are refused');
    assert.strictEqual(fs.readFileSync(path.join(newest.path, 'README.md'), 'utf8'), content);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(toSnapshotUri({ root, snapshot: newest.name, path: '../latest/README.md' }))), '.. is refused');
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.parse(`rsync-snapshot:/%2E%2E/%2E%2E/etc/passwd?${encodeURIComponent(JSON.stringify({ root, snapshot: newest.name }))}`))),
      'encoded .. is refused',
    );
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(toSnapshotUri({ root, snapshot: 'latest', path: 'README.md' }))), 'only snapshot names');
  });

  it('cancelling a running snapshot leaves nothing half-made and latest unchanged', async () => {
    const folder = workspaceFolder();
    const big = path.join(folder.uri.fsPath, 'big-fixture');
    fs.mkdirSync(big, { recursive: true });
    const chunk = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(big, `f${i}.bin`), chunk); // 100 MB: slow enough to cancel
    const before = await listSnapshots(root);
    const source = new vscode.CancellationTokenSource();
    let progressSeen = false;
    const run = api.runner.run(folder, {
      token: source.token,
      onProgress: () => {
        if (!progressSeen) {
          progressSeen = true;
          source.cancel();
        }
      },
    });
    setTimeout(() => source.cancel(), 1500); // in case rsync prints no progress before it is done
    await assert.rejects(run, /cancelled/i);
    const after = await listSnapshots(root);
    assert.deepStrictEqual(
      after.snapshots.map((s) => s.name),
      before.snapshots.map((s) => s.name),
    );
    assert.strictEqual(after.latest?.name, before.latest?.name);
    assert.deepStrictEqual(after.inProgress, []);
    fs.rmSync(big, { recursive: true, force: true });
  });

  it('refuses two workspace folders sharing one backup root, and allows distinct ones', () => {
    const folder = (name: string, index: number): vscode.WorkspaceFolder => ({ name, index, uri: vscode.Uri.file(`/work/${name}`) });
    const [a, b] = [folder('a', 0), folder('b', 1)];
    assert.throws(() => checkOwnRoot(a, [a, b], () => '/backups/shared'), /a and b would share the backup root \/backups\/shared/);
    assert.doesNotThrow(() => checkOwnRoot(a, [a, b], (f) => `/backups/${f.name}`));
  });

  it('a lock held by another process (e.g. cron) gives the lock message and starts no rsync', async () => {
    const before = await listSnapshots(root);
    const holder = spawn('flock', ['-n', '-o', path.join(root, '.rsync-snapshots.lock'), 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const errorsBefore = api.shownErrors.length;
      const result = await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace');
      assert.strictEqual(result, undefined);
      const message = await waitFor('error message', () => api.shownErrors.slice(errorsBefore).find((m) => /already running/.test(m)));
      assert.match(message, /A snapshot into .* is already running/);
      const after = await listSnapshots(root);
      assert.deepStrictEqual(
        after.snapshots.map((s) => s.name),
        before.snapshots.map((s) => s.name),
      );
      assert.deepStrictEqual(after.inProgress, []);
    } finally {
      holder.kill('SIGKILL'); // -o: the lock is flock's own, so it ends with it (sleep keeps no copy)
    }
  });
});
