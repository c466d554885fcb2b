import assert from 'node:assert/strict';
import path from 'node:path';
import { scanWithFind } from '../../../src/core/usage/findScan';
import { argBatches, argBytes } from '../../../src/core/util/argBatches';
import { isSnapshotError } from '../../../src/core/util/errors';
import { tempDirs, writeTree } from '../../support/fixtures';

describe('usage: argument lists stay under the system limit', function () {
  this.timeout(60000);
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('argBatches cuts a list into runs in order, each within the budget beside the fixed arguments', () => {
    const items = Array.from({ length: 1000 }, (_, i) => `/backups/root/2026-01-01T00-00-${String(i).padStart(4, '0')}`);
    const batches = argBatches(items, { budget: 4096, fixedBytes: 100 });
    assert.deepEqual(batches.flat(), items, 'every item once, in order');
    assert.ok(batches.length > 1);
    for (const b of batches) assert.ok(b.reduce((sum, a) => sum + argBytes(a), 0) <= 4096 - 100);
    assert.deepEqual(argBatches(['x'.repeat(10_000), 'y'], { budget: 100 }), [['x'.repeat(10_000)], ['y']], 'an item over the budget goes alone');
    assert.deepEqual(argBatches([]), []);
  });

  it('a find walk cut into many small argument lists measures exactly what one find over all of them does', async () => {
    const root = tmp.make('rs-usage-args');
    const jobs = Array.from({ length: 12 }, (_, i) => {
      const name = `2026-01-${String(i + 1).padStart(2, '0')}T00-00-00`;
      writeTree(path.join(root, name), { 'a.txt': 'x'.repeat(100 * i), [`sub${i}/b.txt`]: 'b'.repeat(5000) });
      return { key: name, dir: path.join(root, name) };
    });
    const whole = await scanWithFind(jobs, { concurrency: 1 });
    const cut = await scanWithFind(jobs, { concurrency: 2, argBytes: 200 }); // room for one or two folders per find
    assert.deepEqual([...cut.keys()].sort(), [...whole.keys()].sort());
    for (const [key, scan] of whole) assert.deepEqual(cut.get(key), scan, key);
  });

  it('a find that cannot start is a clear error: E2BIG (one argument over 128 KiB) and ENOENT (no find on PATH)', async () => {
    const huge = `/tmp/${'x'.repeat(200 * 1024)}`; // over MAX_ARG_STRLEN: spawn fails with E2BIG whatever the batching
    await assert.rejects(scanWithFind([{ key: 'huge', dir: huge }]), (err) => {
      assert.ok(isSnapshotError(err), String(err));
      assert.match(err.message, /^find could not be started to measure 1 snapshot\(s\) from \/tmp\/x+: its argument list is longer than this system allows \(E2BIG\)/);
      return true;
    });
    const saved = process.env.PATH;
    process.env.PATH = tmp.make('rs-no-find');
    try {
      await assert.rejects(scanWithFind([{ key: 'a', dir: '/tmp' }]), (err) => isSnapshotError(err, 'TOOL_NOT_FOUND') && /^find was not found on PATH/.test(err.message));
    } finally {
      process.env.PATH = saved;
    }
  });
});
