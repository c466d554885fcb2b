import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../support/fixtures';
import { repoRoot, run, runCli } from '../support/proc';
import { takeSnapshot } from '../support/core';

const at = (step: number) => new Date(2026, 0, 1, 12, 0, step);

describe('CLI versions --lines (history of a selection)', () => {
  const tmp = tempDirs();
  let source: string, root: string;
  const names: string[] = [];

  before(async function () {
    this.timeout(120000);
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
    const base = tmp.make('rs-cli-lines');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    fs.mkdirSync(source);
    fs.mkdirSync(root);
    const file = path.join(source, 'app.py');
    const steps = ['import os\n\ndef main():\n    print(1)\n', 'import os\nimport sys\n\ndef main():\n    print(1)\n', 'import os\nimport sys\n\ndef main():\n    print(2)\n'];
    for (const [i, content] of steps.entries()) {
      fs.writeFileSync(file, content);
      fs.utimesSync(file, at(i), at(i));
      names.push((await takeSnapshot({ source, root, now: new Date(2026, 5, i + 1, 2, 0, 0) })).name);
    }
  });
  after(() => tmp.cleanup());

  it('--json lists the versions in which the lines changed, newest first, and where the history starts', async () => {
    const r = await runCli(['versions', root, 'app.py', '--lines', '4-5', '--working', source, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(r.stdout);
    assert.deepEqual(h.lines, { start: 4, end: 5 });
    assert.equal(h.changedSinceNewest, false);
    assert.deepEqual(
      h.changes.map((c: { firstSnapshot: string; range: object; olderRange?: object; added: number; removed: number }) => [c.firstSnapshot, c.range, c.olderRange, c.added, c.removed]),
      [
        [names[2], { start: 4, end: 5 }, { start: 4, end: 5 }, 1, 1],
        [names[0], { start: 3, end: 4 }, undefined, 2, 0],
      ],
    );
    assert.deepEqual(h.end, { reason: 'oldest', snapshot: names[0] });
  });

  it('text output: one line per version; a line added later says where it first appears', async () => {
    const r = await runCli(['versions', root, 'app.py', '--lines', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /app\.py line 2 in .*: changed in 1 version of 3/);
    assert.match(lines[1], new RegExp(`^  ${names[1]}  line 2  first appears here$`));
  });

  it('refuses a malformed range and a range past the end with one clear line', async () => {
    for (const [lines, message] of [
      ['x-3', /--lines takes A-B/],
      ['5-2', /no range/],
      ['4-40', /past the end of the file \(5 lines\)/],
    ] as const) {
      const r = await runCli(['versions', root, 'app.py', '--lines', lines]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
