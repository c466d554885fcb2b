import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../../support/fixtures';
import { makeManyFiles, run } from '../../support/proc';
import { diagnoseLinking, takeSnapshot } from '../../support/core';
import { probeHardLinks } from '../../../src/core/util/linkProbe';
import { swingLatest } from '../../../src/core/root/local/snapshot';

describe('diagnoseLinking', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  function setup() {
    const base = tmp.make('rs-diag');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(source);
    fs.mkdirSync(root);
    const rels = makeManyFiles(source, 60, [10, 3000]);
    return { base, source, root, rels };
  }
  let day = 1;
  const next = () => new Date(2026, 2, day++, 2, 0, 0);

  it('first snapshot and a normal linked one are no problem', async () => {
    const { source, root } = setup();
    const first = await takeSnapshot({ source, root, now: next() });
    assert.equal((await diagnoseLinking(first)).cause, 'first-snapshot');
    fs.writeFileSync(path.join(source, 'd0', 'f0.txt'), 'changed');
    const second = await takeSnapshot({ source, root, now: next() });
    const d = await diagnoseLinking(second);
    assert.equal(d.problem, false);
    assert.equal(d.cause, 'ok');
    assert.equal(d.linked, d.compared - 1);
  });

  it('detects a forced full copy when latest was removed', async () => {
    const { source, root } = setup();
    await takeSnapshot({ source, root, now: next() });
    fs.rmSync(path.join(root, 'latest'));
    const second = await takeSnapshot({ source, root, now: next() });
    assert.equal(second.linkDest, null);
    const d = await diagnoseLinking(second);
    assert.equal(d.problem, true);
    assert.equal(d.cause, 'latest-missing');
    assert.equal(d.linked, 0);
    assert.equal(d.copiedUnchanged, d.compared);
    assert.match(d.message, /full copy/);
  });

  it('detects a dangling latest', async () => {
    const { source, root } = setup();
    await takeSnapshot({ source, root, now: next() });
    fs.rmSync(path.join(root, 'latest'));
    fs.symlinkSync('2001-01-01T00-00-00', path.join(root, 'latest'));
    const d = await diagnoseLinking(await takeSnapshot({ source, root, now: next() }));
    assert.equal(d.cause, 'latest-dangling');
  });

  it('names the file and attribute when modes changed in the source (chmod of every file)', async () => {
    const { source, root, rels } = setup();
    await takeSnapshot({ source, root, now: next() });
    for (const rel of rels) fs.chmodSync(path.join(source, rel), 0o600);
    const d = await diagnoseLinking(await takeSnapshot({ source, root, now: next() }));
    assert.equal(d.problem, true);
    assert.equal(d.cause, 'attribute-mismatch');
    assert.equal(d.attribute, 'mode');
    assert.ok(d.file && rels.includes(d.file), `file ${d.file}`);
    assert.equal(d.currentValue, '0600');
    assert.match(d.message, /mode differs/);
  });

  it("names the owner when ownership differs (chown of the previous snapshot's files)", async () => {
    const { source, root } = setup();
    const first = await takeSnapshot({ source, root, now: next() });
    const r = await run('chown', ['-R', '12345', first.path]);
    assert.equal(r.code, 0, r.stderr);
    const d = await diagnoseLinking(await takeSnapshot({ source, root, now: next() }));
    assert.equal(d.cause, 'attribute-mismatch');
    assert.equal(d.attribute, 'uid');
    assert.equal(d.previousValue, '12345');
  });

  it('detects the previous snapshot on another filesystem (tmpfs mounted in the root)', async function () {
    const { source, root } = setup();
    const prevName = '2026-01-01T00-00-00';
    const prev = path.join(root, prevName);
    fs.mkdirSync(prev);
    const mount = await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', prev]);
    if (mount.code !== 0) {
      console.log(`      skipped: cannot mount tmpfs here (${mount.stderr.trim() || `exit ${mount.code}`})`);
      this.skip();
    }
    try {
      const copy = await run('rsync', ['-a', `${source}/`, `${prev}/`]);
      assert.equal(copy.code, 0, copy.stderr);
      await swingLatest(root, prevName);
      const result = await takeSnapshot({ source, root, now: next() });
      assert.equal(result.linkDest, prev);
      const d = await diagnoseLinking(result);
      assert.equal(d.problem, true, d.message);
      assert.equal(d.cause, 'different-filesystem');
      assert.match(d.message, /another filesystem/);
    } finally {
      await run('umount', [prev]);
    }
  });

  it('probes that hard links work in a folder', async () => {
    assert.deepEqual(await probeHardLinks(tmp.make('rs-probe')), { ok: true });
    const missing = await probeHardLinks(path.join(tmp.make('rs-probe'), 'nope'));
    assert.equal(missing.ok, false);
  });
});
