import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RootOwnership } from '../../src/core/root/ownership';
import type { RunResult } from '../../src/extension/snapshots/snapshotRunner';
import { answerTakeAnyway, EXTENSION_ID, sleep, treeRows, waitFor, workspaceFolder } from '../extension/helpers';
import { screenshot } from '../extension/screenshot';
import type { RsyncSnapshotsApi } from '../../src/extension/extension';
import { listSnapshots } from '../support/core';
import type { PrunePlan } from '../../src/core/prune/types';

const victimRoot = process.env.RSYNC_SNAPSHOTS_VICTIM_ROOT!;
const victimSource = process.env.RSYNC_SNAPSHOTS_VICTIM_SOURCE!;
const userRoot = process.env.RSYNC_SNAPSHOTS_USER_ROOT!;

/** Everything a prune or a snapshot could change in a root: entries, latest, every note's bytes, every snapshot's files. */
function rootState(root: string): string {
  if (!fs.existsSync(root)) return 'missing';
  const lines: string[] = [];
  for (const entry of fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    if (entry === '.rsync-snapshots.lock') continue;
    const file = path.join(root, entry);
    const stat = fs.lstatSync(file);
    lines.push(stat.isSymbolicLink() ? `${entry} -> ${fs.readlinkSync(file)}` : stat.isFile() ? `${entry} ${fs.readFileSync(file, 'utf8')}` : `${entry}/`);
  }
  return lines.join('\n');
}

async function snapshotNames(root: string): Promise<string[]> {
  return fs.existsSync(root) ? (await listSnapshots(root)).snapshots.map((s) => s.name) : [];
}

async function saveEdit(file: string, text: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(file);
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, new vscode.Position(doc.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await doc.save(), `could not save ${file}`);
}

