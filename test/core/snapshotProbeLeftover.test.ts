import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { takeSnapshot } from '../../src/core/snapshot';
import { tempDirs, writeTree } from '../support/fixtures';

// Found by the model test (test/model): a snapshot killed (kill -9) between writing its root write-probe and removing
// it left `.rsync-snapshots.probe-PID` in the backup root for good. The next snapshot removes probes of dead processes.
describe('write probes of killed runs', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('the next snapshot removes a dead process probe, keeps a live one and anything else', async () => {
    const base = tmp.make('rs-probe');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(ws, { 'a.txt': 'a' });
    // A pid that certainly ran and is gone: a finished child of ours.
    const dead = spawnSync('true').pid;
    const stale = [`.rsync-snapshots.probe-${dead}`, `.rsync-snapshots.probe-${dead}-1700000000000`];
    for (const n of stale) fs.writeFileSync(path.join(root, n), '');
    const live = `.rsync-snapshots.probe-${process.pid}-1`;
    fs.writeFileSync(path.join(root, live), '');
    const notOurs = ['.rsync-snapshots.probe-notes', `.rsync-snapshots.probe-${dead}x`];
    for (const n of notOurs) fs.writeFileSync(path.join(root, n), 'someone');
    await takeSnapshot({ source: ws, root });
    const left = fs.readdirSync(root).filter((n) => n.startsWith('.rsync-snapshots.probe-')).sort();
    assert.deepEqual(left, [live, ...notOurs].sort());
  });
});
