import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { DoctorReport } from '../../src/core/doctor/types';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import type { UsageReport } from '../../src/core/usage/model';
import { kernelFsType } from '../support/mounts';
import { activateExtension, sleep, testBackupRoot, waitFor, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';
import { webviewText } from './webviewText';

/** The check and space reports: formatted (VS Code's Markdown preview), read from the page a person sees. */
describe('Reports a person reads: backup root check and snapshot space', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;

  const previewTab = () => {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    return tab?.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType) ? tab : undefined;
  };

  before(async () => {
    root = await testBackupRoot();
    api = await activateExtension();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('"Check backup root" opens a formatted report that names the filesystem as the kernel does (ext4, not ext2/ext3)', async () => {
    const report = (await vscode.commands.executeCommand('rsyncSnapshots.checkRoot')) as DoctorReport;
    const fsCheck = report.checks.find((c) => c.name === 'filesystem and hard links');
    const kernel = kernelFsType(root);
    assert.ok(kernel, 'the kernel names the mount');
    assert.strictEqual(fsCheck?.detail.split(';')[0], kernel);
    const tab = await waitFor('the Markdown preview', previewTab, 30_000); // the first preview activates the Markdown extension
    assert.match(tab.label, /Backup root check/);
    const text = await webviewText('check-report', '.markdown-body');
    if (text !== undefined) {
      assert.match(text, /Backup root check/);
      assert.match(text, new RegExp(`filesystem and hard links\\s+${kernel}; hard links work`));
      assert.doesNotMatch(text, /\*\*|^#/m, 'Markdown is rendered, not shown as source');
      if (kernel === 'ext4') assert.doesNotMatch(text, /ext2\/ext3/);
    }
    await sleep(500);
    await screenshot('check-report', { readme: true });
  });

  it('"Show space usage" opens a report: totals, a bar per snapshot, and snapshots where nothing changed explained', async () => {
    const file = path.join(workspaceFolder().uri.fsPath, 'space-fixture.bin');
    fs.writeFileSync(file, Buffer.alloc(256 * 1024, 7));
    const changed = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    await sleep(1100);
    const same = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(changed?.name && same?.name, api.shownErrors.join(' | '));
    const report = (await vscode.commands.executeCommand('rsyncSnapshots.showUsage')) as UsageReport;
    assert.ok(report.snapshots.some((s) => s.name === same.name));
    const tab = await waitFor('the Markdown preview', previewTab, 20_000);
    assert.match(tab.label, /Snapshot space/);
    const text = await webviewText('space-report', '.markdown-body');
    if (text !== undefined) {
      assert.match(text, new RegExp(`${report.snapshots.length} snapshots use`));
      assert.match(text, /hard links save \d+%/);
      assert.match(text, /█/, 'bars');
      assert.match(text, /taken when no file was new or changed/);
      assert.match(text, /no file new or changed: only its folders are its own/);
      assert.doesNotMatch(text, /undefined|NaN/);
    }
    await sleep(500);
    await screenshot('space-report', { readme: true });
    fs.rmSync(file);
  });
});
