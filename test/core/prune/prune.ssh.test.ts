import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { applyPrune, listSnapshots, planPrune, takeSnapshot } from '../../support/core';
import { run, runCli } from '../../support/proc';

describe('prune on a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  const names = ['2026-05-01T00-00-00', '2026-05-02T00-00-00', '2026-05-03T00-00-00', '2026-05-04T00-00-00', '2026-05-05T00-00-00'];

  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  async function makeRoot(): Promise<{ root: string; spec: string }> {
    const source = tmp.make('rs-rp-src');
    const root = path.join(tmp.make('rs-rp-remote'), 'root');
    const spec = `${sshd.host}:${root}`;
    for (const [i] of names.entries()) {
      if (i > 0) fs.rmSync(path.join(source, `f${i - 1}.bin`)); // each f<i>.bin is unique to snapshot i
      // Filled with i + 1, never zeros: snapshots keep runs of zeros as holes (rsync -S), which take no blocks.
      writeTree(source, { [`f${i}.bin`]: Buffer.alloc(20_000 + i, i + 1), 'same.txt': 'same' });
      await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: i === 0, now: new Date(2026, 4, i + 1) });
    }
    return { root, spec };
  }

  it('plans like a local root, deletes on the remote under the lock, never latest/newest/non-snapshots/symlinks', async () => {
    const { root, spec } = await makeRoot();
    fs.mkdirSync(path.join(root, 'not-a-snapshot'));
    fs.symlinkSync(names[0], path.join(root, '2026-04-01T00-00-00'));
    fs.mkdirSync(path.join(root, '.deleting-2026-01-01T00-00-00', 'x'), { recursive: true }); // interrupted prune
    fs.mkdirSync(path.join(root, '.deleting-my-notes')); // not ours: never touched
    fs.mkdirSync(path.join(root, names[0], 'locked', 'inner'), { recursive: true });
    fs.chmodSync(path.join(root, names[0], 'locked'), 0o000); // unreadable folder inside a snapshot: still removable
    fs.chmodSync(path.join(root, names[1], 'f1.bin'), 0o444);
    fs.chmodSync(path.join(root, names[1]), 0o555); // read-only folder, as rsync -a may copy it

    const plan = await planPrune(spec, { keepLast: 2 }, { sshCommand: sshd.sshCommand });
    const local = await planPrune(root, { keepLast: 2 }, { measureSizes: false });
    assert.equal(plan.root, spec);
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      names.slice(0, 3),
    );
    assert.deepEqual(
      plan.delete.map((d) => [d.name, d.id, (d.mtime.getTime() / 1000) | 0]),
      local.delete.map((d) => [d.name, d.id, (d.mtime.getTime() / 1000) | 0]),
    );
    assert.deepEqual(
      plan.keep.map((k) => k.name),
      names.slice(3),
    );
    assert.ok(plan.measured);
    assert.ok(plan.freesBytes >= 20_000 * 3, `frees ${plan.freesBytes}`);
    assert.ok(plan.delete.every((d) => d.uniqueBytes >= 20_000));

    const result = await applyPrune(plan, { sshCommand: sshd.sshCommand });
    assert.deepEqual(result.deleted, names.slice(0, 3));
    assert.deepEqual(result.skipped, []);
    const after = await listSnapshots(spec, { sshCommand: sshd.sshCommand });
    assert.deepEqual(
      after.snapshots.map((s) => s.name),
      names.slice(3),
    );
    assert.equal(after.latest?.name, names[4]);
    const entries = fs.readdirSync(root).sort();
    assert.ok(entries.includes('not-a-snapshot'));
    assert.ok(entries.includes('2026-04-01T00-00-00'), 'the symlink named like a snapshot is left alone');
    assert.deepEqual(
      entries.filter((e) => e.startsWith('.deleting-')),
      ['.deleting-my-notes'],
    );
    assert.ok(!fs.existsSync(path.join(root, '.rsync-snapshots.d', `${names[0]}.json`)), 'notes removed');
    assert.ok(fs.existsSync(path.join(root, '.rsync-snapshots.d', `${names[4]}.json`)));
    assert.equal(fs.readFileSync(path.join(root, names[4], 'same.txt'), 'utf8'), 'same', 'hard-linked files of kept snapshots survive');
  });

  it('re-checks each entry: latest moved onto a planned one, a replaced folder, the newest — all skipped', async () => {
    const { root, spec } = await makeRoot();
    const plan = await planPrune(spec, { keepLast: 1 }, { sshCommand: sshd.sshCommand, measureSizes: false });
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      names.slice(0, 4),
    );
    // Meanwhile: latest swung back to names[1], names[2] replaced by another folder; a forged entry for the newest.
    fs.unlinkSync(path.join(root, 'latest'));
    fs.symlinkSync(names[1], path.join(root, 'latest'));
    fs.renameSync(path.join(root, names[2]), path.join(root, 'moved'));
    fs.mkdirSync(path.join(root, names[2]));
    const newestId = `${fs.statSync(path.join(root, names[4])).dev}:${fs.statSync(path.join(root, names[4])).ino}`;
    const forged = { ...plan, delete: [...plan.delete, { ...plan.delete[0], name: names[4], id: newestId }, { ...plan.delete[0], name: '../escape', id: newestId }] };
    const result = await applyPrune(forged, { sshCommand: sshd.sshCommand });
    assert.deepEqual(result.deleted, [names[0], names[3]]);
    assert.deepEqual(
      result.skipped.map((s) => [s.name, s.why]).sort(),
      [
        ['../escape', 'not a snapshot name'],
        [names[1], 'latest points at it'],
        [names[2], 'replaced by another directory since the preview'],
        [names[4], 'it is the newest snapshot'],
      ].sort(),
    );
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      [names[1], names[2], names[4]],
    );
  });

  it('a held lock makes the prune fail with LOCKED and delete nothing', async () => {
    const { root, spec } = await makeRoot();
    const plan = await planPrune(spec, { keepLast: 1 }, { sshCommand: sshd.sshCommand, measureSizes: false });
    const { spawn } = await import('node:child_process');
    const holder = spawn('flock', ['-n', path.join(root, '.rsync-snapshots.lock'), 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await assert.rejects(applyPrune(plan, { sshCommand: sshd.sshCommand }), (err: unknown) => isSnapshotError(err, 'LOCKED'));
    } finally {
      holder.kill();
    }
    assert.equal((await listSnapshots(root)).snapshots.length, 5);
  });
  it("an interrupted prune's .deleting-* folder: du counts it, a prune with nothing to delete finishes it, and so does a snapshot", async () => {
    const { root, spec } = await makeRoot();
    // What a prune killed right after its first step (mv -T NAME .deleting-NAME) leaves: the whole folder, unlisted.
    const doomed = `.deleting-${names[0]}`;
    fs.renameSync(path.join(root, names[0]), path.join(root, doomed));
    const cli = (args: string[]) => runCli([...args, '--ssh-command', sshd.sshCommand]);

    const du = await cli(['du', spec, '--json']);
    assert.equal(du.code, 0, du.stderr);
    const report = JSON.parse(du.stdout);
    assert.deepEqual(
      report.deleting.map((d: { name: string }) => d.name),
      [doomed],
    );
    assert.ok(report.deleting[0].uniqueBytes >= 20_000, 'f0.bin is unique to it');
    const entries = fs
      .readdirSync(root)
      .filter((n) => /^(\d{4}-|\.deleting-)/.test(n))
      .map((n) => path.join(root, n));
    const real = await run('du', ['-s', '-B1', '--total', ...entries]);
    assert.equal(report.totalBytes, Number(real.stdout.trim().split('\n').pop()!.split('\t')[0]));

    const prune = await cli(['prune', spec, '--keep-last', '10']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, /Nothing to delete/);
    assert.match(prune.stdout, new RegExp(`finished an interrupted deletion: removed ${doomed}`));
    assert.equal(fs.existsSync(path.join(root, doomed)), false);

    const again = `.deleting-${names[1]}`;
    fs.renameSync(path.join(root, names[1]), path.join(root, again));
    const source = tmp.make('rs-rp-src2');
    writeTree(source, { 'same.txt': 'same' });
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, now: new Date(2026, 4, 9) });
    assert.equal(fs.existsSync(path.join(root, again)), false, 'the snapshot finished the deletion');
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((x) => x.name),
      [...names.slice(2), '2026-05-09T00-00-00'],
    );
  });
});