describe("Restricted Mode: a cloned folder's own settings never make us write or delete elsewhere", function () {
  this.timeout(240_000);
  let api: RsyncSnapshotsApi;
  let victimBefore: string;
  let victimNames: string[];

  before(async () => {
    assert.ok(victimRoot && userRoot, 'run through scripts/run-vscode-tests.mjs (restricted session)');
    victimBefore = rootState(victimRoot);
    victimNames = await snapshotNames(victimRoot);
    assert.equal(victimNames.length, 5, 'the runner made 5 snapshots of another folder in the victim root');
  });

  afterEach(() => {
    delete api?.hooks.confirmSharedRoot;
    delete api?.hooks.confirmAutoPrune;
  });

  it('the folder opens untrusted, its settings aiming at the victim root with a 1-minute schedule and keep-last-1 pruning', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'workspace trust is on and the folder is not trusted');
    const settings = JSON.parse(fs.readFileSync(path.join(workspaceFolder().uri.fsPath, '.vscode/settings.json'), 'utf8'));
    assert.equal(settings['rsyncSnapshots.backupRoot'], victimRoot);
    assert.equal(settings['rsyncSnapshots.retention.applyAfterSnapshot'], true);
    // workspaceContains:.vscode/settings.json activates us without the view being opened: the attack needed no click.
    const ext = vscode.extensions.getExtension<RsyncSnapshotsApi>(EXTENSION_ID)!;
    await waitFor('the extension to activate on its own', () => ext.isActive, 20_000);
    api = ext.exports;
    answerTakeAnyway(api);
  });

  it('a minute and a half with saves: nothing is written into the victim root (nor anywhere: nothing automatic runs)', async () => {
    const readme = path.join(workspaceFolder().uri.fsPath, 'README.md');
    await saveEdit(readme, 'edit 1\n');
    await sleep(3000);
    await saveEdit(readme, 'edit 2\n');
    await sleep(70_000); // past the 1-minute interval the folder asks for
    assert.equal(rootState(victimRoot), victimBefore, 'the victim root is byte for byte as it was');
    assert.deepEqual(await snapshotNames(userRoot), [], 'no automatic snapshot in the user root either');
  });

  it('deleting and renaming files through the editor takes no snapshot in Restricted Mode', async () => {
    const ws = workspaceFolder().uri.fsPath;
    fs.writeFileSync(path.join(ws, 'scratch-a.txt'), 'a\n');
    fs.writeFileSync(path.join(ws, 'scratch-b.txt'), 'b\n');
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(vscode.Uri.file(path.join(ws, 'scratch-a.txt')), vscode.Uri.file(path.join(ws, 'scratch-c.txt')));
    edit.deleteFile(vscode.Uri.file(path.join(ws, 'scratch-b.txt')));
    assert.ok(await vscode.workspace.applyEdit(edit));
    const remove = new vscode.WorkspaceEdit();
    remove.deleteFile(vscode.Uri.file(path.join(ws, 'scratch-c.txt')));
    assert.ok(await vscode.workspace.applyEdit(remove));
    assert.ok(!fs.existsSync(path.join(ws, 'scratch-b.txt')) && !fs.existsSync(path.join(ws, 'scratch-c.txt')));
    await sleep(2000);
    assert.equal(rootState(victimRoot), victimBefore, 'the victim root is byte for byte as it was');
    assert.deepEqual(await snapshotNames(userRoot), [], 'no snapshot in the user root either');
  });

  it('the Snapshots view says so in one line, with an item that opens Workspace Trust (screenshot restricted-mode)', async () => {
    await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
    assert.match(api.treeView.message ?? '', /^Restricted Mode: this folder's backup settings are ignored\./);
    const nodes = await treeRows(api);
    assert.equal(nodes[0]?.kind, 'restricted', JSON.stringify(nodes));
    const item = await api.tree.getTreeItem(nodes[0]);
    assert.equal(item.label, 'Trust this folder…');
    assert.equal(item.command?.command, 'workbench.trust.manage');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /automatic snapshots and automatic pruning are off/);
    // Declared as restricted in package.json, VS Code hides the folder's values from us altogether.
    const values = vscode.workspace.getConfiguration('rsyncSnapshots', workspaceFolder().uri).inspect('backupRoot');
    assert.equal(values?.workspaceFolderValue ?? values?.workspaceValue, undefined);
    assert.equal(values?.globalValue, userRoot);
    await sleep(1000);
    await screenshot('restricted-mode');
  });

  it('a manual Snapshot workspace goes to the user-level root, never to the root the folder names', async () => {
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.ok(result, api.shownErrors.join(' | '));
    assert.equal(result.root, userRoot);
    assert.equal(result.autoPrune?.skipped, 'restricted');
    assert.deepEqual(await snapshotNames(userRoot), [result.name]);
    assert.equal(rootState(victimRoot), victimBefore);
  });

  it('granting trust applies the folder settings at once, without a reload', async () => {
    await vscode.commands.executeCommand('workbench.trust.manage');
    const granted = new Promise<void>((resolve) => vscode.workspace.onDidGrantWorkspaceTrust(() => resolve()));
    console.log('[[trust-workspace]]');
    await Promise.race([granted, sleep(30_000).then(() => assert.fail('trust was not granted within 30 s (see the runner log)'))]);
    assert.equal(vscode.workspace.isTrusted, true);
    const values = vscode.workspace.getConfiguration('rsyncSnapshots', workspaceFolder().uri).inspect('backupRoot');
    assert.equal(values?.workspaceFolderValue ?? values?.workspaceValue, victimRoot, 'the folder setting counts now');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const nodes = await waitFor('the view to list the victim root', async () => {
      const children = await treeRows(api);
      return children.length === 5 ? children : undefined;
    });
    assert.ok(
      nodes.every((n) => n.kind === 'snapshot'),
      'the Restricted Mode item is gone',
    );
    assert.equal(api.treeView.message, undefined, 'the Restricted Mode message is gone');
  });

  it("the first snapshot into a root holding another folder's snapshots asks; the foreign root is never pruned automatically", async () => {
    const asked: RootOwnership[] = [];
    api.hooks.confirmSharedRoot = (ownership) => (asked.push(ownership), true);
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.ok(result, api.shownErrors.join(' | '));
    assert.equal(result.root, victimRoot);
    assert.equal(asked.length, 1);
    assert.deepEqual([...asked[0].others.keys()], [victimSource]);
    assert.equal(result.autoPrune?.skipped, 'foreign-root', JSON.stringify(result.autoPrune));
    assert.match(result.autoPrune!.why, new RegExp(`5 snapshots of ${victimSource.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const names = await snapshotNames(victimRoot);
    for (const name of victimNames) assert.ok(names.includes(name), `${name} was deleted`);
    assert.equal(names.length, 6);
  });

  it('automatic snapshots resume after trust (save → 1 s idle → snapshot), asking nothing again, still deleting nothing', async () => {
    api.hooks.confirmSharedRoot = () => assert.fail('asked again although the answer is remembered');
    await saveEdit(path.join(workspaceFolder().uri.fsPath, 'README.md'), 'edit after trust\n');
    const names = await waitFor(
      'an automatic snapshot after the save',
      async () => {
        const now = await snapshotNames(victimRoot);
        return now.length >= 7 ? now : undefined;
      },
      30_000,
    );
    for (const name of victimNames) assert.ok(names.includes(name), `${name} was deleted`);
    await waitFor('the automatic run to finish', () => !api.runner.isRunning, 20_000);
  });

  it('a root only this folder filled: the first automatic prune shows its plan and asks; a refusal deletes nothing', async () => {
    const config = vscode.workspace.getConfiguration('rsyncSnapshots', workspaceFolder().uri);
    await config.update('autoSnapshotMinutes', 0, vscode.ConfigurationTarget.WorkspaceFolder);
    await config.update('snapshotAfterSaveIdleSeconds', 0, vscode.ConfigurationTarget.WorkspaceFolder);
    const ownRoot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-own-')), 'backups');
    fs.mkdirSync(ownRoot);
    await config.update('backupRoot', ownRoot, vscode.ConfigurationTarget.WorkspaceFolder);
    const plans: PrunePlan[] = [];
    api.hooks.confirmAutoPrune = (plan) => (plans.push(plan), false);
    const first = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.equal(first?.root, ownRoot, api.shownErrors.join(' | '));
    assert.equal(first.autoPrune?.skipped, 'nothing');
    const second = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.equal(plans.length, 1, 'asked once');
    assert.deepEqual(
      plans[0].delete.map((e) => e.name),
      [first.name],
    );
    assert.ok(plans[0].freesBytes > 0, 'the question says how much it frees');
    assert.equal(second.autoPrune?.skipped, 'declined');
    const third = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.equal(plans.length, 1, 'a refusal is not asked again in this window');
    assert.equal(third.autoPrune?.skipped, 'declined');
    assert.deepEqual(await snapshotNames(ownRoot), [first.name, second.name, third.name], 'nothing deleted');
  });

  it('allowed once, a root is pruned automatically from then on, exactly as planned, without asking again', async () => {
    const config = vscode.workspace.getConfiguration('rsyncSnapshots', workspaceFolder().uri);
    const ownRoot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-own-')), 'backups');
    fs.mkdirSync(ownRoot);
    await config.update('backupRoot', ownRoot, vscode.ConfigurationTarget.WorkspaceFolder);
    const plans: PrunePlan[] = [];
    api.hooks.confirmAutoPrune = (plan) => (plans.push(plan), true);
    const first = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    const second = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.equal(plans.length, 1);
    assert.deepEqual(second.autoPrune?.deleted, [first.name]);
    const third = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.equal(plans.length, 1, 'not asked again');
    assert.deepEqual(third.autoPrune?.deleted, [second.name]);
    const listing = await listSnapshots(ownRoot);
    assert.deepEqual(
      listing.snapshots.map((s) => s.name),
      [third.name],
    );
    assert.equal(listing.latest?.name, third.name);
    const victimNow = await snapshotNames(victimRoot);
    for (const name of victimNames) assert.ok(victimNow.includes(name), `${name} was deleted`);
  });
});
