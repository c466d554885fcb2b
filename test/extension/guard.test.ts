import assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotMeta } from '../../src/core/root/notes';
import type { PruneOutcome } from '../../src/extension/retention/pruneCommand';
import { BEFORE_OPERATION_WAIT_MS } from '../../src/extension/automatic/safetySnapshots';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import { activateExtension, sleep, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { listSnapshots, readSnapshotMeta } from '../support/core';

/** The newest snapshot of `root` whose notes say `trigger`, with its notes, once there is one newer than `after`. */
async function snapshotBy(root: string, trigger: string, after: string[], timeoutMs = 20_000): Promise<{ name: string; meta: SnapshotMeta }> {
  return waitFor(
    `a ${trigger} snapshot in ${root}`,
    async () => {
      const fresh = (await listSnapshots(root)).snapshots.filter((s) => !after.includes(s.name)).reverse();
      for (const s of fresh) {
        const meta = await readSnapshotMeta(root, s.name);
        if (meta?.trigger === trigger) return { name: s.name, meta };
      }
      return undefined;
    },
    timeoutMs,
  );
}

const names = async (root: string) => (await listSnapshots(root)).snapshots.map((s) => s.name);

describe('Automatic safety snapshots and pins in a real VS Code', function () {
  this.timeout(120_000);
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;
  let previousRoot: string | undefined;
  let dir: string;
  /** The snapshot taken before lib/ was deleted. */
  let beforeLibDelete: string;
  const config = () => vscode.workspace.getConfiguration('rsyncSnapshots');

  before(async () => {
    api = await activateExtension();
    // A root of its own, so pins and prunes here touch no other suite's snapshots.
    previousRoot = config().inspect<string>('backupRoot')?.globalValue;
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-guard-')), 'backups');
    fs.mkdirSync(root);
    await config().update('backupRoot', root, vscode.ConfigurationTarget.Global);
    dir = path.join(workspaceFolder().uri.fsPath, 'guard-fixture');
    fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', 'a.js'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(dir, 'lib', 'b.js'), 'export const b = 2;\n');
    fs.writeFileSync(path.join(dir, 'one.txt'), 'one\n');
    fs.writeFileSync(path.join(dir, 'two.txt'), 'two\n');
    fs.writeFileSync(path.join(dir, 'old-name.txt'), 'renamed soon\n');
    const first = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(first?.name, api.shownErrors.join(' | '));
  });

  after(async () => {
    delete api.hooks.prunePolicy;
    delete api.hooks.confirmPrune;
    fs.rmSync(dir, { recursive: true, force: true });
    await config().update('backupRoot', previousRoot, vscode.ConfigurationTarget.Global);
  });

  it('deleting a folder through a workspace edit (as the Explorer does) takes a labelled snapshot holding it first', async () => {
    const before = await names(root);
    const edit = new vscode.WorkspaceEdit();
    edit.deleteFile(vscode.Uri.file(path.join(dir, 'lib')), { recursive: true });
    assert.ok(await vscode.workspace.applyEdit(edit), 'the delete went through');
    assert.ok(!fs.existsSync(path.join(dir, 'lib')), 'the folder is gone from the workspace');
    const snap = await snapshotBy(root, 'before-delete', before, 2000); // taken before the delete finished, not after
    assert.strictEqual(snap.meta.label, 'before delete of guard-fixture/lib');
    beforeLibDelete = snap.name;
    assert.strictEqual(fs.readFileSync(path.join(root, snap.name, 'guard-fixture', 'lib', 'a.js'), 'utf8'), 'export const a = 1;\n', 'the deleted file is in it');
    assert.deepStrictEqual((await names(root)).length, before.length + 1, 'one snapshot');
  });

  it('several files deleted in one operation make one snapshot; a rename makes a before-rename snapshot', async () => {
    const before = await names(root);
    const edit = new vscode.WorkspaceEdit();
    edit.deleteFile(vscode.Uri.file(path.join(dir, 'one.txt')));
    edit.deleteFile(vscode.Uri.file(path.join(dir, 'two.txt')));
    assert.ok(await vscode.workspace.applyEdit(edit));
    const deleted = await snapshotBy(root, 'before-delete', before, 2000);
    assert.strictEqual(deleted.meta.label, 'before delete of guard-fixture/one.txt, guard-fixture/two.txt');
    assert.ok(fs.existsSync(path.join(root, deleted.name, 'guard-fixture', 'two.txt')));
    assert.strictEqual((await names(root)).length, before.length + 1, 'one snapshot for the whole operation');

    const beforeRename = await names(root);
    const rename = new vscode.WorkspaceEdit();
    rename.renameFile(vscode.Uri.file(path.join(dir, 'old-name.txt')), vscode.Uri.file(path.join(dir, 'new-name.txt')));
    assert.ok(await vscode.workspace.applyEdit(rename));
    const renamed = await snapshotBy(root, 'before-rename', beforeRename, 2000);
    assert.strictEqual(renamed.meta.label, 'before rename of guard-fixture/old-name.txt');
    assert.ok(fs.existsSync(path.join(root, renamed.name, 'guard-fixture', 'old-name.txt')));
    assert.ok(!fs.existsSync(path.join(root, renamed.name, 'guard-fixture', 'new-name.txt')));

    // What snapshots leave out (rsyncSnapshots.excludes, node_modules/ by default) takes no snapshot when deleted.
    fs.mkdirSync(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'pkg', 'index.js'), 'x\n');
    const beforeExcluded = await names(root);
    const excluded = new vscode.WorkspaceEdit();
    excluded.deleteFile(vscode.Uri.file(path.join(dir, 'node_modules', 'pkg')), { recursive: true });
    assert.ok(await vscode.workspace.applyEdit(excluded));
    assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'pkg')));
    await sleep(1500);
    assert.deepStrictEqual(await names(root), beforeExcluded, 'no snapshot for an excluded folder');
  });

  it('a snapshot that cannot finish in time: the delete goes ahead after the bounded wait and the log says so', async () => {
    // A "host" on 127.0.0.1 that accepts the connection and never answers: ssh waits for its banner.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const saved = config().inspect<string>('sshCommand')?.globalValue;
    try {
      await config().update('backupRoot', '127.0.0.1:/nowhere/backups', vscode.ConfigurationTarget.Global);
      await config().update('sshCommand', `ssh -p ${port} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null`, vscode.ConfigurationTarget.Global);
      const file = path.join(dir, 'slow.txt');
      fs.writeFileSync(file, 'deleted while the root does not answer\n');
      const edit = new vscode.WorkspaceEdit();
      edit.deleteFile(vscode.Uri.file(file));
      const started = Date.now();
      assert.ok(await vscode.workspace.applyEdit(edit));
      const waited = Date.now() - started;
      assert.ok(!fs.existsSync(file), 'the delete went ahead');
      assert.ok(waited >= BEFORE_OPERATION_WAIT_MS - 200 && waited < BEFORE_OPERATION_WAIT_MS + 4000, `the delete waited ${waited} ms`);
      const outcome = api.beforeFileOperations.outcomes.find((o) => o.label === 'before delete of guard-fixture/slow.txt' && o.outcome === 'timeout');
      assert.ok(outcome, JSON.stringify(api.beforeFileOperations.outcomes));
      assert.match(outcome.message, /did not finish within 5 s and was cancelled: the operation went ahead without it/);
    } finally {
      await config().update('sshCommand', saved, vscode.ConfigurationTarget.Global);
      await config().update('backupRoot', root, vscode.ConfigurationTarget.Global);
      silent.close();
    }
  });

  it('a git commit and a branch switch in a real repository each take a labelled snapshot', async () => {
    const ext = vscode.extensions.getExtension<{ getAPI(v: 1): { openRepository(uri: vscode.Uri): Promise<{ state: { HEAD?: { commit?: string } } } | null> } }>('vscode.git');
    assert.ok(ext, 'the built-in git extension is in this VS Code');
    const gitApi = (ext.isActive ? ext.exports : await ext.activate()).getAPI(1);
    const repoDir = path.join(dir, 'repo');
    fs.mkdirSync(repoDir);
    const git = (...args: string[]) => execFileSync('git', ['-C', repoDir, ...args], { encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@example.invalid');
    git('config', 'user.name', 'Test');
    fs.writeFileSync(path.join(repoDir, 'app.txt'), 'v1\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first commit');
    const first = git('rev-parse', 'HEAD');
    const repo = await gitApi.openRepository(vscode.Uri.file(repoDir));
    assert.ok(repo, 'the git extension opened the repository');
    await waitFor('git to read HEAD', () => repo.state.HEAD?.commit === first, 20_000);
    await waitFor('our git follower to watch the repository', () => api.git.watching(repoDir), 10_000);

    const before = await names(root);
    fs.writeFileSync(path.join(repoDir, 'app.txt'), 'v2\n');
    git('commit', '-q', '-am', 'second commit\n\nbody text');
    const second = git('rev-parse', 'HEAD');
    const committed = await snapshotBy(root, 'git', before, 30_000);
    assert.strictEqual(committed.meta.label, `after commit ${second.slice(0, 7)}: second commit`);
    assert.strictEqual(fs.readFileSync(path.join(root, committed.name, 'guard-fixture', 'repo', 'app.txt'), 'utf8'), 'v2\n');

    const beforeCheckout = await names(root);
    git('checkout', '-q', '-b', 'feature');
    const switched = await snapshotBy(root, 'git', beforeCheckout, 30_000);
    assert.strictEqual(switched.meta.label, 'after checkout feature');
  });

  it('Pin from the tree: shown pinned, kept by a prune whose policy selects it; the view shows pinned and labelled snapshots', async () => {
    const all = await names(root);
    const guarded = beforeLibDelete;
    const target = all[0] === guarded ? all[1] : all[0]; // an old one the prune below would delete
    const node = await api.tree.snapshotNode(root, target);
    assert.ok(node, 'the snapshot is in the view');
    await vscode.commands.executeCommand('rsyncSnapshots.pinSnapshot', node);
    assert.strictEqual((await readSnapshotMeta(root, target))?.pinned, true);
    const item = await api.tree.getTreeItem((await api.tree.snapshotNode(root, target))!);
    assert.match(String(item.contextValue), /^snapshot\b.*\bpinned\b/);
    assert.match(String(item.description), /pinned/);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'pinned');
    const labelled = await api.tree.getTreeItem((await api.tree.snapshotNode(root, guarded))!);
    assert.match(String(labelled.description), /before delete of guard-fixture\/lib/);

    await vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', root, target);
    // Room for the labels: the side bar made wider by making the editor area narrower, as dragging the sash would.
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    for (let i = 0; i < 8; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    await vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', root, target);
    await screenshot('tree-pinned-and-labelled', { readme: true });
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    for (let i = 0; i < 8; i++) await vscode.commands.executeCommand('workbench.action.increaseViewWidth');

    api.hooks.prunePolicy = () => ({ keepLast: 1 });
    api.hooks.confirmPrune = () => true;
    const outcome = (await vscode.commands.executeCommand('rsyncSnapshots.prune')) as PruneOutcome;
    assert.ok(outcome?.result, api.shownErrors.join(' | '));
    const kept = outcome.plan.keep.find((k) => k.name === target);
    assert.ok(kept?.forever, 'the plan keeps the pinned snapshot and says why');
    assert.match(kept.reason, /pinned/);
    assert.ok(outcome.result.deleted.length > 0, 'the prune deleted the others');
    const left = await names(root);
    assert.ok(left.includes(target), 'the pinned snapshot survived the prune');
    assert.strictEqual(left.length, 2, `only the pinned and the newest are left: ${left.join(', ')}`);

    await vscode.commands.executeCommand('rsyncSnapshots.unpinSnapshot', await api.tree.snapshotNode(root, target));
    assert.strictEqual((await readSnapshotMeta(root, target))?.pinned, undefined);
  });
});
