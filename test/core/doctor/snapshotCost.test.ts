import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkSnapshotCost, snapshotCost, snapshotsKept } from '../../../src/core/doctor/snapshotCost';
import { tempDirs } from '../../support/fixtures';
import { readSnapshotMeta, root as openSpec, takeSnapshot } from '../../support/core';

describe("a snapshot's true cost (folders beside bytes) and what a season of history adds up to", () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('counts the folders of a real snapshot: one block and one inode each, beside what rsync copied', async () => {
    const base = tmp.make('cost');
    const source = path.join(base, 'ws');
    for (let d = 0; d < 30; d++) {
      fs.mkdirSync(path.join(source, `d${d}`, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(source, `d${d}`, 'sub', 'f.txt'), `file ${d}`);
    }
    const root = path.join(base, 'root');
    await takeSnapshot({ source, root, createRoot: true });
    fs.writeFileSync(path.join(source, 'd0', 'sub', 'f.txt'), 'changed');
    const second = await takeSnapshot({ source, root });
    const meta = (await readSnapshotMeta(root, second.name))!;
    assert.equal(meta.folders, 61, 'the source folder and 60 below it');
    const cost = snapshotCost(meta, 4096)!;
    assert.deepEqual(cost, { bytes: meta.bytesTransferred! + (61 + 1) * 4096, inodes: 62, folders: 61 });
    const check = await checkSnapshotCost(openSpec(root), await openSpec(root).list());
    assert.match(check.detail, /^each snapshot costs about .* and 62 inodes \(61 folders, which cannot be hard-linked\); 90 days of automatic history/);
  });

  it('the default thinning keeps a bounded history: about 371 snapshots at 90 days, one more per week after', () => {
    const at90 = snapshotsKept(90, 10);
    // 144 of the last day, 144 hourly for six more days, one a day for 83 more: 371, give or take the edges.
    assert.ok(at90 >= 368 && at90 <= 375, `kept ${at90}`);
    const at181 = snapshotsKept(181, 10);
    assert.ok(Math.abs(at181 - at90 - 13) <= 1, `${at181 - at90} more in 13 weeks`);
  });

  it('notes without a folder count (other tools, older notes) say unknown, never a made-up figure', async () => {
    const base = tmp.make('cost-seed');
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, '2026-01-01T00-00-00'), { recursive: true });
    fs.symlinkSync('2026-01-01T00-00-00', path.join(root, 'latest'));
    const check = await checkSnapshotCost(openSpec(root), await openSpec(root).list());
    assert.match(check.detail, /^unknown/);
    assert.equal(snapshotCost({ filesTransferred: 3 }, 4096), undefined);
  });
});
