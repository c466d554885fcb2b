import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { tempDirs, writeTree } from '../../support/fixtures';
import { applyRestore, planRestore, takeSnapshot } from '../../support/core';

// Found by the model test's long run (test/model): restoring a file onto a path that now holds a symlink looping to
// itself (a.txt -> a.txt) failed with an untyped "ELOOP: too many symbolic links" (a stack trace in the CLI). rsync
// cannot write there either, so the answer is a clear refusal that says how to go on.
describe('restore onto a symlink that loops', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('is refused with a typed error that says what to do, for a file and a folder; nothing changes', async () => {
    const base = tmp.make('rs-loop');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(ws, { 'a.txt': 'alpha', 'dir/b.txt': 'bravo' });
    const snap = await takeSnapshot({ source: ws, root });
    fs.rmSync(path.join(ws, 'a.txt'));
    fs.symlinkSync('a.txt', path.join(ws, 'a.txt'));
    fs.rmSync(path.join(ws, 'dir'), { recursive: true });
    fs.symlinkSync('dir', path.join(ws, 'dir'));

    await assert.rejects(
      planRestore({ root, snapshot: snap.name, path: 'a.txt', target: path.join(ws, 'a.txt') }),
      (e) => isSnapshotError(e, 'BAD_INPUT') && /symlink that loops.*rm /.test(e.message),
    );
    await assert.rejects(planRestore({ root, snapshot: snap.name, path: 'dir', target: path.join(ws, 'dir') }), (e) => isSnapshotError(e, 'BAD_INPUT') && /symlink that loops/.test(e.message));
    assert.equal(fs.readlinkSync(path.join(ws, 'a.txt')), 'a.txt');
    assert.equal(fs.readlinkSync(path.join(ws, 'dir')), 'dir');
    // Once the link is gone, the same restore works.
    fs.rmSync(path.join(ws, 'a.txt'));
    const restored = await applyRestore(await planRestore({ root, snapshot: snap.name, path: 'a.txt', target: path.join(ws, 'a.txt') }), { safetySnapshot: { root, source: ws } });
    assert.deepEqual(restored.failed, []);
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'alpha');
  });
});
