import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { acquireLock } from '../../../src/core/root/local/lock';
import { tempDirs } from '../../support/fixtures';
import { asNobody, childPids, cliPathForNobody, makeManyFiles, repoRoot, run, runCli, sleep, waitFor } from '../../support/proc';
import { listSnapshots, takeSnapshot } from '../../support/core';
import { LOCK_FILE, LOCK_HELD_ENV } from '../../../src/core/root/format';

/** `flock -n -E 99 LOCK true`: 0 when the lock is free, 99 when someone holds it. */
async function lockIsFree(lockPath: string): Promise<boolean> {
  const r = await run('flock', ['-n', '-E', '99', lockPath, 'true']);
  assert.ok(r.code === 0 || r.code === 99, r.stderr);
  return r.code === 0;
}

describe('root lock', () => {
  const tmp = tempDirs();
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await tmp.cleanup();
  });

  function setup(files = 3000) {
    const base = tmp.make('rs-lock');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    makeManyFiles(source, files, [100, 8000, 30000]);
    return { base, source, root, lockPath: path.join(root, LOCK_FILE) };
  }

  it('two concurrent snapshots into one root: exactly one runs, the other is told it is already running', async function () {
    this.timeout(60000);
    const { source, root } = setup();
    const results = await Promise.allSettled([takeSnapshot({ source, root }), takeSnapshot({ source, root })]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(failed.length, 1);
    assert.ok(isSnapshotError(failed[0].reason, 'LOCKED'), String(failed[0].reason));
    assert.match(failed[0].reason.message, /already running/);
    assert.equal((await listSnapshots(root)).snapshots.length, 1);
    assert.ok(await lockIsFree(path.join(root, LOCK_FILE)), 'released after the run');
  });

  it('two concurrent CLI processes: exactly one succeeds, the other exits 1 with the lock message', async function () {
    this.timeout(60000);
    const { source, root } = setup();
    const [a, b] = await Promise.all([runCli(['snapshot', source, root]), runCli(['snapshot', source, root])]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 1], a.stderr + b.stderr);
    const loser = a.code === 1 ? a : b;
    assert.match(loser.stderr, /already running/);
    assert.equal((await listSnapshots(root)).snapshots.length, 1);
  });

  it('an external `flock -n ROOT/.rsync-snapshots.lock` (the cron line) blocks us; we block it', async function () {
    this.timeout(30000);
    const { source, root, lockPath } = setup(10);
    fs.writeFileSync(lockPath, '');
    // Its own process group, so the kill below reaches `sleep` too (it inherits the locked descriptor).
    const holder = spawn('flock', ['-n', lockPath, 'sleep', '5'], { stdio: 'ignore', detached: true });
    children.push(holder);
    await waitFor(async () => !(await lockIsFree(lockPath)), 5000, 'flock to take the lock');
    await assert.rejects(takeSnapshot({ source, root }), (e) => isSnapshotError(e, 'LOCKED') && /already running/.test(e.message));
    assert.deepEqual((await listSnapshots(root)).snapshots, []);
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.startsWith('.inprogress')),
      [],
    );
    process.kill(-holder.pid!, 'SIGKILL');
    await waitFor(() => lockIsFree(lockPath), 3000, 'lock release');

    // And while we hold it, the cron line's `flock -n` refuses to run.
    const lock = await acquireLock(root);
    try {
      assert.equal(await lockIsFree(lockPath), false);
    } finally {
      await lock.release();
    }
    assert.equal(await lockIsFree(lockPath), true);
    const r = await takeSnapshot({ source, root });
    assert.equal((await listSnapshots(root)).latest?.name, r.name);
  });

  it('a lock left by a killed process (kill -9) does not block', async function () {
    this.timeout(60000);
    const { base, source, root, lockPath } = setup(10);
    // A separate node process takes the lock with our real acquireLock, then is killed with SIGKILL.
    const bundle = path.join(base, 'lock.cjs');
    execFileSync(path.join(repoRoot(), 'node_modules', '.bin', 'esbuild'), [
      path.join(repoRoot(), 'src/core/root/local/lock.ts'),
      '--bundle',
      '--platform=node',
      '--format=cjs',
      `--outfile=${bundle}`,
      '--log-level=warning',
    ]);
    const holder = spawn(process.execPath, ['-e', `require(${JSON.stringify(bundle)}).acquireLock(${JSON.stringify(root)}).then(() => { console.log('held'); setInterval(() => {}, 1000); })`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', () => reject(new Error('lock holder exited early')));
    });
    assert.equal(await lockIsFree(lockPath), false, 'the child holds the lock');
    await assert.rejects(takeSnapshot({ source, root }), (e) => isSnapshotError(e, 'LOCKED') && new RegExp(`pid ${holder.pid}`).test(e.message));
    assert.deepEqual(childPids(holder.pid!, 'flock'), [], "the lock lives on the holder's own descriptor: no helper process stays");

    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    // The kernel closed the killed process's descriptor: the lock is free without anyone cleaning up.
    await waitFor(() => lockIsFree(lockPath), 5000, 'the lock to be free');
    const r = await takeSnapshot({ source, root });
    assert.equal((await listSnapshots(root)).latest?.name, r.name);
  });

  it(`${LOCK_HELD_ENV} lets a run wrapped by the cron line's flock proceed (and only for that lock file)`, async function () {
    this.timeout(30000);
    const { source, root, lockPath } = setup(10);
    fs.writeFileSync(lockPath, '');
    // Exactly the generated cron shape: flock -n LOCK env RSYNC_SNAPSHOTS_LOCK_HELD=LOCK rsync-snapshots snapshot …
    const wrapped = await run('flock', ['-n', lockPath, 'env', `${LOCK_HELD_ENV}=${lockPath}`, process.execPath, path.join(repoRoot(), 'dist/cli.js'), 'snapshot', source, root, '--json']);
    assert.equal(wrapped.code, 0, wrapped.stderr);
    assert.equal(JSON.parse(wrapped.stdout).path, (await listSnapshots(root)).latest?.path);

    // Without the variable (or naming another lock), the same wrapping is refused: the variable is what lets it through.
    await sleep(1100);
    const other = path.join(path.dirname(root), 'other.lock');
    const refused = await run('flock', ['-n', lockPath, 'env', `${LOCK_HELD_ENV}=${other}`, process.execPath, path.join(repoRoot(), 'dist/cli.js'), 'snapshot', source, root]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already running/);
    assert.equal((await listSnapshots(root)).snapshots.length, 1);
  });
  it("the busy message names the holder's operation and pid (a prune holds it), and the cron line's flock -n still sees the lock", async function () {
    this.timeout(60000);
    const { base, source, root, lockPath } = setup(10);
    const bundle = path.join(base, 'lock.cjs');
    execFileSync(path.join(repoRoot(), 'node_modules', '.bin', 'esbuild'), [
      path.join(repoRoot(), 'src/core/root/local/lock.ts'),
      '--bundle',
      '--platform=node',
      '--format=cjs',
      `--outfile=${bundle}`,
      '--log-level=warning',
    ]);
    const holder = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(bundle)}).acquireLock(${JSON.stringify(root)}, process.env, 'prune').then(() => { console.log('held'); setInterval(() => {}, 1000); })`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', () => reject(new Error('lock holder exited early')));
    });
    try {
      assert.equal(await lockIsFree(lockPath), false, 'flock -n (the cron line) sees the lock');
      assert.equal(fs.readFileSync(lockPath, 'utf8'), `${holder.pid} prune\n`, 'PID OPERATION in the lock file');
      await assert.rejects(takeSnapshot({ source, root }), (e) => isSnapshotError(e, 'LOCKED') && new RegExp(`^A prune of ${root} is already running \\(pid ${holder.pid}\\)`).test(e.message));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    await waitFor(() => lockIsFree(lockPath), 5000, 'lock release');
    await takeSnapshot({ source, root });
    assert.equal(fs.readFileSync(lockPath, 'utf8'), '', 'a released lock names nobody (a later flock -n holder is not taken for us)');
  });

  it('a lock file of another user that we cannot open: the message says who owns it and what to do; doctor diagnoses it (not "install flock")', async function () {
    this.timeout(60000);
    const { base, source, root, lockPath } = setup(10);
    for (const d of [base, source]) fs.chmodSync(d, 0o755);
    fs.chmodSync(root, 0o777); // nobody may write the root, but not root's lock file
    fs.writeFileSync(lockPath, '', { mode: 0o644 });
    const before = fs.readdirSync(root).sort();

    const [cmd, args] = asNobody(process.execPath, [cliPathForNobody(), 'snapshot', source, root]);
    const r = await run(cmd, args, { cwd: '/' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, /Unexpected error|EACCES|at .*\.js:\d+/, 'no stack trace, no bare errno');
    assert.match(r.stderr, new RegExp(`The lock file ${lockPath} belongs to root \\(uid 0, mode 644\\) and nobody cannot open it`));
    assert.match(r.stderr, new RegExp(`sudo chown nobody '${lockPath}'`));
    assert.deepEqual(fs.readdirSync(root).sort(), before, 'nothing written');

    const [dcmd, dargs] = asNobody(process.execPath, [cliPathForNobody(), 'doctor', root, '--json']);
    const d = await run(dcmd, dargs, { cwd: '/' });
    assert.equal(d.code, 1, d.stderr);
    const lock = JSON.parse(d.stdout).checks.find((c: { name: string }) => c.name === 'lock');
    assert.equal(lock.ok, false);
    assert.match(lock.detail, /belongs to root \(uid 0/);
    assert.match(lock.fix, /sudo chown nobody/);
    assert.doesNotMatch(lock.fix, /flock/i);
    assert.equal(fs.statSync(lockPath).uid, 0);
  });

  describe('a lock file that is not a regular file is refused at once: never followed, opened or truncated', () => {
    /** A CLI run that must end by itself: killed (and so failing the test) if it still runs after 20 s. */
    const cli = (args: string[]) => runCli(args, { timeout: 20_000, killSignal: 'SIGKILL' });

    /** A root with two snapshots (so a prune --keep-last 1 has one to delete and takes the lock). */
    async function rootWithSnapshots() {
      const paths = setup(3);
      await takeSnapshot({ source: paths.source, root: paths.root, now: new Date(2026, 0, 1) });
      await takeSnapshot({ source: paths.source, root: paths.root, now: new Date(2026, 0, 2) });
      return paths;
    }

    async function refusedEverywhere(root: string, source: string, lockPath: string, message: RegExp) {
      for (const args of [
        ['snapshot', source, root],
        ['prune', root, '--keep-last', '1'],
      ]) {
        const r = await cli(args);
        assert.equal(r.code, 1, `${args[0]}: ${r.signal ?? ''} ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, message, args[0]);
        assert.doesNotMatch(r.stderr, /Unexpected error|\n\s+at |ELOOP|EISDIR|ENXIO/, 'no stack trace, no bare errno');
      }
      const d = await cli(['doctor', root, '--json']);
      assert.equal(d.code, 1, `doctor: ${d.signal ?? ''} ${d.stderr}`);
      const lock = JSON.parse(d.stdout).checks.find((c: { name: string }) => c.name === 'lock');
      assert.equal(lock.ok, false);
      assert.match(`${lock.detail}: ${lock.fix}`, new RegExp(`^cannot take the lock: ${message.source}`, 'i'));
      assert.match(lock.fix, new RegExp(`^Remove it \\(rm (-r )?-- ${lockPath}\\) and retry\\.$`));
      assert.deepEqual(
        (await listSnapshots(root)).snapshots.map((s) => s.name),
        ['2026-01-01T00-00-00', '2026-01-02T00-00-00'],
        'nothing taken, nothing pruned',
      );
    }

    it('a symlink to a file outside the root: snapshot, prune and doctor exit 1 saying what to do; the file keeps its content', async function () {
      this.timeout(120_000);
      const { base, source, root, lockPath } = await rootWithSnapshots();
      const outside = path.join(base, 'precious.txt');
      fs.writeFileSync(outside, 'precious\n');
      fs.rmSync(lockPath, { force: true });
      fs.symlinkSync(outside, lockPath);
      await refusedEverywhere(root, source, lockPath, new RegExp(`${lockPath} is a symbolic link, not a lock file: remove it \\(rm -- ${lockPath}\\) and retry`));
      assert.equal(fs.readFileSync(outside, 'utf8'), 'precious\n', 'the target is neither truncated nor written');
      assert.ok(fs.lstatSync(lockPath).isSymbolicLink(), 'the link is left for the user to remove');

      // A dangling link is not followed either: nothing is created where it points.
      fs.rmSync(lockPath);
      fs.symlinkSync(path.join(base, 'created-by-us'), lockPath);
      await assert.rejects(acquireLock(root), (e) => isSnapshotError(e, 'ROOT_INVALID') && / is a symbolic link, not a lock file/.test(e.message));
      assert.equal(fs.existsSync(path.join(base, 'created-by-us')), false);

      fs.rmSync(lockPath);
      const lock = await acquireLock(root);
      await lock.release();
      assert.ok(fs.lstatSync(lockPath).isFile(), 'removed as told, the lock file is recreated');
    });

    it('a FIFO: snapshot, prune and doctor do not hang; they exit 1 at once saying what to do', async function () {
      this.timeout(120_000);
      const { source, root, lockPath } = await rootWithSnapshots();
      fs.rmSync(lockPath, { force: true });
      const made = await run('mkfifo', [lockPath]);
      assert.equal(made.code, 0, made.stderr);
      await refusedEverywhere(root, source, lockPath, new RegExp(`${lockPath} is a named pipe \\(FIFO\\), not a lock file: remove it \\(rm -- ${lockPath}\\) and retry`));
      assert.ok(fs.lstatSync(lockPath).isFIFO());
    });

    it('a folder or a socket: refused with what to do, left as it is', async function () {
      this.timeout(60_000);
      const { root, lockPath } = setup(1);
      fs.mkdirSync(lockPath);
      fs.writeFileSync(path.join(lockPath, 'inside'), 'x');
      await assert.rejects(acquireLock(root), (e) => isSnapshotError(e, 'ROOT_INVALID') && e.message === `${lockPath} is a folder, not a lock file: remove it (rm -r -- ${lockPath}) and retry.`);
      assert.deepEqual(fs.readdirSync(lockPath), ['inside']);
      fs.rmSync(lockPath, { recursive: true });

      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(lockPath, resolve));
      try {
        await assert.rejects(acquireLock(root), (e) => isSnapshotError(e, 'ROOT_INVALID') && / is a socket, not a lock file: remove it \(rm -- /.test(e.message));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
