import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../../support/fixtures';
import { applyRestore, planRestore, takeSnapshot } from '../../support/core';

// Found by the model test (test/model): the restored folder itself ('.') was left out of rsync's file list, so its
// permissions were never set — a restore as copy of a 0700 folder, or a folder whose mode changed since the
// snapshot, reported "." as failed ("permissions differ from the snapshot") and left the wrong mode.
describe('restore sets the permissions of the restored folder itself', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('restore as copy of a 0700 folder, and a folder restored in place after a chmod', async () => {
    const base = tmp.make('rs-topmode');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(ws, { 'private/a.txt': 'a', 'private/inner/b.txt': 'b', 'other.txt': 'o' });
    fs.chmodSync(path.join(ws, 'private'), 0o700);
    const snap = await takeSnapshot({ source: ws, root });

    const copy = path.join(base, 'copy');
    const asCopy = await applyRestore(await planRestore({ root, snapshot: snap.name, path: 'private', target: copy }));
    assert.deepEqual(asCopy.failed, []);
    assert.equal(fs.statSync(copy).mode & 0o7777, 0o700);
    assert.equal(fs.readFileSync(path.join(copy, 'inner', 'b.txt'), 'utf8'), 'b');

    fs.chmodSync(path.join(ws, 'private'), 0o755);
    const plan = await planRestore({ root, snapshot: snap.name, path: 'private', target: path.join(ws, 'private') });
    assert.deepEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [['.', 'overwrite']],
    );
    const inPlace = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(inPlace.failed, []);
    assert.deepEqual(inPlace.restored, ['.']);
    assert.equal(fs.statSync(path.join(ws, 'private')).mode & 0o7777, 0o700);
  });
});
