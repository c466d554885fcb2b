import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../../support/fixtures';
import { applyRestore, planRestore, takeSnapshot } from '../../support/core';

// Found by the model test (test/model): rsync's --files-from reads a line starting with '#' or ';' as a comment,
// even with --from0, so a restore silently skipped such names and then reported them as failed.
describe('restore of names starting with # or ;', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('restores them, in a folder restore, a whole restore and a restore as copy', async () => {
    const base = tmp.make('rs-hash');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(ws, { '#h': 'hash', ';semi': 'semi', '#dir/in': 'inside', 'sub/#deep': 'deep', plain: 'plain' });
    const snap = await takeSnapshot({ source: ws, root });
    for (const rel of ['#h', ';semi', '#dir', 'sub/#deep']) fs.rmSync(path.join(ws, rel), { recursive: true });

    const whole = await applyRestore(await planRestore({ root, snapshot: snap.name, path: '.', target: ws }), { safetySnapshot: { root, source: ws } });
    assert.deepEqual(whole.failed, []);
    assert.deepEqual(whole.restored.sort(), ['#dir', '#dir/in', '#h', ';semi', 'sub/#deep']);
    assert.equal(fs.readFileSync(path.join(ws, '#h'), 'utf8'), 'hash');
    assert.equal(fs.readFileSync(path.join(ws, ';semi'), 'utf8'), 'semi');
    assert.equal(fs.readFileSync(path.join(ws, '#dir', 'in'), 'utf8'), 'inside');
    assert.equal(fs.readFileSync(path.join(ws, 'sub', '#deep'), 'utf8'), 'deep');

    const copy = path.join(base, 'copy');
    const asCopy = await applyRestore(await planRestore({ root, snapshot: snap.name, path: '.', target: copy }));
    assert.deepEqual(asCopy.failed, []);
    assert.equal(fs.readFileSync(path.join(copy, '#h'), 'utf8'), 'hash');
    assert.equal(fs.readFileSync(path.join(copy, ';semi'), 'utf8'), 'semi');

    fs.rmSync(path.join(ws, '#dir', 'in'));
    const folder = await applyRestore(await planRestore({ root, snapshot: snap.name, path: '#dir', target: path.join(ws, '#dir') }), { safetySnapshot: { root, source: ws } });
    assert.deepEqual(folder.failed, []);
    assert.equal(fs.readFileSync(path.join(ws, '#dir', 'in'), 'utf8'), 'inside');
  });
});
