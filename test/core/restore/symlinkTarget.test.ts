import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { planUndoRestore } from '../../../src/core/restore/undo';
import { tempDirs, treeState, writeTree } from '../../support/fixtures';
import { applyRestore, planRestore, root as openSpec, takeSnapshot } from '../../support/core';

/**
 * Issue 24: ws/dir is now a symlink to a folder outside the workspace, and the snapshot holds dir/ as a real folder.
 * A restore never writes into the link's target: it replaces the link with the folder (saying so in the plan), or refuses.
 */
describe('restore where the workspace now has a symlink to a folder outside it', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());
  let ws: string;
  let root: string;
  let outside: string;
  let snapshot: string;
  let before: string;

  beforeEach(async () => {
    const base = tmp.make('rs-linkdir');
    ws = path.join(base, 'ws');
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    writeTree(ws, { 'top.txt': 'top', 'dir/evil.txt': 'from the snapshot', 'dir/other.txt': 'other', 'dir/sub/deep.txt': 'deep' });
    snapshot = (await takeSnapshot({ source: ws, root, createRoot: true })).name;
    fs.rmSync(path.join(ws, 'dir'), { recursive: true });
    writeTree(outside, { 'evil.txt': 'PRECIOUS', 'keep.txt': 'keep', 'sub/deep.txt': 'outside deep' });
    fs.symlinkSync(outside, path.join(ws, 'dir'));
    before = treeState(outside);
  });

  const replaced = (plan: { warnings: string[] }) =>
    assert.ok(
      plan.warnings.some((w) => w === `dir is now a link to ${outside}; restoring replaces the link with the folder from the snapshot`),
      JSON.stringify(plan.warnings),
    );
  const isTheSnapshotsFolder = (names: string[]) => {
    assert.ok(fs.lstatSync(path.join(ws, 'dir')).isDirectory(), 'the link is replaced by a real folder');
    assert.deepEqual(fs.readdirSync(path.join(ws, 'dir')).sort(), names);
    assert.equal(fs.readFileSync(path.join(ws, 'dir', 'evil.txt'), 'utf8'), 'from the snapshot');
  };

  it('a single file: the plan says the link is replaced; applying replaces it and never writes into its target', async () => {
    const plan = await planRestore({ root, snapshot, path: 'dir/evil.txt', target: path.join(ws, 'dir', 'evil.txt') });
    replaced(plan);
    assert.deepEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [['evil.txt', 'create']],
      'compared with nothing: the folder is new',
    );
    assert.equal(treeState(outside), before);
    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.failed, []);
    assert.equal(treeState(outside), before);
    isTheSnapshotsFolder(['evil.txt']);
    assert.equal(fs.readlinkSync(path.join(root, result.safetySnapshot!, 'dir')), outside, 'the safety snapshot holds the link');
    // Undo puts the link back (the folder made in its place goes again), still never writing into its target.
    const undone = await applyRestore(await planUndoRestore(openSpec(root), result.undo!));
    assert.deepEqual(undone.failed, []);
    assert.equal(fs.readlinkSync(path.join(ws, 'dir')), outside);
    assert.equal(treeState(outside), before);
  });

  it('a folder, and a folder with --delete: nothing of the link target is listed, deleted or written', async () => {
    for (const del of [false, true]) {
      const plan = await planRestore({ root, snapshot, path: 'dir', target: path.join(ws, 'dir'), delete: del });
      replaced(plan);
      assert.deepEqual(plan.counts.delete, 0, JSON.stringify(plan.items));
      assert.ok(
        plan.items.every((i) => i.kind === 'create' || i.kind === 'mkdir'),
        JSON.stringify(plan.items),
      );
      const result = await applyRestore(plan);
      assert.deepEqual(result.failed, []);
      assert.equal(treeState(outside), before);
      isTheSnapshotsFolder(['evil.txt', 'other.txt', 'sub']);
      fs.rmSync(path.join(ws, 'dir'), { recursive: true });
      fs.symlinkSync(outside, path.join(ws, 'dir'));
    }
  });

  it('the whole workspace with --delete: the link is an item replaced by the folder; nothing is written through it', async () => {
    const plan = await planRestore({ root, snapshot, path: '.', target: ws, delete: true });
    replaced(plan);
    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.failed, []);
    assert.equal(treeState(outside), before);
    isTheSnapshotsFolder(['evil.txt', 'other.txt', 'sub']);
  });

  it('leaving out the link but keeping what is below it is refused at apply; nothing changes', async () => {
    const plan = await planRestore({ root, snapshot, path: '.', target: ws });
    await assert.rejects(applyRestore(plan, { exclude: ['dir'] }), (e) => isSnapshotError(e, 'BAD_INPUT') && /dir is a link to .*leave out what is below it too/.test(e.message));
    assert.equal(fs.readlinkSync(path.join(ws, 'dir')), outside);
    assert.equal(treeState(outside), before);
  });

  it('a link where the snapshot has no folder is refused with what to do; nothing changes', async () => {
    fs.symlinkSync(outside, path.join(ws, 'elsewhere'));
    await assert.rejects(
      planRestore({ root, snapshot, path: 'top.txt', target: path.join(ws, 'elsewhere', 'top.txt') }),
      (e) => isSnapshotError(e, 'BAD_INPUT') && /elsewhere is a link to .*Remove or rename the link/.test(e.message) && !/\n\s+at /.test(e.message),
    );
    assert.equal(treeState(outside), before);
  });

  it('the link re-pointed after the preview: nothing is restored', async () => {
    const plan = await planRestore({ root, snapshot, path: 'dir/evil.txt', target: path.join(ws, 'dir', 'evil.txt') });
    fs.rmSync(path.join(ws, 'dir'));
    fs.symlinkSync(path.join(outside, 'sub'), path.join(ws, 'dir'));
    await assert.rejects(applyRestore(plan), (e) => isSnapshotError(e, 'CHANGED_SINCE_PREVIEW'));
    assert.equal(treeState(outside), before);
  });

  it('undo: the folder made a link after the restore is replaced, never written through', async () => {
    fs.rmSync(path.join(ws, 'dir'));
    writeTree(ws, { 'dir/evil.txt': 'edited', 'dir/other.txt': 'other' });
    const restored = await applyRestore(await planRestore({ root, snapshot, path: 'dir/evil.txt', target: path.join(ws, 'dir', 'evil.txt') }), { safetySnapshot: { root, source: ws } });
    assert.deepEqual(restored.failed, []);
    fs.rmSync(path.join(ws, 'dir'), { recursive: true });
    fs.symlinkSync(outside, path.join(ws, 'dir'));
    const undoPlan = await planUndoRestore(openSpec(root), restored.undo!);
    replaced(undoPlan);
    const undone = await applyRestore(undoPlan);
    assert.deepEqual(undone.failed, []);
    assert.equal(treeState(outside), before);
    assert.equal(fs.readFileSync(path.join(ws, 'dir', 'evil.txt'), 'utf8'), 'edited');
  });
});
