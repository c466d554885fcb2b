import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSnapshotError, SnapshotError } from '../../../src/core/util/errors';
import { openRoot } from '../../../src/core/root/open';
import { parseRootLocation, RemoteRootLocation } from '../../../src/core/root/location';
import { closeAllSshConnections, SshTransport, sshCounters } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { canMount, run, runCli } from '../../support/proc';
import { closedPort, startSshd, TestSshd } from '../../support/sshd';
import { listSnapshots, takeSnapshot } from '../../support/core';

describe('remote backup root over ssh (real sshd on 127.0.0.1)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  /** Remote folder paths: the "remote" host is this machine, so they are also local paths the test can inspect. */
  let remoteBase: string;

  before(async () => {
    sshd = await startSshd();
    remoteBase = tmp.make('rs-remote');
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  const spec = (dir: string) => `${sshd.host}:${dir}`;
  const transportFor = (dir: string, sshCommand = sshd.sshCommand) => new SshTransport(parseRootLocation(spec(dir)) as RemoteRootLocation, { sshCommand });
  async function remoteInode(dir: string, file: string): Promise<string> {
    const r = await transportFor(dir).exec(['stat', '-c', '%i', path.join(dir, file)]);
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout.toString().trim();
  }

  function makeSource(files: Record<string, string | null> = { 'a.txt': 'alpha', 'sub/b.txt': 'bravo', 'sub/deep/c.txt': 'charlie' }): string {
    const source = tmp.make('rs-src');
    writeTree(source, files);
    return source;
  }

  describe('two snapshots, list, read', () => {
    let source: string;
    let root: string;
    let first: Awaited<ReturnType<typeof takeSnapshot>>;
    let second: Awaited<ReturnType<typeof takeSnapshot>>;

    before(async () => {
      source = makeSource();
      root = path.join(remoteBase, 'two-runs');
      first = await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 5, 16, 2, 0, 1) });
      fs.writeFileSync(path.join(source, 'a.txt'), 'alpha changed');
      second = await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 5, 17, 2, 0, 2), label: 'second' });
    });

    it('the first snapshot is a full copy, the second links against the remote absolute path of latest', () => {
      assert.equal(first.name, '2026-06-16T02-00-01');
      assert.equal(first.linkDest, null);
      assert.equal(first.root, spec(root));
      assert.equal(first.path, `${spec(root)}/2026-06-16T02-00-01`);
      assert.equal(second.name, '2026-06-17T02-00-02');
      assert.equal(second.linkDest, path.join(root, '2026-06-16T02-00-01'));
      assert.equal(second.filesTransferred, 1);
      assert.equal(second.filesUnchanged, 2);
    });

    it('unchanged files are hard links on the remote (same inode, checked through ssh), changed ones are not', async () => {
      assert.equal(await remoteInode(root, '2026-06-16T02-00-01/sub/b.txt'), await remoteInode(root, '2026-06-17T02-00-02/sub/b.txt'));
      assert.equal(await remoteInode(root, '2026-06-16T02-00-01/sub/deep/c.txt'), await remoteInode(root, '2026-06-17T02-00-02/sub/deep/c.txt'));
      assert.notEqual(await remoteInode(root, '2026-06-16T02-00-01/a.txt'), await remoteInode(root, '2026-06-17T02-00-02/a.txt'));
    });

    it('leaves the root in the seed format: relative latest symlink, touched snapshot, no leftovers, sidecar notes', () => {
      assert.equal(fs.readlinkSync(path.join(root, 'latest')), '2026-06-17T02-00-02');
      const entries = fs.readdirSync(root).sort();
      assert.deepEqual(
        entries.filter((e) => !e.startsWith('.rsync-snapshots')),
        ['2026-06-16T02-00-01', '2026-06-17T02-00-02', 'latest'],
      );
      assert.ok(Date.now() - fs.statSync(path.join(root, '2026-06-17T02-00-02')).mtimeMs < 120_000, 'the snapshot folder was touched');
      const meta = JSON.parse(fs.readFileSync(path.join(root, '.rsync-snapshots.d', '2026-06-17T02-00-02.json'), 'utf8'));
      assert.equal(meta.label, 'second');
      assert.equal(meta.source, source);
    });

    it('lists the remote root like a local one', async () => {
      const listing = await listSnapshots(spec(root), { sshCommand: sshd.sshCommand });
      assert.equal(listing.root, spec(root));
      assert.deepEqual(
        listing.snapshots.map((s) => s.name),
        ['2026-06-16T02-00-01', '2026-06-17T02-00-02'],
      );
      assert.equal(listing.latest?.name, '2026-06-17T02-00-02');
      assert.equal(listing.latestState, 'ok');
      assert.deepEqual(listing.inProgress, []);
      const local = await listSnapshots(root);
      assert.deepEqual(
        listing.snapshots.map((s) => [s.name, s.time.getTime(), s.latest]),
        local.snapshots.map((s) => [s.name, s.time.getTime(), s.latest]),
      );
    });

    it('a warm list costs exactly one ssh process', async () => {
      const opened = openRoot(spec(root), { sshCommand: sshd.sshCommand });
      await opened.list(); // warm
      const before = sshCounters.processesStarted;
      const started = Date.now();
      await opened.list();
      assert.equal(sshCounters.processesStarted - before, 1);
      assert.ok(Date.now() - started < 5000);
    });

    it('reads a file of a remote snapshot (binary-safe) and stats it', async () => {
      const opened = openRoot(spec(root), { sshCommand: sshd.sshCommand });
      assert.equal((await opened.files.read('2026-06-16T02-00-01', 'a.txt')).toString(), 'alpha');
      assert.equal((await opened.files.read('2026-06-17T02-00-02', 'a.txt')).toString(), 'alpha changed');
      const binary = Buffer.from([0, 1, 2, 255, 10, 13, 0]);
      fs.writeFileSync(path.join(root, '2026-06-17T02-00-02', 'bin.dat'), binary);
      assert.deepEqual(await opened.files.read('2026-06-17T02-00-02', 'bin.dat'), binary);
      const stat = await opened.files.stat('2026-06-17T02-00-02', 'sub/b.txt');
      assert.equal(stat.kind, 'file');
      assert.equal(stat.size, 5);
      assert.equal((await opened.files.stat('2026-06-17T02-00-02', 'sub')).kind, 'directory');
    });

    it('refuses reads that leave the snapshot, folders and missing files, with clear errors', async () => {
      const opened = openRoot(spec(root), { sshCommand: sshd.sshCommand });
      fs.symlinkSync('/etc/passwd', path.join(root, '2026-06-17T02-00-02', 'escape'));
      await assert.rejects(opened.files.read('2026-06-17T02-00-02', 'escape'), (err: unknown) => isSnapshotError(err, 'BAD_INPUT') && /outside snapshot/.test(err.message));
      await assert.rejects(opened.files.read('2026-06-17T02-00-02', '../2026-06-16T02-00-01/a.txt'), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
      await assert.rejects(opened.files.read('2026-06-17T02-00-02', 'sub'), (err: unknown) => isSnapshotError(err, 'BAD_INPUT') && /not a regular file/.test(err.message));
      await assert.rejects(opened.files.read('2026-06-17T02-00-02', 'nope.txt'), (err: unknown) => isSnapshotError(err, 'NOT_FOUND'));
      await assert.rejects(opened.files.read('latest; id', 'a.txt'), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
    });

    it('the CLI snapshot and list commands work with a host:/path root and --ssh-command', async () => {
      // ssh masters whose socket folder is gone; other runs on a shared machine may have left some: only new ones count.
      const orphanMasters = () =>
        fs
          .readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .map((p) => {
            try {
              return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
            } catch {
              return '';
            }
          })
          .map((c) => /^ssh: (\S+)\/[0-9a-f]+ \[mux\]/.exec(c)?.[1])
          .filter((dir): dir is string => dir !== undefined && !fs.existsSync(dir));
      const before = new Set(orphanMasters());
      const snap = await runCli(['snapshot', source, spec(root), '--ssh-command', sshd.sshCommand, '--json']);
      assert.equal(snap.code, 0, snap.stderr);
      const result = JSON.parse(snap.stdout);
      assert.equal(result.linkDest, path.join(root, '2026-06-17T02-00-02'));
      const list = await runCli(['list', spec(root), '--ssh-command', sshd.sshCommand, '--json']);
      assert.equal(list.code, 0, list.stderr);
      const names = JSON.parse(list.stdout).map((s: { name: string }) => s.name);
      assert.deepEqual(names, ['2026-06-16T02-00-01', '2026-06-17T02-00-02', result.name]);
      // The CLI closes its shared connection on exit: no ssh master is left behind whose socket folder is gone.
      assert.deepEqual(
        orphanMasters().filter((dir) => !before.has(dir)),
        [],
      );
    });
  });

  it('RSYNC_RSH="ssh -F <config>" works end to end without --ssh-command', async () => {
    const source = makeSource();
    const root = path.join(remoteBase, 'rsync-rsh');
    const saved = process.env.RSYNC_RSH;
    process.env.RSYNC_RSH = sshd.sshCommand;
    try {
      const first = await takeSnapshot({ source, root: spec(root), createRoot: true, now: new Date(2026, 0, 1, 0, 0, 0) });
      const second = await takeSnapshot({ source, root: spec(root), now: new Date(2026, 0, 2, 0, 0, 0) });
      assert.equal(second.linkDest, path.join(root, first.name));
      const listing = await listSnapshots(spec(root));
      assert.deepEqual(
        listing.snapshots.map((s) => s.name),
        [first.name, second.name],
      );
      assert.equal((await openRoot(spec(root)).files.read(second.name, 'sub/b.txt')).toString(), 'bravo');
    } finally {
      if (saved === undefined) delete process.env.RSYNC_RSH;
      else process.env.RSYNC_RSH = saved;
    }
    assert.equal(fs.statSync(path.join(root, '2026-01-01T00-00-00', 'a.txt')).ino, fs.statSync(path.join(root, '2026-01-02T00-00-00', 'a.txt')).ino);
  });

  for (const oldArgs of [false, true]) {
    it(`a root path with spaces, ;, $(), backquotes and quotes works without shell injection${oldArgs ? ' (also with RSYNC_OLD_ARGS=1: rsync -s protects the paths, not its default escaping)' : ''}`, async () => {
      const savedOldArgs = process.env.RSYNC_OLD_ARGS;
      if (oldArgs) process.env.RSYNC_OLD_ARGS = '1';
      try {
        const marker = path.join(remoteBase, `injected-${process.pid}`);
        const relative = `injected-rel-${process.pid}-${oldArgs ? 'old' : 'new'}`; // would land in the remote home or the local working folder
        const tag = oldArgs ? 'old' : 'new';
        const weird = `we ird ${tag};$(touch ${relative})\`touch ${relative}\`'q"*;touch ${marker}`;
        const root = path.join(remoteBase, weird, 'root $(touch x)');
        const source = makeSource({ 'file with space.txt': 'one', "it's.txt": 'two' });
        const first = await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 1, 1, 0, 0, 0) });
        const second = await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 1, 2, 0, 0, 0) });
        assert.equal(second.linkDest, path.join(root, first.name));
        assert.equal(fs.existsSync(marker), false, 'a command embedded in the path ran');
        for (const dir of [os.homedir(), process.cwd(), remoteBase]) assert.equal(fs.existsSync(path.join(dir, relative)), false, `a command embedded in the path ran (in ${dir})`);
        assert.equal(fs.existsSync(path.join(root, 'x')), false);
        assert.ok(fs.statSync(path.join(root, first.name)).isDirectory(), 'the root was created verbatim');
        assert.deepEqual(
          fs.readdirSync(remoteBase).filter((e) => e.startsWith(`we ird ${tag}`)),
          [weird.split('/')[0]],
        );
        assert.equal(fs.statSync(path.join(root, first.name, "it's.txt")).ino, fs.statSync(path.join(root, second.name, "it's.txt")).ino);
        const listing = await listSnapshots(spec(root), { sshCommand: sshd.sshCommand });
        assert.deepEqual(
          listing.snapshots.map((s) => s.name),
          [first.name, second.name],
        );
        assert.equal((await openRoot(spec(root), { sshCommand: sshd.sshCommand }).files.read(second.name, 'file with space.txt')).toString(), 'one');
      } finally {
        if (savedOldArgs === undefined) delete process.env.RSYNC_OLD_ARGS;
        else process.env.RSYNC_OLD_ARGS = savedOldArgs;
      }
    });
  }

  it('lists leftovers, odd entries and a dangling latest like the local listing', async () => {
    const root = path.join(remoteBase, 'odd');
    fs.mkdirSync(path.join(root, '2026-03-01T00-00-00'), { recursive: true });
    fs.mkdirSync(path.join(root, '2026-03-02-120000'));
    fs.mkdirSync(path.join(root, '.inprogress-2026-03-03T00-00-00'));
    fs.mkdirSync(path.join(root, 'not a snapshot\nwith newline'));
    fs.symlinkSync('2026-03-01T00-00-00', path.join(root, '2026-03-04T00-00-00'));
    fs.symlinkSync('2026-09-09T00-00-00', path.join(root, 'latest'));
    const remote = await listSnapshots(spec(root), { sshCommand: sshd.sshCommand });
    const local = await listSnapshots(root);
    assert.deepEqual(
      remote.snapshots.map((s) => [s.name, s.format]),
      local.snapshots.map((s) => [s.name, s.format]),
    );
    assert.deepEqual(remote.inProgress, ['.inprogress-2026-03-03T00-00-00']);
    assert.equal(remote.latestState, 'dangling');
    assert.equal(remote.latestState, local.latestState);
    assert.equal(remote.latestTarget, '2026-09-09T00-00-00');
    fs.unlinkSync(path.join(root, 'latest'));
    fs.symlinkSync(path.join(root, '2026-03-02-120000') + '/', path.join(root, 'latest'));
    const absolute = await listSnapshots(spec(root), { sshCommand: sshd.sshCommand });
    assert.equal(absolute.latest?.name, '2026-03-02-120000');
    assert.equal(absolute.latestState, 'ok');
  });

  it('a missing remote root is a clear ROOT_INVALID without --create', async () => {
    const root = path.join(remoteBase, 'missing-root');
    await assert.rejects(listSnapshots(spec(root), { sshCommand: sshd.sshCommand }), (err: unknown) => isSnapshotError(err, 'ROOT_INVALID') && /does not exist/.test(err.message));
    await assert.rejects(takeSnapshot({ source: makeSource(), root: spec(root), sshCommand: sshd.sshCommand }), (err: unknown) => isSnapshotError(err, 'ROOT_INVALID') && /--create/.test(err.message));
    assert.equal(fs.existsSync(root), false);
  });

  it("a busy remote lock names the holder's operation and pid (a prune holds it); the lock file stays flock -n compatible", async () => {
    const source = makeSource();
    const root = path.join(remoteBase, 'locked-by-prune');
    await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 4, 1) });
    const holder = await openRoot(spec(root), { sshCommand: sshd.sshCommand }).lock({ operation: 'prune' });
    try {
      const note = fs.readFileSync(path.join(root, '.rsync-snapshots.lock'), 'utf8');
      assert.match(note, /^\d+ prune\n$/);
      const flock = spawnSync('flock', ['-n', '-E', '99', path.join(root, '.rsync-snapshots.lock'), 'true']);
      assert.equal(flock.status, 99, "the cron line's flock -n sees it held");
      await assert.rejects(
        takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 4, 2) }),
        (err: unknown) => isSnapshotError(err, 'LOCKED') && err.message.startsWith(`A prune of ${spec(root)} is already running (pid ${note.split(' ')[0]} on testhost)`),
      );
    } finally {
      await holder.release();
    }
    assert.equal(fs.readFileSync(path.join(root, '.rsync-snapshots.lock'), 'utf8'), '', 'emptied when released');
    await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 4, 3) });
  });

  it('the remote lock is the same flock file: a held lock makes the run fail with LOCKED and changes nothing', async () => {
    const source = makeSource();
    const root = path.join(remoteBase, 'locked');
    await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 4, 1) });
    const { spawn } = await import('node:child_process');
    const holder = spawn('flock', ['-n', path.join(root, '.rsync-snapshots.lock'), 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await assert.rejects(
        takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 4, 2) }),
        (err: unknown) => isSnapshotError(err, 'LOCKED') && /already running/.test(err.message),
      );
    } finally {
      holder.kill();
    }
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), '2026-05-01T00-00-00');
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      ['2026-05-01T00-00-00'],
    );
  });

  it('a failing rsync removes the partial folder and leaves latest untouched', async () => {
    const source = makeSource();
    const root = path.join(remoteBase, 'rsync-fails');
    await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 6, 1) });
    await assert.rejects(takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 6, 2), excludes: ['--bad-[pattern'], rsyncPath: '/bin/false' }), (err: unknown) =>
      isSnapshotError(err, 'RSYNC_FAILED'),
    );
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), '2026-07-01T00-00-00');
    assert.deepEqual(
      fs.readdirSync(root).filter((e) => e.startsWith('.inprogress') || e.startsWith('2026')),
      ['2026-07-01T00-00-00'],
    );
  });

  it('a failed run (remote disk full) names the unfinished .inprogress-* copy it leaves for reuse, instead of "Nothing was kept"', async function () {
    const root = path.join(remoteBase, 'disk-full');
    fs.mkdirSync(root);
    if (!(await canMount(remoteBase))) this.skip();
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root])).code, 0);
    try {
      const source = makeSource();
      await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 6, 1) });
      const crashed = '.inprogress-2026-07-01T12-00-00'; // what a run killed with -9 leaves
      fs.mkdirSync(path.join(root, crashed));
      writeTree(source, { 'big.bin': Buffer.alloc(3 << 20, 1) });
      const error = await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 6, 2) }).then(
        () => assert.fail('disk full must fail'),
        (e) => e as Error,
      );
      assert.ok(isSnapshotError(error, 'RSYNC_FAILED'), String(error));
      assert.doesNotMatch(error.message, /Nothing was kept/);
      assert.match(error.message, new RegExp(`latest is unchanged.*Left in the root: ${crashed} .*reuses it.*\\(on testhost\\)`));
      assert.deepEqual(
        fs.readdirSync(root).filter((e) => e.startsWith('.inprogress')),
        [crashed],
      );
      assert.equal(fs.readlinkSync(path.join(root, 'latest')), '2026-07-01T00-00-00');
    } finally {
      await run('umount', [root]);
    }
  });

  it('no inode left on the host for the latest symlink: the snapshot is kept and listed, latest not moved, the message says how to fix it', async function () {
    const root = path.join(remoteBase, 'no-inode');
    fs.mkdirSync(root);
    if (!(await canMount(remoteBase))) this.skip();
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=64', 'tmpfs', root])).code, 0);
    try {
      const source = makeSource({ 'a.txt': 'alpha' });
      const first = await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 6, 1) });
      fs.mkdirSync(path.join(source, 'z')); // the next copy needs inodes for its folder and z (a.txt is a hard link)
      const fill = path.join(root, 'fill');
      fs.mkdirSync(fill);
      let n = 0;
      for (;;) {
        try {
          fs.writeFileSync(path.join(fill, `f${n}`), '');
          n++;
        } catch {
          break;
        }
      }
      const name = '2026-07-02T00-00-00';
      let failure: Error | undefined;
      for (let freed = 1; freed <= 6 && !failure; freed++) {
        fs.unlinkSync(path.join(fill, `f${--n}`));
        const e = await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, now: new Date(2026, 6, 2) }).then(
          () => assert.fail('latest cannot have moved with no inode left'),
          (err: Error) => err,
        );
        if (!/latest could not be moved/.test(e.message)) continue; // the copy itself did not fit yet
        if (!fs.existsSync(path.join(root, name, 'a.txt')) || !fs.existsSync(path.join(root, name, 'z'))) {
          fs.rmSync(path.join(root, name), { recursive: true }); // kept but partial: not the case under test
          continue;
        }
        failure = e;
      }
      assert.ok(isSnapshotError(failure, 'ROOT_INVALID'), String(failure));
      assert.match(
        failure.message,
        new RegExp(`^Snapshot ${name} is complete and kept in testhost:${root}, but latest could not be moved to it \\(.*No space left on device.*\\): latest still points at ${first.name}`),
      );
      assert.match(failure.message, /df -i on testhost/);
      assert.match(failure.message, new RegExp(`ssh testhost ln -sfn ${name} '${root}/latest'`));
      assert.deepEqual(
        (await listSnapshots(root)).snapshots.map((x) => x.name),
        [first.name, name],
      );
      assert.equal(fs.readlinkSync(path.join(root, 'latest')), first.name);
    } finally {
      await run('umount', [root]);
    }
  });

  describe('connection failures: a clear SSH_FAILED within the connect timeout, latest untouched', () => {
    let root: string;
    let source: string;
    before(async () => {
      source = makeSource();
      root = path.join(remoteBase, 'failures');
      await takeSnapshot({ source, root: spec(root), sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 7, 1) });
    });

    async function expectFailure(sshCommand: string, message: RegExp): Promise<void> {
      for (const attempt of [() => listSnapshots(spec(root), { sshCommand }), () => takeSnapshot({ source, root: spec(root), sshCommand, now: new Date(2026, 7, 2) })]) {
        const started = Date.now();
        let error: unknown;
        await attempt().catch((err) => (error = err));
        const elapsed = Date.now() - started;
        assert.ok(error instanceof SnapshotError, `expected a SnapshotError, got ${error}`);
        assert.equal(error.code, 'SSH_FAILED', error.message);
        assert.match(error.message, message);
        assert.ok(elapsed < 10_000, `took ${elapsed} ms, longer than the connect timeout`);
      }
      assert.equal(fs.readlinkSync(path.join(root, 'latest')), '2026-08-01T00-00-00');
      assert.deepEqual(
        fs.readdirSync(root).filter((e) => !e.startsWith('.rsync-snapshots')),
        ['2026-08-01T00-00-00', 'latest'],
      );
    }

    it('unknown host key (empty known_hosts): says to connect once and accept the key', async () => {
      await expectFailure(sshd.variant('unknown-key', { knownHosts: '' }), /host key .*not in known_hosts.*Connect once/);
      // The entry ssh really uses for a HostName/Port from the config: [127.0.0.1]:PORT, not the alias.
      await expectFailure(sshd.variant('unknown-key', { knownHosts: '' }), new RegExp(`ssh looks it up as \\[127\\.0\\.0\\.1\\]:${sshd.port}\\)`));
    });

    it('changed host key: says the key changed and how to replace it after checking', async () => {
      const otherKey = fs.readFileSync(`${sshd.makeUnauthorizedKey()}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
      await expectFailure(sshd.variant('changed-key', { knownHosts: `[127.0.0.1]:${sshd.port} ${otherKey}\n` }), /CHANGED.*ssh-keygen -R/);
      await expectFailure(
        sshd.variant('changed-key', { knownHosts: `[127.0.0.1]:${sshd.port} ${otherKey}\n` }),
        new RegExp(`ssh-keygen -R '\\[127\\.0\\.0\\.1\\]:${sshd.port}' -f \\S*known_hosts\\.changed-key\\)`),
      );
    });

    it('wrong key: says to set up key authentication (ssh-copy-id), no password prompt', async () => {
      await expectFailure(sshd.variant('wrong-key', { identityFile: sshd.makeUnauthorizedKey() }), /permission denied.*ssh-copy-id.*BatchMode/);
    });

    it('host down (closed port): connection refused', async () => {
      await expectFailure(sshd.variant('down', { port: await closedPort() }), /connection refused/);
    });

    it('unresolvable host name', async () => {
      let error: unknown;
      await listSnapshots('no-such-host.invalid:/x', { sshCommand: 'ssh -F /dev/null' }).catch((err) => (error = err));
      assert.ok(isSnapshotError(error, 'SSH_FAILED'), String(error));
      assert.match(error.message, /could not resolve/);
    });
  });
});
