import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../../../src/core/root/local/lock';
import { formatSnapshotName } from '../../../src/core/root/format';
import { tempDirs, writeTree } from '../../support/fixtures';
import { asNobody, makeManyFiles, NOBODY, run, runCli, waitFor } from '../../support/proc';
import { buildCli } from '../../support/cliBundle';
import { applyPrune, listSnapshots, planPrune, takeSnapshot } from '../../support/core';
import { swingLatest } from '../../../src/core/root/local/snapshot';
import { metaPath } from '../../../src/core/root/local/notes';

const DAY = 86_400_000;

/** touch -d @EPOCH DIR (sets atime and mtime), as a user would to age a snapshot. */
async function touchBack(dir: string, when: Date): Promise<void> {
  const r = await run('touch', ['-d', `@${Math.floor(when.getTime() / 1000)}`, dir]);
  assert.equal(r.code, 0, r.stderr);
}

describe('prune', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  /** A root with one snapshot per `ages` entry (days ago, name time = mtime), oldest first; latest → newest. */
  async function makeRoot(agesDays: number[], files: Record<string, string | null> = { 'a.txt': 'alpha', 'sub/b.txt': 'bravo' }) {
    const base = tmp.make('rs-prune');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(source);
    fs.mkdirSync(root);
    writeTree(source, files);
    const now = Date.now();
    const names: string[] = [];
    for (const [i, age] of [...agesDays].sort((a, b) => b - a).entries()) {
      const when = new Date(now - age * DAY);
      fs.writeFileSync(path.join(source, 'changing.txt'), `run ${i} `.repeat(500));
      const r = await takeSnapshot({ source, root, now: when });
      await touchBack(r.path, when);
      names.push(r.name);
    }
    return { base, source, root, names };
  }

  it('--older-than 30d selects exactly what find -maxdepth 1 -type d -name "20*" -mtime +30 prints', async () => {
    // Ages straddling the boundary: find -mtime +30 means 31 full days or more.
    const { root } = await makeRoot([0.2, 10, 29.6, 30.4, 30.96, 31.04, 31.5, 45, 400]);
    const find = await run('find', [root, '-maxdepth', '1', '-type', 'd', '-name', '20*', '-mtime', '+30']);
    assert.equal(find.code, 0, find.stderr);
    const byFind = find.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((p) => path.basename(p))
      .sort();
    const plan = await planPrune(root, { olderThan: '30d' });
    assert.deepEqual(plan.delete.map((d) => d.name).sort(), byFind);
    assert.equal(byFind.length, 4, `find printed ${byFind.join(', ')}`);
    // Also with a plain number (days) and on touched-back mtimes that disagree with the names.
    const plan2 = await planPrune(root, { olderThan: '30' });
    assert.deepEqual(plan2.delete.map((d) => d.name).sort(), byFind);
  });

  it('measures on the directory mtime (touch -d), not the name', async () => {
    const { root, names } = await makeRoot([100, 50, 1]);
    await touchBack(path.join(root, names[0]), new Date()); // the 100-day-old snapshot was touched today
    const plan = await planPrune(root, { olderThan: '30d' });
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      [names[1]],
    );
  });

  it('keep-last alone keeps the N newest; combined, every option must agree', async () => {
    const { root, names } = await makeRoot([60, 50, 40, 20, 10, 1]);
    assert.deepEqual(
      (await planPrune(root, { keepLast: 2 })).delete.map((d) => d.name),
      names.slice(0, 4),
    );
    assert.deepEqual(
      (await planPrune(root, { olderThan: '30d', keepLast: 4 })).delete.map((d) => d.name),
      names.slice(0, 2),
    );
    const plan = await planPrune(root, { strategy: '1:1 30:7' });
    // 60, 50, 40 days: oldest kept; 50 is 10 days later (>= 7) kept; 40 kept; 20/10 days: 1:1, gaps >= 1 day: kept.
    assert.deepEqual(plan.delete, []);
    const weekly = await planPrune(root, { strategy: '1:30' });
    // Oldest (60) kept; 50 and 40 are 10 and 20 days after it (< 30): deleted; 20 is 40 days after: kept;
    // 10 is 10 days after 20: deleted; the newest is always kept.
    assert.deepEqual(
      weekly.delete.map((d) => d.name),
      [names[1], names[2], names[4]],
    );
    // With keep-last 3 the newest three survive whatever the strategy says.
    assert.deepEqual(
      (await planPrune(root, { strategy: '1:30', keepLast: 3 })).delete.map((d) => d.name),
      [names[1], names[2]],
    );
  });

  it('refuses an empty policy', async () => {
    const { root } = await makeRoot([5, 1]);
    await assert.rejects(planPrune(root, {}), /No retention policy/);
  });

  it('never deletes latest, the newest, in-progress, non-snapshot names or symlinks; frees unique bytes; removes sidecars', async () => {
    const { root, names, base } = await makeRoot([90, 80, 70, 60, 2], { 'a.txt': 'alpha', 'big.bin': 'B'.repeat(200000) });
    const old = new Date(Date.now() - 365 * DAY);
    // latest points at the 70-day-old one (e.g. after a restore), not the newest.
    await swingLatest(root, names[2]);
    fs.mkdirSync(path.join(root, '.inprogress-' + formatSnapshotName(old)));
    fs.mkdirSync(path.join(root, '2025-notes'));
    fs.symlinkSync(names[0], path.join(root, formatSnapshotName(new Date(old.getTime() + 1000))));
    const outside = path.join(base, formatSnapshotName(old));
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(root, formatSnapshotName(new Date(old.getTime() + 2000))));
    for (const n of ['.inprogress-' + formatSnapshotName(old), '2025-notes', formatSnapshotName(new Date(old.getTime() + 1000))]) {
      const r = await run('touch', ['-h', '-d', `@${Math.floor(old.getTime() / 1000)}`, path.join(root, n)]);
      assert.equal(r.code, 0);
    }
    const plan = await planPrune(root, { olderThan: '30d' });
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      [names[0], names[1], names[3]],
    );
    assert.ok(plan.keep.some((k) => k.name === names[2] && /latest/.test(k.reason)));
    assert.ok(plan.keep.some((k) => k.name === names[4] && /newest/.test(k.reason)));
    assert.ok(plan.freesBytes > 0 && plan.measured);
    assert.ok(plan.delete.every((d) => d.uniqueBytes > 0));
    assert.ok(fs.existsSync(metaPath(root, names[0])));

    const result = await applyPrune(plan);
    assert.deepEqual(result.deleted, [names[0], names[1], names[3]]);
    const after = await listSnapshots(root);
    assert.deepEqual(
      after.snapshots.map((s) => s.name),
      [names[2], names[4]],
    );
    assert.equal(after.latest?.name, names[2]);
    for (const n of ['.inprogress-' + formatSnapshotName(old), '2025-notes', formatSnapshotName(new Date(old.getTime() + 1000)), formatSnapshotName(new Date(old.getTime() + 2000))])
      assert.ok(fs.lstatSync(path.join(root, n)), `${n} kept`);
    assert.ok(fs.existsSync(outside));
    assert.ok(!fs.existsSync(metaPath(root, names[0])), 'sidecar removed');
    assert.ok(fs.existsSync(metaPath(root, names[2])));
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.startsWith('.deleting-')),
      [],
    );
    // Unchanged files of the survivors are intact (hard links to deleted snapshots' inodes).
    assert.equal(fs.readFileSync(path.join(root, names[2], 'a.txt'), 'utf8'), 'alpha');
  });

  it('applies only the plan, re-checking each entry (latest moved, directory replaced)', async () => {
    const { root, names } = await makeRoot([90, 80, 70, 1]);
    const plan = await planPrune(root, { olderThan: '30d' });
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      names.slice(0, 3),
    );
    await swingLatest(root, names[0]);
    fs.renameSync(path.join(root, names[1]), path.join(root, 'moved-away'));
    fs.mkdirSync(path.join(root, names[1]));
    const result = await applyPrune(plan);
    assert.deepEqual(result.deleted, [names[2]]);
    assert.deepEqual(
      result.skipped.map((s) => [s.name, s.why]),
      [
        [names[0], 'latest points at it'],
        [names[1], 'replaced by another directory since the preview'],
      ],
    );
    assert.ok(fs.existsSync(path.join(root, names[0])) && fs.existsSync(path.join(root, names[1])) && fs.existsSync(path.join(root, 'moved-away')));
  });

  it("waits for nobody: refuses while another process holds the root's lock", async () => {
    const { root } = await makeRoot([90, 1]);
    const plan = await planPrune(root, { olderThan: '30d' });
    const lock = await acquireLock(root);
    try {
      await assert.rejects(applyPrune(plan), /already running/);
    } finally {
      await lock.release();
    }
    assert.equal((await listSnapshots(root)).snapshots.length, 2);
  });

  it('deletes snapshots containing read-only folders, as a non-root user (CLI), and dry-run deletes nothing', async function () {
    const { root, names, base } = await makeRoot([90, 80, 1], { 'ro/inner/x.txt': 'x', 'ro/y.txt': 'y', 'a.txt': 'a' });
    for (const n of names.slice(0, 2)) {
      fs.chmodSync(path.join(root, n, 'ro', 'inner'), 0o555);
      fs.chmodSync(path.join(root, n, 'ro'), 0o555);
      await touchBack(path.join(root, n), new Date(Date.now() - (n === names[0] ? 90 : 80) * DAY));
    }
    const cliDir = tmp.make('rs-cli');
    fs.chmodSync(cliDir, 0o755);
    const cli = await buildCli(cliDir);
    await run('chown', ['-R', `${NOBODY}:${NOBODY}`, base]);
    fs.chmodSync(path.dirname(base), 0o755);
    const [cmd, args] = asNobody(process.execPath, [cli, 'prune', root, '--older-than', '30d', '--dry-run', '--json']);
    const dry = await run(cmd, args);
    assert.equal(dry.code, 0, dry.stderr);
    const dryOut = JSON.parse(dry.stdout);
    assert.equal(dryOut.dryRun, true);
    assert.deepEqual(
      dryOut.plan.delete.map((d: { name: string }) => d.name),
      names.slice(0, 2),
    );
    assert.equal((await listSnapshots(root)).snapshots.length, 3);

    const [cmd2, args2] = asNobody(process.execPath, [cli, 'prune', root, '--older-than', '30d']);
    const real = await run(cmd2, args2);
    assert.equal(real.code, 0, real.stderr + real.stdout);
    assert.match(real.stdout, new RegExp(`deleted ${names[0]}`));
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      [names[2]],
    );

    const none = await run(process.execPath, [cli, 'prune', root]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No retention policy given/);
  });
  describe('a prune killed mid-apply (kill -9) leaves .deleting-*', () => {
    /** A root with snapshots A (many files unique to it), B, C (latest); a CLI prune of A is killed while it removes. */
    async function interruptedPrune(): Promise<{ root: string; source: string; doomed: string }> {
      const base = tmp.make('rs-prune-kill');
      const source = path.join(base, 'src');
      const root = path.join(base, 'root');
      fs.mkdirSync(root);
      makeManyFiles(source, 6000, [100, 3000]);
      const a = await takeSnapshot({ source, root, now: new Date(2026, 0, 1) });
      fs.rmSync(source, { recursive: true });
      writeTree(source, { 'keep.txt': 'kept' });
      await takeSnapshot({ source, root, now: new Date(2026, 0, 2) });
      await takeSnapshot({ source, root, now: new Date(2026, 0, 3) });
      const doomed = `.deleting-${a.name}`;
      const child = spawn(process.execPath, [cliPath, 'prune', root, '--keep-last', '2'], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await waitFor(() => fs.existsSync(path.join(root, doomed)), 20000, 'the prune to unlist A');
      child.kill('SIGKILL');
      await exited;
      assert.ok(fs.existsSync(path.join(root, doomed)), 'killed while removing: the .deleting- folder is left');
      assert.ok(fs.readdirSync(path.join(root, doomed), { recursive: true }).length > 0, 'with files still in it');
      return { root, source, doomed };
    }
    let cliPath: string;
    before(async function () {
      this.timeout(60000);
      cliPath = await buildCli(tmp.make('rs-prune-cli'));
    });

    it('du counts it until it is gone; a prune with nothing to delete finishes it', async function () {
      this.timeout(120000);
      const { root, doomed } = await interruptedPrune();
      const du = await runCli(['du', root, '--json']);
      assert.equal(du.code, 0, du.stderr);
      const report = JSON.parse(du.stdout);
      assert.deepEqual(
        report.deleting.map((d: { name: string }) => d.name),
        [doomed],
      );
      assert.ok(report.deleting[0].uniqueBytes > 0);
      const entries = fs
        .readdirSync(root)
        .filter((n) => /^(\d{4}-|\.deleting-)/.test(n))
        .map((n) => path.join(root, n));
      const real = await run('du', ['-s', '-B1', '--total', ...entries]);
      assert.equal(report.totalBytes, Number(real.stdout.trim().split('\n').pop()!.split('\t')[0]), 'the total is du of the snapshots and the .deleting- folder');
      const text = await runCli(['du', root]);
      assert.match(text.stdout, new RegExp(`${doomed} .*interrupted prune, still taking space`));

      const prune = await runCli(['prune', root, '--keep-last', '5']);
      assert.equal(prune.code, 0, prune.stderr);
      assert.match(prune.stdout, /Nothing to delete/);
      assert.match(prune.stdout, new RegExp(`finished an interrupted deletion: removed ${doomed}`));
      assert.equal(fs.existsSync(path.join(root, doomed)), false);
      assert.deepEqual(JSON.parse((await runCli(['du', root, '--json'])).stdout).deleting, []);
      const dry = await runCli(['prune', root, '--keep-last', '5', '--dry-run']);
      assert.match(dry.stdout, /Dry run: nothing was deleted/);
    });

    it('the next snapshot finishes it too', async function () {
      this.timeout(120000);
      const { root, source, doomed } = await interruptedPrune();
      const r = await takeSnapshot({ source, root, now: new Date(2026, 0, 4) });
      assert.equal(fs.existsSync(path.join(root, doomed)), false);
      assert.equal((await listSnapshots(root)).latest?.name, r.name);
    });
  });
});
