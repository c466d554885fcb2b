import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { placeFindError, scanFromFindOutput, scanWithFind } from '../../../src/core/usage/findScan';
import { MULTI_STRIDE, scanDirectories, SnapshotScan } from '../../../src/core/usage/walk';
import { tempDirs, writeTree } from '../../support/fixtures';
import { asNobody, childPids, makeManyFiles, NOBODY, repoRoot, run } from '../../support/proc';
import { measureUsage, takeSnapshot, usage } from '../../support/core';
import { clearUsageMemoryCache, usageCachePath } from '../../../src/core/root/local/usage';
import type { UsageReport } from '../../../src/core/usage/model';

/** `du -s -B1 --total ROOT/20*` total, the glob expanded here (no shell). */
async function duTotal(root: string): Promise<number> {
  const args = fs
    .readdirSync(root)
    .filter((n) => n.startsWith('20'))
    .sort()
    .map((n) => path.join(root, n));
  const r = await run('du', ['-s', '-B1', '--total', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const last = r.stdout.trim().split('\n').pop()!;
  assert.match(last, /^\d+\s+total$/);
  return Number(last.split(/\s+/)[0]);
}

const blocks = (p: string) => fs.lstatSync(p).blocks * 512;

describe('usage', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());
  afterEach(() => clearUsageMemoryCache());

  it('total equals du -s -B1 --total ROOT/20* on a root built by takeSnapshot', async () => {
    const base = tmp.make('rs-usage');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(source);
    fs.mkdirSync(root);
    const rels = makeManyFiles(source, 600, [0, 10, 5000, 70000]);
    fs.mkdirSync(path.join(source, 'ro'));
    fs.writeFileSync(path.join(source, 'ro', 'locked.txt'), 'x'.repeat(9000));
    fs.chmodSync(path.join(source, 'ro'), 0o555);
    fs.symlinkSync('d0/f0.txt', path.join(source, 'link'));
    for (let day = 1; day <= 4; day++) {
      for (let i = day; i < rels.length; i += 37) fs.writeFileSync(path.join(source, rels[i]), `day ${day} ${'y'.repeat(day * 3000)}`);
      await takeSnapshot({ source, root, now: new Date(2026, 0, day, 2, 0, 0) });
    }
    const report = await usage(root, { cache: false });
    const du = await duTotal(root);
    assert.equal(report.snapshots.length, 4);
    assert.ok(Math.abs(report.totalBytes - du) <= du * 0.01, `ours ${report.totalBytes} vs du ${du}`);
    // Each snapshot's apparent size is du of that snapshot alone.
    for (const s of report.snapshots) {
      const r = await run('du', ['-s', '-B1', path.join(root, s.name)]);
      assert.equal(s.apparentBytes, Number(r.stdout.split(/\s+/)[0]), s.name);
      assert.equal(s.apparentBytes, s.uniqueBytes + s.sharedBytes);
    }
    // Deleting all but one frees the sum of what du counts, minus the survivor: sanity of freedBy.
    const { freedBy } = await measureUsage(root, { cache: false });
    assert.equal(freedBy(report.snapshots.map((s) => s.name)), report.totalBytes);
  });

  describe('unique and shared bytes on a crafted root', () => {
    let root: string;
    let A: string, B: string, C: string;
    before(() => {
      const base = tmp.make('rs-usage-crafted');
      root = path.join(base, 'root');
      A = path.join(root, '2026-01-01T00-00-00');
      B = path.join(root, '2026-01-02T00-00-00');
      C = path.join(root, '2026-01-03T00-00-00');
      writeTree(A, { 'shared-ab.bin': Buffer.alloc(40960, 1), 'only-a.bin': Buffer.alloc(8192, 2), 'twice-in-a.bin': Buffer.alloc(16384, 3), 'all.bin': Buffer.alloc(12288, 4) });
      fs.linkSync(path.join(A, 'twice-in-a.bin'), path.join(A, 'twice-again.bin')); // two links, both inside A
      fs.mkdirSync(B);
      fs.linkSync(path.join(A, 'shared-ab.bin'), path.join(B, 'shared-ab.bin'));
      fs.linkSync(path.join(A, 'all.bin'), path.join(B, 'all.bin'));
      writeTree(B, { 'only-b.bin': Buffer.alloc(20480, 5), 'outside-linked.bin': Buffer.alloc(24576, 6) });
      fs.linkSync(path.join(B, 'outside-linked.bin'), path.join(base, 'outside-copy.bin')); // a link outside the root
      fs.mkdirSync(C);
      fs.linkSync(path.join(A, 'all.bin'), path.join(C, 'all.bin'));
      writeTree(C, { 'only-c.bin': Buffer.alloc(4096, 7) });
      fs.symlinkSync(C, path.join(root, 'latest'));
    });

    it('counts what deleting each snapshot alone would free', async () => {
      const report = await usage(root, { cache: false });
      const by = Object.fromEntries(report.snapshots.map((s) => [s.name, s]));
      const a = by['2026-01-01T00-00-00'];
      const b = by['2026-01-02T00-00-00'];
      const c = by['2026-01-03T00-00-00'];
      assert.equal(a.uniqueBytes, blocks(A) + blocks(path.join(A, 'only-a.bin')) + blocks(path.join(A, 'twice-in-a.bin')));
      assert.equal(b.uniqueBytes, blocks(B) + blocks(path.join(B, 'only-b.bin'))); // outside-linked.bin has a link outside the root
      assert.equal(c.uniqueBytes, blocks(C) + blocks(path.join(C, 'only-c.bin')));
      assert.equal(a.sharedBytes, blocks(path.join(A, 'shared-ab.bin')) + blocks(path.join(A, 'all.bin')));
      assert.equal(b.sharedBytes, blocks(path.join(B, 'shared-ab.bin')) + blocks(path.join(B, 'all.bin')) + blocks(path.join(B, 'outside-linked.bin')));
      assert.equal(report.totalBytes, await duTotal(root));
      const { freedBy } = await measureUsage(root, { cache: false });
      // Deleting A and B together also frees shared-ab.bin (linked only from A and B), but not all.bin (also in C).
      assert.equal(freedBy([a.name, b.name]), a.uniqueBytes + b.uniqueBytes + blocks(path.join(A, 'shared-ab.bin')));
    });
  });

  describe('cache', () => {
    let source: string, root: string;
    before(async () => {
      const base = tmp.make('rs-usage-cache');
      source = path.join(base, 'src');
      root = path.join(base, 'root');
      fs.mkdirSync(source);
      fs.mkdirSync(root);
      makeManyFiles(source, 2000, [100, 5000]);
      for (let day = 1; day <= 3; day++) {
        fs.writeFileSync(path.join(source, `day${day}.txt`), 'z'.repeat(10000 * day));
        if (day === 1) fs.writeFileSync(path.join(source, 'early.txt'), 'e'.repeat(50000));
        if (day === 3) fs.rmSync(path.join(source, 'early.txt')); // early.txt: in the first two snapshots only
        await takeSnapshot({ source, root, now: new Date(2026, 1, day, 2, 0, 0) });
      }
    });

    const strip = (r: Awaited<ReturnType<typeof usage>>) => ({ total: r.totalBytes, snapshots: r.snapshots });

    // How fast the cached report is, is a figure of `npm run bench:usage`, not an assertion here (shared, noisy machines).
    it('answers a second report from the cache without walking any snapshot, identical; survives a new process (file)', async () => {
      const first = await usage(root);
      assert.equal(first.scanned, 3);
      assert.ok(fs.existsSync(usageCachePath(root)));
      const second = await usage(root);
      assert.equal(second.scanned, 0);
      assert.equal(second.fromCache, 3);
      assert.deepEqual(strip(second), strip(first));
      clearUsageMemoryCache();
      const fromFile = await usage(root);
      assert.equal(fromFile.scanned, 0);
      assert.equal(fromFile.fromCache, 3);
      assert.deepEqual(strip(fromFile), strip(first));
    });

    it("stays correct after a snapshot is added, and after one is deleted (neighbours' unique bytes change)", async () => {
      await usage(root); // warm
      fs.writeFileSync(path.join(source, 'day4.txt'), 'w'.repeat(30000));
      fs.rmSync(path.join(source, 'day1.txt'));
      await takeSnapshot({ source, root, now: new Date(2026, 1, 4, 2, 0, 0) });
      const added = await usage(root);
      assert.equal(added.scanned, 1, 'only the new snapshot is walked');
      assert.deepEqual(strip(added), strip(await usage(root, { cache: false })));
      assert.equal(added.totalBytes, await duTotal(root));

      // Delete the second snapshot: inodes it shared only with the first become unique to the first.
      const [s1, s2] = added.snapshots;
      fs.rmSync(path.join(root, s2.name), { recursive: true });
      const deleted = await usage(root);
      assert.equal(deleted.scanned, 0);
      const truth = await usage(root, { cache: false });
      assert.deepEqual(strip(deleted), strip(truth));
      const s1After = deleted.snapshots.find((s) => s.name === s1.name)!;
      assert.ok(s1After.uniqueBytes > s1.uniqueBytes, `unique bytes of ${s1.name} grew (${s1.uniqueBytes} → ${s1After.uniqueBytes})`);
      assert.equal(deleted.totalBytes, await duTotal(root));
      clearUsageMemoryCache();
      assert.deepEqual(strip(await usage(root)), strip(truth));
    });

    it('reports progress and can be cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(usage(root, { cache: false, signal: controller.signal }), /cancelled/);
      const seen: number[] = [];
      const report = await usage(root, { cache: false, onProgress: (p) => seen.push(p.done) });
      assert.ok(report.snapshots.length >= 3);
      assert.deepEqual(seen, [...Array(report.snapshots.length + 1).keys()]);
    });
  });

  describe('find walk and worker-thread walk', () => {
    /** A scan's non-directory records as sorted text (order of a walk is not part of its result). */
    const records = (scan: SnapshotScan) => {
      const out: string[] = [];
      for (let o = 0; o < scan.multi.length; o += MULTI_STRIDE) out.push(Array.from(scan.multi.subarray(o, o + MULTI_STRIDE)).join(' '));
      return out.sort();
    };
    const figures = (r: UsageReport) => ({ total: r.totalBytes, snapshots: r.snapshots, warnings: r.warnings });

    let root: string;
    before(async () => {
      const base = tmp.make('rs-usage-walkers');
      const source = path.join(base, 'src');
      root = path.join(base, 'root');
      fs.mkdirSync(source);
      fs.mkdirSync(root);
      const rels = makeManyFiles(source, 700, [0, 1, 4096, 70000]);
      writeTree(source, { 'empty-dir': null, 'deep/a/b/c/d/e.txt': 'e'.repeat(5000), 'name with spaces\nand newline.txt': 'n', "quote'd.txt": 'q' });
      fs.symlinkSync('deep/a', path.join(source, 'link-to-dir'));
      fs.symlinkSync('nowhere', path.join(source, 'dangling'));
      for (let day = 1; day <= 3; day++) {
        for (let i = day; i < rels.length; i += 29) fs.writeFileSync(path.join(source, rels[i]), `day ${day} ${'y'.repeat(day * 2000)}`);
        await takeSnapshot({ source, root, now: new Date(2026, 2, day, 2, 0, 0) });
      }
      const [first, , last] = fs
        .readdirSync(root)
        .filter((n) => n.startsWith('20'))
        .sort();
      fs.linkSync(path.join(root, first, 'deep/a/b/c/d/e.txt'), path.join(root, last, 'extra-link.txt')); // one inode twice in the last
      fs.linkSync(path.join(root, last, 'deep/a/b/c/d/e.txt'), path.join(base, 'outside.txt')); // and once outside the root
    });

    it('give identical scans and identical reports, equal to du', async () => {
      const jobs = fs
        .readdirSync(root)
        .filter((n) => n.startsWith('20'))
        .sort()
        .map((n) => ({ key: n, dir: path.join(root, n), dev: fs.lstatSync(path.join(root, n)).dev, ino: fs.lstatSync(path.join(root, n)).ino }));
      const viaFind = await scanWithFind(jobs, { concurrency: 2, perProcess: 2 });
      const viaThreads = await scanDirectories(jobs);
      assert.equal(viaFind.size, jobs.length);
      for (const job of jobs) {
        const a = viaFind.get(job.key)!;
        const b = viaThreads.get(job.key)!;
        assert.equal(a.entries, b.entries, job.key);
        assert.equal(a.dirBytes, b.dirBytes, job.key);
        assert.deepEqual(records(a), records(b), job.key);
        assert.deepEqual(a.errors, b.errors, job.key);
      }
      const find = await usage(root, { cache: false, walker: 'find' });
      const threads = await usage(root, { cache: false, walker: 'threads' });
      const auto = await usage(root, { cache: false });
      assert.deepEqual(figures(find), figures(threads));
      assert.deepEqual(figures(auto), figures(threads));
      assert.equal(find.totalBytes, await duTotal(root));
      assert.ok(find.snapshots.every((s) => s.uniqueBytes > 0 && s.sharedBytes > 0));
    });

    it('share one cache: a snapshot walked by one is reused by the other', async () => {
      const first = await usage(root, { walker: 'threads' });
      const last = first.snapshots[first.snapshots.length - 1].name;
      fs.writeFileSync(path.join(root, last, 'new-at-top.txt'), 'n'.repeat(9000)); // changes the snapshot's stamp
      const again = await usage(root, { walker: 'find' });
      assert.equal(again.scanned, 1);
      assert.deepEqual(figures(again), figures(await usage(root, { cache: false, walker: 'threads' })));
      fs.rmSync(path.join(root, last, 'new-at-top.txt'));
    });

    it('parses find lines split anywhere, with or without the depth field', () => {
      const text = 'd 2049 11 8 3\nf 2049 12 16 2\nl 2049 13 0 1\nf 2049 12 16 2\n';
      const whole = scanFromFindOutput(text);
      assert.deepEqual(
        { entries: whole.entries, dirBytes: whole.dirBytes, multi: Array.from(whole.multi) },
        { entries: 4, dirBytes: 4096, multi: [2049, 12, 8192, 1, 2, 2049, 13, 0, 1, 1, 2049, 12, 8192, 1, 2] },
      );
      const noNewline = scanFromFindOutput(text.trimEnd());
      assert.deepEqual(Array.from(noNewline.multi), Array.from(whole.multi));
    });

    it("turns find error lines into the worker walk's warnings, in both quoting styles", () => {
      const jobs = [
        { key: 'a', dir: '/r/2026-01-01T00-00-00' },
        { key: 'b', dir: "/r/jösé d'x/2026-01-02T00-00-00" },
      ];
      assert.deepEqual(placeFindError("find: '/r/2026-01-01T00-00-00/sub/x': Permission denied", jobs), { job: 0, text: 'sub/x: EACCES' });
      assert.deepEqual(placeFindError("find: \u2018/r/jösé d'x/2026-01-02T00-00-00/a b\u2019: No such file or directory", jobs), { job: 1, text: 'a b: ENOENT' });
      assert.deepEqual(placeFindError("find: '/r/2026-01-01T00-00-00': Permission denied", jobs), { job: 0, text: ': EACCES' });
      assert.deepEqual(placeFindError("find: '/r/2026-01-01T00-00-00/y': Some new trouble", jobs), { job: 0, text: 'y: Some new trouble' });
      assert.equal(placeFindError("find: '/elsewhere/x': Permission denied", jobs), undefined);
      assert.equal(placeFindError('find: warning: something', jobs), undefined);
    });

    it('cancels a walk in progress (the find processes are killed)', async () => {
      const controller = new AbortController();
      const started = Date.now();
      await assert.rejects(usage(root, { cache: false, walker: 'find', concurrency: 1, signal: controller.signal, onProgress: (p) => p.name && controller.abort() }), /cancelled/);
      assert.ok(Date.now() - started < 5000);
      assert.deepEqual(childPids(process.pid, 'find'), []);
    });

    it('rejects when a snapshot folder vanishes before it is walked', async () => {
      const jobs = [{ key: 'gone', dir: path.join(root, '2020-01-01T00-00-00') }];
      await assert.rejects(scanWithFind(jobs), /Could not measure .*2020-01-01T00-00-00/);
    });

    it('reports unreadable folders as the same warnings (as a non-root user)', async function () {
      const base = tmp.make('rs-usage-unreadable');
      const r2 = path.join(base, "root jösé'x"); // find must give such paths back as they are
      writeTree(path.join(r2, '2026-04-01T00-00-00'), { 'ok.txt': 'ok', 'closed/inside.txt': 'x'.repeat(5000), 'open/closed-too/x.txt': 'x' });
      fs.chmodSync(path.join(r2, '2026-04-01T00-00-00', 'closed'), 0o000);
      fs.chmodSync(path.join(r2, '2026-04-01T00-00-00', 'open', 'closed-too'), 0o311); // enterable, not listable
      const expected = ['2026-04-01T00-00-00/closed: EACCES', '2026-04-01T00-00-00/open/closed-too: EACCES'];
      if (process.getuid?.() !== 0) {
        const find = await usage(r2, { cache: false, walker: 'find' });
        const threads = await usage(r2, { cache: false, walker: 'threads' });
        assert.deepEqual(figures(find), figures(threads));
        assert.deepEqual([...find.warnings].sort(), expected);
        return;
      }
      if ((await run('setpriv', ['--version']).catch(() => undefined))?.code !== 0) this.skip();
      // As root nothing is unreadable: run both walks as nobody from a bundle of the local usage walk.
      const bundleDir = tmp.make('rs-usage-bundle');
      fs.chmodSync(bundleDir, 0o755);
      const bundle = path.join(bundleDir, 'usage.cjs');
      const esbuild = path.join(repoRoot(), 'node_modules', 'esbuild', 'bin', 'esbuild');
      const built = await run(esbuild, [
        path.join(repoRoot(), 'src', 'core', 'root', 'local', 'usage.ts'),
        '--bundle',
        '--platform=node',
        '--target=node20',
        '--format=cjs',
        '--log-level=warning',
        `--outfile=${bundle}`,
      ]);
      assert.equal(built.code, 0, built.stderr);
      await run('chown', ['-R', `${NOBODY}:${NOBODY}`, r2]);
      fs.chmodSync(base, 0o755);
      const asUser = async (walker: string) => {
        const script = `require(${JSON.stringify(bundle)}).measureLocalUsage(${JSON.stringify(r2)}, { cache: false, walker: ${JSON.stringify(walker)} }).then((r) => console.log(JSON.stringify(r.report)))`;
        const [cmd, args] = asNobody(process.execPath, ['-e', script]);
        const r = await run(cmd, args);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as UsageReport;
      };
      const find = await asUser('find');
      const threads = await asUser('threads');
      assert.deepEqual(figures(find), figures(threads));
      assert.deepEqual([...find.warnings].sort(), expected);
    });
  });
});
