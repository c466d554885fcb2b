import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { throttleProgress } from '../../../src/core/util/progressThrottle';
import type { RsyncProgress } from '../../../src/core/util/rsync';
import { tempDirs, writeTree } from '../../support/fixtures';
import { takeSnapshot } from '../../support/core';

describe('throttleProgress', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('passes a new percentage at once and, at the same percentage, one update per interval', () => {
    let clock = 0;
    const passed: RsyncProgress[] = [];
    const throttled = throttleProgress(
      (p) => passed.push(p),
      200,
      () => clock,
    );
    for (let i = 0; i < 1000; i++) {
      clock = i; // one update a millisecond, all at 5 %
      throttled({ bytes: i, percent: 5, files: i });
    }
    assert.deepEqual(
      passed.map((p) => p.files),
      [0, 200, 400, 600, 800],
    );
    clock = 801;
    throttled({ bytes: 1000, percent: 6, files: 1000 });
    assert.equal(passed.at(-1)?.percent, 6, 'a moved percentage is not held back');
  });

  it('on a real snapshot: fewer updates than rsync prints, and every percentage rsync reached, 100 % included', async () => {
    const base = tmp.make('rs-throttle');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`d${i % 30}/f${i}.txt`] = `file ${i}\n`.repeat(1 + (i % 50));
    writeTree(source, files);
    fs.mkdirSync(root);
    const raw: RsyncProgress[] = [];
    const passed: RsyncProgress[] = [];
    const throttled = throttleProgress((p) => passed.push(p));
    await takeSnapshot({
      source,
      root,
      onProgress: (p) => {
        raw.push(p);
        throttled(p);
      },
    });
    assert.ok(raw.length >= 3000, `rsync printed a progress line per file (${raw.length})`);
    assert.ok(passed.length < raw.length, `${passed.length} of ${raw.length} updates passed`);
    assert.deepEqual(passed[0], raw[0], 'the first update passes at once');
    assert.deepEqual([...new Set(passed.map((p) => p.percent))], [...new Set(raw.map((p) => p.percent))]);
    assert.equal(passed.at(-1)?.percent, 100);
  });
});
