import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { planUndoRestore } from '../../../src/core/restore/undo';
import { tempDirs, writeTree } from '../../support/fixtures';
import { restoreFixture } from '../../support/restoreFixture';
import { applyRestore, planRestore, readSnapshotMeta, root as openSpec, takeSnapshot } from '../../support/core';

/** The whole tree: every entry's kind, permissions and content (or link text); folders by their presence. */
function wholeTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const st = fs.lstatSync(full);
    const what = st.isSymbolicLink() ? `link ${fs.readlinkSync(full)}` : st.isFile() ? `file ${fs.readFileSync(full).toString('base64')}` : st.isDirectory() ? 'dir' : 'other';
    out.set(path.relative(dir, full), `${what} ${(st.mode & 0o7777).toString(8)}`);
  }
  return out;
}

describe('undo a restore (planUndoRestore, real rsync)', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('restore → undo → the workspace is byte-identical to before the restore (created files gone, deleted ones back)', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ru'));
    const before = wholeTree(ws);
    const plan = await planRestore({ root, snapshot, path: '.', target: ws, delete: true });
    assert.ok(plan.counts.create > 0 && plan.counts.delete > 0 && plan.counts.overwrite > 0, JSON.stringify(plan.counts));
    const restored = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(restored.failed, []);
    assert.notDeepEqual(wholeTree(ws), before);
    assert.ok(restored.undo);
    assert.equal(restored.undo.snapshot, restored.safetySnapshot);

    const undoPlan = await planUndoRestore(openSpec(root), restored.undo);
    assert.equal(undoPlan.snapshot, restored.safetySnapshot);
    assert.equal(undoPlan.target, ws);
    assert.ok(undoPlan.delete);
    const touched = new Set(restored.undo.paths);
    for (const item of undoPlan.items) assert.ok(touched.has(item.path), `${item.path} was not changed by the restore`);
    // What the restore created (gone.txt, dir/…) is deleted again; what it deleted (extra.txt, extradir/) comes back.
    const kind = new Map(undoPlan.items.map((i) => [i.path, i.kind]));
    assert.equal(kind.get('gone.txt'), 'delete');
    assert.equal(kind.get('dir'), 'delete');
    assert.equal(kind.get('extra.txt'), 'create');
    assert.equal(kind.get('changed.txt'), 'overwrite');

    const undone = await applyRestore(undoPlan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(undone.failed, []);
    assert.deepEqual(wholeTree(ws), before);
    assert.equal((await readSnapshotMeta(root, undone.safetySnapshot!))?.trigger, 'pre-restore', 'the undo is itself undoable');
  });

  it('touches only what the restore changed: files left out or changed after it stay as they are', async () => {
    const base = tmp.make('ru2');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(ws, { 'a.txt': 'a1', 'b.txt': 'b1', 'mine.txt': 'm1' });
    const snap = await takeSnapshot({ source: ws, root, createRoot: true });
    writeTree(ws, { 'a.txt': 'a2 edited', 'b.txt': 'b2 edited', 'mine.txt': 'm2 edited' });
    const plan = await planRestore({ root, snapshot: snap.name, path: '.', target: ws });
    const restored = await applyRestore(plan, { exclude: ['mine.txt'], safetySnapshot: { root, source: ws } });
    assert.deepEqual(restored.restored.sort(), ['a.txt', 'b.txt']);
    // After the restore the user goes on working.
    writeTree(ws, { 'mine.txt': 'm3 later', 'new-after.txt': 'later' });
    const undoPlan = await planUndoRestore(openSpec(root), restored.undo!);
    assert.deepEqual(undoPlan.items.map((i) => i.path).sort(), ['a.txt', 'b.txt']);
    await applyRestore(undoPlan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(Object.fromEntries([...wholeTree(ws)].map(([k, v]) => [k, Buffer.from(v.split(' ')[1], 'base64').toString()])), {
      'a.txt': 'a2 edited',
      'b.txt': 'b2 edited',
      'mine.txt': 'm3 later',
      'new-after.txt': 'later',
    });
  });

  it('a restore that created its target folder or file: the undo removes them again', async () => {
    const base = tmp.make('ru3');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(ws, { 'keep.txt': 'k', 'lib/one.js': '1', 'lib/deep/two.js': '2', 'note.md': 'n' });
    const snap = await takeSnapshot({ source: ws, root, createRoot: true });
    fs.rmSync(path.join(ws, 'lib'), { recursive: true });
    fs.rmSync(path.join(ws, 'note.md'));
    const before = wholeTree(ws);

    const folder = await applyRestore(await planRestore({ root, snapshot: snap.name, path: 'lib', target: path.join(ws, 'lib') }), { safetySnapshot: { root, source: ws } });
    assert.ok(fs.existsSync(path.join(ws, 'lib/deep/two.js')));
    const undoFolder = await planUndoRestore(openSpec(root), folder.undo!);
    assert.equal(undoFolder.target, ws, 'starts at the nearest folder the safety snapshot holds');
    await applyRestore(undoFolder, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(wholeTree(ws), before);

    const file = await applyRestore(await planRestore({ root, snapshot: snap.name, path: 'note.md', target: path.join(ws, 'note.md') }), { safetySnapshot: { root, source: ws } });
    assert.equal(fs.readFileSync(path.join(ws, 'note.md'), 'utf8'), 'n');
    const undoFile = await planUndoRestore(openSpec(root), file.undo!);
    assert.deepEqual(
      undoFile.items.map((i) => [i.path, i.kind]),
      [['note.md', 'delete']],
    );
    await applyRestore(undoFile, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(wholeTree(ws), before);
  });
});
