import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotsNode } from '../../src/extension/snapshots/snapshotsTree';
import { repaintWhileVisible } from '../../src/extension/snapshots/snapshotsTree';
import type { SnapshotResult } from '../../src/core/snapshot/types';
import { activateExtension, EXTENSION_ID, sleep, testBackupRoot, treeRows, waitFor } from './helpers';
import { screenshot } from './screenshot';
import { diffTitle, snapshotFileTitle } from '../../src/extension/history/titles';

interface ConfigurationCategory {
  title: string;
  order: number;
  properties: Record<string, { order: number; markdownDescription: string }>;
}

describe('What a user sees: labels, settings, ages (real VS Code)', function () {
  let api: Awaited<ReturnType<typeof activateExtension>>;

  before(async () => {
    await testBackupRoot();
    api = await activateExtension();
    const result = (await vscode.commands.executeCommand('rsyncSnapshots.snapshotWorkspace')) as SnapshotResult;
    assert.ok(result?.name, `snapshot failed: ${api.shownErrors.join(' | ')}`);
  });

  it('titles say where each side is from: seconds only when both sides share a minute, (Working Tree) for the file', () => {
    const at = (min: number, sec: number) => new Date(2026, 10, 30, 16, min, sec);
    assert.strictEqual(diffTitle('src/app.js', at(50, 1), at(50, 40)), 'app.js (2026-11-30 16:50:01) ↔ app.js (2026-11-30 16:50:40)');
    assert.strictEqual(diffTitle('src/app.js', at(48, 1), at(50, 40)), 'app.js (2026-11-30 16:48) ↔ app.js (2026-11-30 16:50)');
    assert.strictEqual(diffTitle('src/app.js', at(48, 1), 'working'), 'app.js (2026-11-30 16:48) ↔ app.js (Working Tree)');
    assert.strictEqual(snapshotFileTitle('src/app.js', '2026-11-30T16-36-46'), 'app.js (2026-11-30 16:36:46)');
  });

  it('every tree item carries an accessibility label that says what it is', async () => {
    const snapshots = (await treeRows(api)).filter((n) => n.kind === 'snapshot');
    assert.ok(snapshots.length > 0);
    const children = await api.tree.getChildren(snapshots[0]);
    const nodes: SnapshotsNode[] = [...snapshots.slice(0, 2), ...children];
    for (const node of nodes) {
      const item = await api.tree.getTreeItem(node);
      const label = item.accessibilityInformation?.label ?? '';
      const expected =
        node.kind === 'snapshot' ? /^Snapshot \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, / : node.kind === 'changes' ? /^Changed in this snapshot: / : /^(File|Folder|Symbolic link) .+ in snapshot \d{4}-/;
      assert.match(label, expected, `${node.kind}: ${label}`);
    }
  });

  it("the view's error line is read as the error, not as its tooltip", async () => {
    const config = vscode.workspace.getConfiguration('rsyncSnapshots');
    const saved = config.inspect<string>('backupRoot')?.globalValue;
    await config.update('backupRoot', '-refused', vscode.ConfigurationTarget.Global);
    try {
      const nodes = await waitFor('an error line', async () => {
        api.tree.refresh();
        const found = (await treeRows(api)).filter((n) => n.kind === 'message');
        return found.length ? found : undefined;
      });
      const item = await api.tree.getTreeItem(nodes[0]);
      assert.match(String(item.label), /starts with "-"/);
      assert.match(item.accessibilityInformation?.label ?? '', /^Warning: Backup root "-refused" starts with "-".*Check the rsyncSnapshots\.backupRoot setting\.$/);
    } finally {
      await config.update('backupRoot', saved, vscode.ConfigurationTarget.Global);
      api.tree.refresh();
    }
  });

  it('relative ages are redrawn while the view is visible, from the listing already read, and not while hidden', async () => {
    await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
    await waitFor('the view visible', () => api.treeView.visible || undefined);
    await treeRows(api); // a listing to redraw from
    let redraws = 0;
    let listings = 0;
    const counting = [api.tree.onDidChangeTreeData(() => redraws++), api.tree.onDidList(() => listings++)];
    const repaint = repaintWhileVisible(api.treeView, api.tree, 100);
    try {
      await waitFor('two redraws', () => redraws >= 2 || undefined, 5_000);
      // A redraw reads no root. (A real refresh from elsewhere — the root watcher after an earlier test — may land in
      // between and list once: try again then; a redraw that always listed fails every time.)
      let reread = -1;
      for (let attempt = 0; attempt < 3 && reread !== 0; attempt++) {
        listings = 0;
        api.tree.repaint();
        await treeRows(api);
        reread = listings;
      }
      assert.strictEqual(reread, 0, 'a redraw reuses the listing instead of reading the root');
      await vscode.commands.executeCommand('workbench.view.explorer');
      await waitFor('the view hidden', () => !api.treeView.visible || undefined);
      const hidden = redraws;
      await sleep(400);
      assert.strictEqual(redraws, hidden, 'no redraws while the view is hidden');
    } finally {
      repaint.dispose();
      counting.forEach((d) => d.dispose());
      api.tree.refresh();
    }
  });

  it("older/newer are on Alt+, / Alt+. in a snapshot diff, with icons unlike the diff's change arrows, enabled by context keys", () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { keybindings: { command: string; key: string; when: string }[]; commands: { command: string; icon?: string; enablement?: string }[] };
    };
    const keys = Object.fromEntries(pkg.contributes.keybindings.map((k) => [k.command, k]));
    assert.deepStrictEqual(
      [keys['rsyncSnapshots.olderVersion'], keys['rsyncSnapshots.newerVersion']].map((k) => [k?.key, k?.when]),
      [
        ['alt+,', 'rsyncSnapshots.inSnapshotDiff'],
        ['alt+.', 'rsyncSnapshots.inSnapshotDiff'],
      ],
    );
    const commands = Object.fromEntries(pkg.contributes.commands.map((c) => [c.command, c]));
    assert.strictEqual(commands['rsyncSnapshots.olderVersion'].enablement, 'rsyncSnapshots.hasOlderVersion');
    assert.strictEqual(commands['rsyncSnapshots.newerVersion'].enablement, 'rsyncSnapshots.hasNewerVersion');
    // The diff editor's own change navigation is $(arrow-up)/$(arrow-down); ours must not look like it.
    for (const id of ['rsyncSnapshots.olderVersion', 'rsyncSnapshots.newerVersion']) assert.doesNotMatch(commands[id].icon ?? '', /^\$\(arrow-(up|down|left|right)\)$/, id);
  });

  it('command titles are in Title Case and come from package.nls.json, so they can be translated', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const manifest = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[] } };
    const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const small = new Set(['a', 'an', 'the', 'and', 'or', 'of', 'in', 'on', 'with', 'to', 'for', 'as', 'at', 'by', 'from']);
    for (const { command, title } of manifest.contributes.commands) {
      const key = /^%(.+)%$/.exec(title)?.[1];
      assert.ok(key && nls[key], `${command}: its title is a package.nls.json key (${title})`);
      const words = nls[key].replace(/[…()]/g, ' ').split(/\s+/).filter(Boolean);
      for (const [i, word] of words.entries()) assert.ok(/^[A-Z]/.test(word) || (i > 0 && small.has(word)), `${command}: "${nls[key]}" is in Title Case (${word})`);
    }
  });

  it('settings are grouped and ordered, the backup root first, and no description points "above" or "below"', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { configuration: ConfigurationCategory[] } };
    const categories = [...pkg.contributes.configuration].sort((a, b) => a.order - b.order);
    assert.deepStrictEqual(
      categories.map((c) => c.title),
      ['Backup root', 'Automatic snapshots', 'Retention', 'Programs'],
    );
    const first = Object.entries(categories[0].properties).sort((a, b) => a[1].order - b[1].order)[0][0];
    assert.strictEqual(first, 'rsyncSnapshots.backupRoot');
    for (const category of categories)
      for (const [key, setting] of Object.entries(category.properties)) {
        assert.strictEqual(typeof setting.order, 'number', `${key} has an order`);
        assert.doesNotMatch(setting.markdownDescription, /\b(above|below)\b/, key);
        assert.doesNotMatch(setting.markdownDescription, /rsync-time-backup|find -mtime/, `${key}: no jargon`);
      }
    await vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${EXTENSION_ID}`);
    await sleep(1500);
    await screenshot('settings-grouped');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
