import assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { PruneOutcome } from '../../src/extension/retention/pruneCommand';
import type { RunResult } from '../../src/extension/snapshots/snapshotRunner';
import { activateExtension, testBackupRoot, treeRows } from './helpers';
import { listSnapshots, readSnapshotMeta } from '../support/core';
import { triggerOf } from '../../src/core/root/notes';
import type { DoctorReport } from '../../src/core/doctor/types';
import type { CliInstall } from '../../src/core/cron/installCli';
import type { UsageReport } from '../../src/core/usage/model';

describe('Space, diagnostics, prune and scheduling in a real VS Code', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;

  before(async () => {
    root = await testBackupRoot();
    api = await activateExtension();
    for (let i = 0; i < 2; i++) assert.ok(await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace'));
  });

  afterEach(() => {
    delete api.hooks.prunePolicy;
    delete api.hooks.confirmPrune;
  });

  it('"Show space usage" counts hard links once (equal to du) and shows unique bytes in the view', async () => {
    const report = (await vscode.commands.executeCommand('rsyncSnapshots.showUsage')) as UsageReport;
    assert.ok(report, api.shownErrors.join(' | '));
    const dirs = (await listSnapshots(root)).snapshots.map((s) => s.path);
    const du = execFileSync('du', ['-s', '-B1', '--total', ...dirs], { encoding: 'utf8' });
    const total = Number(/^(\d+)\s+total$/m.exec(du)![1]);
    assert.ok(Math.abs(report.totalBytes - total) <= total * 0.01, `usage ${report.totalBytes} vs du ${total}`);
    const nodes = await treeRows(api);
    const item = await api.tree.getTreeItem(nodes.find((n) => n.kind === 'snapshot')!);
    assert.match(String(item.description), /unique/);
  });

  it('a snapshot that could not link (latest removed) comes with the reason', async () => {
    fs.rmSync(path.join(root, 'latest'));
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as RunResult;
    assert.strictEqual(result.linkDest, null);
    assert.strictEqual(result.linking?.cause, 'latest-missing', JSON.stringify(result.linking));
    assert.ok(result.warnings.some((w) => /latest/.test(w)));
    assert.strictEqual(fs.readlinkSync(path.join(root, 'latest')), result.name, 'latest moved again');
  });

  it('"Check backup root" reports each check', async () => {
    const report = (await vscode.commands.executeCommand('rsyncSnapshots.checkRoot')) as DoctorReport;
    assert.ok(report.checks.length >= 5, JSON.stringify(report.checks));
    assert.ok(
      report.checks.some((c) => /latest/i.test(c.name) && c.ok),
      JSON.stringify(report.checks),
    );
    const source = vscode.workspace.textDocuments.find((d) => d.uri.path === '/Backup root check.md');
    assert.match(source?.getText() ?? '', /Backup root check/);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType), `formatted, in the Markdown preview (active tab: ${tab?.label})`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('"Copy cron line…" gives a crontab line under the same flock lock', async () => {
    const line = (await vscode.commands.executeCommand('rsyncSnapshots.copyCronLine', '03:15')) as string;
    assert.match(line, /^15 3 \* \* \* \/usr\/bin\/flock -n /);
    assert.ok(line.includes(path.join(root, '.rsync-snapshots.lock')), line);
    assert.match(line, /dist\/cli\.js snapshot /);
  });

  it('"Install the CLI…" puts a launcher where asked; cron lines then run it (with a random delay), and the check finds it', async () => {
    const bin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ext-bin-')), 'bin', 'rsync-snapshots');
    const install = (await vscode.commands.executeCommand('rsyncSnapshots.installCli', bin)) as CliInstall;
    assert.ok(install, api.shownErrors.join(' | '));
    assert.strictEqual(install.bin, bin);
    const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
    assert.strictEqual(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim(), version);
    const line = (await vscode.commands.executeCommand('rsyncSnapshots.copyCronLine', '03:15', '15m')) as string;
    assert.ok(line.includes(` ${bin} snapshot `), line);
    assert.match(line, /^15 3 \* \* \* sleep \$\(\( .* \\% 900 \)\); \/usr\/bin\/flock -n /);
    const report = (await vscode.commands.executeCommand('rsyncSnapshots.checkRoot')) as DoctorReport;
    const check = report.checks.find((c) => c.name === 'installed CLI');
    assert.ok(check?.ok && check.detail.includes(bin), JSON.stringify(check));
  });

  it('"Prune snapshots…" deletes exactly the previewed plan and never latest or the newest', async () => {
    const before = await listSnapshots(root);
    assert.ok(before.snapshots.length > 3, `need more than 3 snapshots, have ${before.snapshots.length}`);
    let previewed: string[] = [];
    api.hooks.prunePolicy = () => ({ keepLast: 3 });
    api.hooks.confirmPrune = (plan) => {
      previewed = plan.delete.map((e) => e.name);
      return true;
    };
    const outcome = (await vscode.commands.executeCommand('rsyncSnapshots.prune')) as PruneOutcome;
    assert.deepStrictEqual(outcome.result?.deleted, previewed);
    const after = await listSnapshots(root);
    // Pinned snapshots and the safety snapshots of earlier restores stay whatever the policy says.
    const forever = new Set(outcome.plan.keep.filter((k) => k.forever).map((k) => k.name));
    for (const name of forever) {
      const meta = await readSnapshotMeta(root, name);
      assert.ok(meta?.pinned || triggerOf(meta) === 'pre-restore', `${name} kept forever but neither pinned nor pre-restore`);
    }
    assert.deepStrictEqual(
      after.snapshots.map((s) => s.name),
      before.snapshots.filter((s, i) => i >= before.snapshots.length - 3 || forever.has(s.name)).map((s) => s.name),
    );
    assert.strictEqual(after.latest?.name, before.latest?.name);
  });
});
