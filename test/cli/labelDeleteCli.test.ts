import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../support/fixtures';
import { repoRoot, run, runCli } from '../support/proc';
import { listSnapshots, readSnapshotMeta, takeSnapshot } from '../support/core';

describe('CLI label and delete: one snapshot at a time', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  before(async () => {
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
  });
  after(() => tmp.cleanup());

  /** Three snapshots of a small tree, a day apart; `shared.txt` never changes (hard-linked in all three). */
  async function history() {
    const base = tmp.make('rs-label');
    const source = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(source, { 'shared.txt': 'same in all', 'v.txt': 'one' });
    const names: string[] = [];
    for (const [i, v] of ['one', 'two', 'three'].entries()) {
      fs.writeFileSync(path.join(source, 'v.txt'), v);
      names.push((await takeSnapshot({ source, root, createRoot: i === 0, now: new Date(2026, 5, i + 1) })).name);
    }
    return { root, names };
  }

  it('label sets, keeps and clears a label in the notes; refuses an empty or multi-line label', async () => {
    const { root, names } = await history();
    const set = await runCli(['label', root, names[0], '  before the refactor ']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), `Labelled ${names[0]} in ${root}: "before the refactor".`);
    assert.equal((await readSnapshotMeta(root, names[0]))?.label, 'before the refactor');
    assert.equal((await readSnapshotMeta(root, names[0]))?.filesTotal !== undefined, true, 'the other notes stay');
    const again = await runCli(['label', root, names[0], 'before the refactor', '--json']);
    assert.equal(JSON.parse(again.stdout).changed, false);
    const latest = await runCli(['label', root, 'latest', 'release']);
    assert.equal(latest.code, 0, latest.stderr);
    assert.equal((await readSnapshotMeta(root, names[2]))?.label, 'release');
    const cleared = await runCli(['label', root, names[0], '--clear']);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal((await readSnapshotMeta(root, names[0]))?.label, undefined);
    for (const [args, why] of [
      [[names[1], 'two\nlines'], /control character/],
      [[names[1], 'x'.repeat(201)], /201 characters/],
      [[names[1]], /Give the label text/],
      [[names[1], 'a', '--clear'], /not both/],
      [['2001-01-01T00-00-00', 'a'], /2001-01-01T00-00-00/],
    ] as [string[], RegExp][]) {
      const r = await runCli(['label', root, ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, why);
      assert.doesNotMatch(r.stderr, /at \w+ \(/, 'no stack trace');
    }
    const empty = await runCli(['label', root, names[1], '']);
    assert.equal(empty.code, 2, 'an empty argument is a usage error');
    assert.match(empty.stderr, /argument is empty/);
    assert.equal((await readSnapshotMeta(root, names[1]))?.label, undefined, 'a refused label writes nothing');
  });

  it('delete removes exactly one snapshot and its notes; the others keep every file; never latest, the newest or a pinned one', async () => {
    const { root, names } = await history();
    for (const [target, why] of [
      ['latest', /latest points at/],
      [names[2], /latest points at/],
    ] as [string, RegExp][])
      assert.match((await runCli(['delete', root, target])).stderr, why);
    assert.equal((await runCli(['pin', root, names[0]])).code, 0);
    const pinned = await runCli(['delete', root, names[0]]);
    assert.equal(pinned.code, 1);
    assert.match(pinned.stderr, /pinned \(keep forever\): unpin it first, or pass --include-pinned/);
    const dry = await runCli(['delete', root, names[1], '--dry-run']);
    assert.match(dry.stdout, /Would delete .* Nothing was deleted/);
    assert.equal((await listSnapshots(root)).snapshots.length, 3);

    const r = await runCli(['delete', root, names[1], '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).deleted, [names[1]]);
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      [names[0], names[2]],
    );
    assert.equal(fs.existsSync(path.join(root, '.rsync-snapshots.d', `${names[1]}.json`)), false);
    for (const name of [names[0], names[2]]) assert.equal(fs.readFileSync(path.join(root, name, 'shared.txt'), 'utf8'), 'same in all');
    assert.equal(fs.readFileSync(path.join(root, names[0], 'v.txt'), 'utf8'), 'one');
    const withPin = await runCli(['delete', root, names[0], '--include-pinned']);
    assert.equal(withPin.code, 0, withPin.stderr);
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      [names[2]],
    );
  });
});
