import assert from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunResult } from '../../src/extension/snapshots/snapshotRunner';
import { keepHistoryQuestion } from '../../src/extension/automatic/historySchedule';
import { canMount, run } from '../support/proc';
import { listSnapshots } from '../support/core';
import { activateExtension, automaticRunAfterChange, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';

/**
 * Automatic history on a nearly full disk (a small tmpfs): the run is refused before anything is made, the status bar
 * says so once and stays, and history resumes by itself once there is room again.
 */
describe('Automatic history below the free-space floor, in a real VS Code', function () {
  this.timeout(120_000);
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let mount: string;
  let root: string;
  let savedRoot: string | undefined;
  let mounted = false;
  const config = () => vscode.workspace.getConfiguration('rsyncSnapshots');

  before(async function () {
    api = await activateExtension();
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ext-floor-'));
    if (!(await canMount(mount))) this.skip(); // needs root (CI runs as root): said in the output as pending
    assert.strictEqual((await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount])).code, 0);
    mounted = true;
    root = path.join(mount, 'backups');
    fs.mkdirSync(root);
    savedRoot = config().inspect<string>('backupRoot')?.globalValue;
    await config().update('backupRoot', root, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    if (!mounted) return;
    await config().update('backupRoot', savedRoot, vscode.ConfigurationTarget.Global);
    await run('umount', [mount]);
  });

  it('refuses an automatic snapshot that would cross the floor, shows one status bar warning, and resumes once there is room', async () => {
    const folder = workspaceFolder();
    const first = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace', folder)) as RunResult;
    assert.ok(first?.name, api.shownErrors.join(' | '));
    // Fill the disk to below 5 % free.
    const { bavail, bsize } = fs.statfsSync(mount);
    fs.writeFileSync(path.join(mount, 'filler.bin'), Buffer.alloc(Math.max(0, bavail * bsize - 100 * 1024)));
    const errorsBefore = api.shownErrors.length;
    const trigger = path.join(folder.uri.fsPath, 'floor-trigger.txt');
    for (let i = 0; i < 2; i++) {
      const outcome = await automaticRunAfterChange(api, folder, trigger);
      assert.ok('skipped' in outcome && /free|room/i.test(outcome.skipped), JSON.stringify(outcome));
    }
    assert.deepStrictEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      [first.name],
      'nothing was made, nothing deleted',
    );
    assert.strictEqual(fs.readlinkSync(path.join(root, 'latest')), first.name);
    assert.strictEqual(api.shownErrors.length, errorsBefore, 'no toast per automatic run');
    assert.match(api.statusBar.text, /No room: history paused/);
    await screenshot('status-bar-no-room');

    fs.rmSync(path.join(mount, 'filler.bin'));
    const outcome = await automaticRunAfterChange(api, folder, trigger);
    assert.ok('taken' in outcome, JSON.stringify(outcome));
    assert.doesNotMatch(api.statusBar.text, /No room/);
    fs.rmSync(trigger, { force: true });
  });

  it('the question that turns history on names the floor', () => {
    assert.match(keepHistoryQuestion(workspaceFolder()), /never lets free space drop below 5\.0 GiB \(or 5 % of a smaller disk\) and 5 % of the inodes/);
  });
});
