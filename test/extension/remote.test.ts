import assert from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { closeAllSshConnections } from '../../src/core/root/ssh/transport';
import type { CompareOutcome } from '../../src/extension/history/compare';
import type { SnapshotsNode } from '../../src/extension/snapshots/snapshotsTree';
import { fromSnapshotUri } from '../../src/extension/history/snapshotUri';
import { startSshd, TestSshd } from '../support/sshd';
import { activateExtension, EXTENSION_ID, treeRows, waitFor, workspaceFolder } from './helpers';
import type { SnapshotResult } from '../../src/core/snapshot/types';

const REL = 'remote-fixture/page.txt';

/** Snapshot, tree, compare and restore with the backup root on a real sshd on 127.0.0.1 (`testhost:/tmp/…`). */
describe('A remote backup root over ssh in a real VS Code', function () {
  this.timeout(120_000);
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let sshd: TestSshd;
  let remoteDir: string;
  let spec: string;
  let file: string;
  const taken: string[] = [];
  const saved: Record<string, unknown> = {};
  const KEYS = ['backupRoot', 'sshCommand'];

  const snap = async () => {
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.slice(-3).join(' | ')}`);
    taken.push(result.name);
    return result;
  };
  const remoteInode = (name: string) => fs.statSync(path.join(remoteDir, name, REL)).ino;

  before(async () => {
    sshd = await startSshd();
    remoteDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ext-remote-')), 'remote-root');
    fs.mkdirSync(remoteDir);
    spec = `${sshd.host}:${remoteDir}`;
    const config = vscode.workspace.getConfiguration('rsyncSnapshots');
    for (const key of KEYS) saved[key] = config.inspect(key)?.globalValue;
    await config.update('backupRoot', spec, vscode.ConfigurationTarget.Global);
    await config.update('sshCommand', sshd.sshCommand, vscode.ConfigurationTarget.Global);
    api = await activateExtension();
    file = path.join(workspaceFolder().uri.fsPath, REL);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'remote version one\n');
  });

  after(async () => {
    delete api?.hooks.pickVersion;
    api?.restorePanel()?.dispose();
    const config = vscode.workspace.getConfiguration('rsyncSnapshots');
    for (const key of KEYS) await config.update(key, saved[key], vscode.ConfigurationTarget.Global);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    await closeAllSshConnections();
    await sshd?.stop();
    fs.rmSync(path.dirname(remoteDir), { recursive: true, force: true });
  });

  it('takes two snapshots on the remote root, the second hard-linked there', async () => {
    const first = await snap();
    assert.strictEqual(first.root, spec);
    const second = await snap();
    assert.strictEqual(second.linkDest, path.join(remoteDir, first.name));
    assert.strictEqual(remoteInode(first.name), remoteInode(second.name), 'unchanged file is a hard link on the remote');
    assert.strictEqual(fs.readlinkSync(path.join(remoteDir, 'latest')), second.name);
  });

  it('the tree lists the remote snapshots and browses into them', async () => {
    api.tree.refresh();
    const nodes = await waitFor('remote snapshots in the tree', async () => {
      const list = (await treeRows(api)).filter((n): n is Extract<SnapshotsNode, { kind: 'snapshot' }> => n.kind === 'snapshot');
      return list.length === 2 ? list : undefined;
    });
    assert.deepStrictEqual(
      nodes.map((n) => n.snapshot.name),
      [taken[1], taken[0]],
    );
    assert.strictEqual(nodes[0].root, spec);
    const children = await api.tree.getChildren(nodes[0]);
    const folder = children.find((c) => c.kind === 'entry' && c.path === 'remote-fixture');
    assert.ok(folder, children.map((c) => (c.kind === 'entry' ? c.path : '?')).join(','));
    const inside = await api.tree.getChildren(folder);
    assert.deepStrictEqual(
      inside.map((c) => (c.kind === 'entry' ? c.path : '?')),
      [REL],
    );
  });

  it('compares the working file with the remote version (left side read over ssh)', async () => {
    fs.writeFileSync(file, 'edited locally\n');
    await snap(); // a second version on the remote
    fs.writeFileSync(file, 'edited again\n');
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(taken[0]));
    const outcome = (await vscode.commands.executeCommand('rsyncSnapshots.compareWithSnapshot', vscode.Uri.file(file))) as CompareOutcome;
    assert.ok(outcome, `no outcome; errors: ${api.shownErrors.slice(-3).join(' | ')}`);
    const diff = await waitFor('diff editor', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff && input.original.scheme === 'rsync-snapshot' ? input : undefined;
    });
    assert.strictEqual(fromSnapshotUri(diff.original).root, spec);
    const left = await vscode.workspace.openTextDocument(diff.original);
    assert.strictEqual(left.getText(), 'remote version one\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('"Changed in this snapshot" lists the file edited between two remote snapshots (changes() over ssh)', async () => {
    api.tree.refresh();
    const third = await waitFor('third remote snapshot in the tree', async () =>
      (await treeRows(api)).find((n): n is Extract<SnapshotsNode, { kind: 'snapshot' }> => n.kind === 'snapshot' && n.snapshot.name === taken[2]),
    );
    const changesNode = (await api.tree.getChildren(third)).find((c) => c.kind === 'changes');
    assert.ok(changesNode, 'a "Changed in this snapshot" node for the remote snapshot');
    const changed = await api.tree.getChildren(changesNode);
    const rows = changed.map((c) => (c.kind === 'changed' ? `${c.change} ${c.path}` : `message: ${c.kind === 'message' ? c.text : c.kind}`));
    assert.ok(rows.includes(`M ${REL}`), rows.join(' | '));
  });

  it('restores a file from the remote root after the preview, safety snapshot on the remote', async () => {
    api.hooks.pickVersion = (items) => items.find((i) => i.version.snapshots.includes(taken[0]));
    await vscode.commands.executeCommand('rsyncSnapshots.restore', vscode.Uri.file(file));
    const panel = await waitFor('restore panel', () => api.restorePanel(), 20_000);
    await waitFor('plan', () => panel.plan, 20_000);
    const plan = panel.plan!;
    assert.strictEqual(plan.root, spec);
    assert.deepStrictEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [['page.txt', 'overwrite']],
    );
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'edited again\n', 'the preview changes nothing');
    await panel.receive({ type: 'apply', planId: plan.id, exclude: [] });
    const result = await waitFor('restore result', () => panel.result, 20_000);
    assert.deepStrictEqual(result.failed, []);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'remote version one\n');
    assert.ok(result.safetySnapshot, 'a safety snapshot was taken');
    assert.strictEqual(fs.readFileSync(path.join(remoteDir, result.safetySnapshot!, REL), 'utf8'), 'edited again\n');
  });

  it('the status bar reads the remote root itself: a CLI snapshot into it shows with its label on the next read', async () => {
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    fs.appendFileSync(file, 'edited before a remote cron run\n');
    await promisify(execFile)(process.execPath, [cli, 'snapshot', workspaceFolder().uri.fsPath, spec, '--ssh-command', sshd.sshCommand, '--label', 'remote cron run']);
    await api.statusBar.reload(); // what its 2-minute re-read of a remote root does
    assert.match(api.statusBar.text, /remote cron run/);
    assert.match(api.statusBar.text, /now|sec/);
  });
});
