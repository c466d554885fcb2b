import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../support/fixtures';
import { repoRoot, run, runCli } from '../support/proc';
import { takeSnapshot } from '../support/core';

const at = (step: number) => new Date(2026, 0, 1, 12, 0, step);

describe('CLI versions and changes', () => {
  const tmp = tempDirs();
  let source: string, root: string;
  const names: string[] = [];

  before(async function () {
    this.timeout(120000);
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
    const base = tmp.make('rs-cli-versions');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(source, { 'notes.txt': 'one', '-dash.txt': 'dash', 'gone.txt': 'bye' });
    const notes = path.join(source, 'notes.txt');
    fs.utimesSync(notes, at(0), at(0));
    for (let step = 1; step <= 3; step++) {
      if (step === 2) {
        fs.writeFileSync(notes, 'two, longer');
        fs.utimesSync(notes, at(2), at(2));
        fs.rmSync(path.join(source, 'gone.txt'));
        fs.writeFileSync(path.join(source, 'new\nline.txt'), 'hostile');
      }
      names.push((await takeSnapshot({ source, root, now: new Date(2026, 5, step, 2, 0, 0) })).name);
    }
  });
  after(() => tmp.cleanup());

  it('versions --json gives the distinct versions with ranges and the current marker', async () => {
    const r = await runCli(['versions', root, 'notes.txt', '--working', source, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(r.stdout);
    assert.equal(h.relativePath, 'notes.txt');
    assert.deepEqual(
      h.versions.map((v: { snapshots: string[] }) => v.snapshots),
      [[names[0]], [names[1], names[2]]],
    );
    assert.deepEqual(
      h.versions.map((v: { current: boolean }) => v.current),
      [false, true],
    );
    assert.equal(h.versions[1].mtime, at(2).toISOString());
    assert.equal(h.versions[1].size, 11);
  });

  it('versions prints a line per version and absent range, newest first, for people', async () => {
    const r = await runCli(['versions', root, 'gone.txt']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /gone\.txt .*1 distinct version in 3 snapshots/);
    assert.match(lines[1], new RegExp(`${names[1]} … ${names[2]} .*deleted`));
    assert.match(lines[2], new RegExp(`${names[0]} .*3 B`));
  });

  it('versions refuses a path with ".." (exit 1, BAD_INPUT in --json) and a leading-dash path after --', async () => {
    const r = await runCli(['versions', root, '../etc/passwd', '--json']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.code, 'BAD_INPUT');
    assert.match(r.stderr, /\.\./);
    const dash = await runCli(['versions', '--json', '--', root, '-dash.txt']);
    assert.equal(dash.code, 0, dash.stderr);
    assert.equal(JSON.parse(dash.stdout).versions.length, 1);
  });

  it('changes --json between two snapshots and against the working folder', async () => {
    const r = await runCli(['changes', root, names[0], names[1], '--json']);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(r.stdout);
    assert.deepEqual([c.added, c.modified, c.deleted], [['new\nline.txt'], ['notes.txt'], ['gone.txt']]);

    fs.writeFileSync(path.join(source, 'added-later.txt'), 'x');
    const w = await runCli(['changes', root, 'latest', '--working', source, '--json']);
    assert.equal(w.code, 0, w.stderr);
    const cw = JSON.parse(w.stdout);
    assert.deepEqual([cw.added, cw.modified, cw.deleted, cw.toWorking], [['added-later.txt'], [], [], true]);
    fs.rmSync(path.join(source, 'added-later.txt'));
  });

  it('changes text output marks A/M/D and quotes a name with a newline', async () => {
    const r = await runCli(['changes', root, names[0], names[2]]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['D  gone.txt', 'A  "new\\nline.txt"', 'M  notes.txt', `1 added, 1 modified, 1 deleted from ${names[0]} to ${names[2]}`]);
  });

  it('changes refuses a second snapshot together with --working, and neither', async () => {
    for (const args of [
      ['changes', root, names[0], names[1], '--working', source, '--json'],
      ['changes', root, names[0], '--json'],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.stdout).error.code, 'BAD_INPUT');
    }
  });

  describe('versions --lines (history of a selection)', () => {
    let source: string, root: string;
    const names: string[] = [];

    before(async function () {
      this.timeout(120000);
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
});
