import assert from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AutoOutcome } from '../../src/extension/automatic/autoSnapshot';
import { keepHistoryQuestion } from '../../src/extension/automatic/historySchedule';
import { listSnapshots, takeSnapshot } from '../support/core';
import { activateExtension, automaticRunAfterChange, sleep, workspaceFolder } from './helpers';
import { screenshot } from './screenshot';

/**
 * Automatic history thins itself: after an automatic snapshot, the default "1d:1h 7d:1d 90d:1w" deletes what it no
 * longer keeps, never what the user labelled; and the question that turns history on says what it keeps.
 */
describe('Automatic history thins itself (default retention) in a real VS Code', function () {
  this.timeout(120_000);
  let api: Awaited<ReturnType<typeof activateExtension>>;
  let root: string;
  let savedRoot: string | undefined;
  const config = () => vscode.workspace.getConfiguration('rsyncSnapshots');

  before(async () => {
    api = await activateExtension();
    savedRoot = config().inspect<string>('backupRoot')?.globalValue;
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ext-thin-')), 'backups');
    await config().update('backupRoot', root, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('backupRoot', savedRoot, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('the question that turns history on says what it keeps, in the words of the settings', async () => {
    const question = keepHistoryQuestion(workspaceFolder());
    assert.match(question, /keeps everything for 1 day, then one per hour until 1 week old, one per day until 90 days old, one per week after that/);
    void vscode.window.showInformationMessage(question, 'Yes', 'No');
    // The notification center shows the whole question (a toast may be cut, or hidden while the window has no focus).
    await sleep(300);
    await vscode.commands.executeCommand('notifications.showList');
    await sleep(700);
    await screenshot('history-question-retention');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('an automatic snapshot thins two-day-old history to one per hour, keeping the snapshot the user labelled', async () => {
    const folder = workspaceFolder();
    // Two snapshots an hour, two days ago, of this very folder (so the root is this folder's own).
    const day = new Date(Date.now() - 2 * 86_400_000);
    const made: { name: string; label?: string }[] = [];
    for (const hour of [10, 11, 12]) {
      for (const minute of [5, 35]) {
        const when = new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, minute, 0);
        const label = hour === 11 && minute === 35 ? 'my checkpoint' : undefined;
        const r = await takeSnapshot({ root, source: folder.uri.fsPath, now: when, createRoot: true, trigger: label ? 'manual' : 'interval', label });
        made.push({ name: r.name, label });
      }
    }
    const outcome: AutoOutcome = await automaticRunAfterChange(api, folder, path.join(folder.uri.fsPath, 'thinning-trigger.txt'));
    assert.ok('taken' in outcome, JSON.stringify(outcome));
    const pruned = outcome.taken.autoPrune;
    const expected = made.filter((m, i) => i % 2 === 1 && !m.label).map((m) => m.name);
    assert.deepStrictEqual(pruned?.deleted?.slice().sort(), expected.sort(), JSON.stringify(pruned));
    const left = (await listSnapshots(root)).snapshots.map((s) => s.name);
    for (const m of made) assert.strictEqual(left.includes(m.name), !expected.includes(m.name), m.name);
    assert.ok(left.includes(outcome.taken.name));
  });

  it('an empty setting keeps every automatic snapshot', async () => {
    const folder = workspaceFolder();
    await config().update('retention.thinAutomaticHistory', '', vscode.ConfigurationTarget.Global);
    try {
      const day = new Date(Date.now() - 3 * 86_400_000);
      for (const minute of [5, 35]) await takeSnapshot({ root, source: folder.uri.fsPath, now: new Date(day.getFullYear(), day.getMonth(), day.getDate(), 9, minute), trigger: 'interval' });
      const before = (await listSnapshots(root)).snapshots.length;
      const outcome = await automaticRunAfterChange(api, folder, path.join(folder.uri.fsPath, 'thinning-trigger.txt'));
      assert.ok('taken' in outcome, JSON.stringify(outcome));
      assert.strictEqual(outcome.taken.autoPrune, undefined);
      assert.strictEqual((await listSnapshots(root)).snapshots.length, before + 1);
      assert.strictEqual(keepHistoryQuestion(folder).includes('every snapshot is kept'), true);
    } finally {
      await config().update('retention.thinAutomaticHistory', undefined, vscode.ConfigurationTarget.Global);
      fs.rmSync(path.join(folder.uri.fsPath, 'thinning-trigger.txt'), { force: true });
    }
  });
});
