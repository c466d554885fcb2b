import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { isSnapshotName } from '../../../src/core/root/format';
import { inode, tempDirs, writeTree } from '../../support/fixtures';
import { asNobody, canMount, cliPathForNobody, NOBODY, repoRoot, run, runCli } from '../../support/proc';
import { listSnapshots, takeSnapshot } from '../../support/core';

describe('takeSnapshot', () => {
  const tmp = tempDirs();
  let mountAllowed = false;
  before(async () => {
    mountAllowed = await canMount(tmp.make('rs-probe'));
  });
  after(() => tmp.cleanup());

  function setup(files: Record<string, string | Buffer | null> = { 'a.txt': 'alpha', 'b.txt': 'bravo', 'sub/c.txt': 'charlie', 'sub/deep/d.txt': 'delta' }) {
    const base = tmp.make('rs-snap');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(source);
    fs.mkdirSync(root);
    writeTree(source, files);
    return { base, source, root };
  }

  describe('two runs', () => {
    let source: string, root: string;
    let first: Awaited<ReturnType<typeof takeSnapshot>>;
    let second: Awaited<ReturnType<typeof takeSnapshot>>;
    const firstContent: Record<string, string> = { 'a.txt': 'alpha', 'b.txt': 'bravo', 'sub/c.txt': 'charlie', 'sub/deep/d.txt': 'delta' };

    before(async () => {
      ({ source, root } = setup());
      first = await takeSnapshot({ source, root, now: new Date(2026, 5, 16, 2, 0, 1) });
      fs.writeFileSync(path.join(source, 'b.txt'), 'bravo, changed and longer');
      fs.rmSync(path.join(source, 'sub/c.txt'));
      fs.writeFileSync(path.join(source, 'new.txt'), 'new');
      second = await takeSnapshot({ source, root, now: new Date(2026, 5, 17, 2, 0, 2) });
    });

    it('first run is a full copy with every file and no link-dest', () => {
      assert.equal(first.name, '2026-06-16T02-00-01');
      assert.equal(first.path, path.join(root, first.name));
      assert.equal(first.root, root);
      assert.equal(first.linkDest, null);
      assert.equal(first.fullCopyReason, undefined, 'an empty root needs no explanation');
      assert.equal(first.filesTransferred, 4);
      assert.equal(first.filesUnchanged, 0);
      assert.equal(first.bytesTransferred, 'alpha'.length + 'bravo'.length + 'charlie'.length + 'delta'.length);
      assert.equal(first.partial, false);
      assert.deepEqual(first.warnings, []);
      assert.ok(first.durationMs >= 0);
      for (const rel of ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deep/d.txt']) assert.equal(fs.readFileSync(path.join(first.path, rel), 'utf8'), firstContent[rel]);
      assert.notEqual(inode(path.join(first.path, 'a.txt')), inode(path.join(source, 'a.txt')), 'a copy, not a link to the source');
    });

    it('second run hard-links unchanged files (same inode), copies changed ones, drops deleted ones', () => {
      assert.equal(second.linkDest, first.path);
      assert.equal(inode(path.join(second.path, 'a.txt')), inode(path.join(first.path, 'a.txt')));
      assert.equal(inode(path.join(second.path, 'sub/deep/d.txt')), inode(path.join(first.path, 'sub/deep/d.txt')));
      assert.equal(fs.statSync(path.join(second.path, 'a.txt')).nlink, 2);
      assert.notEqual(inode(path.join(second.path, 'b.txt')), inode(path.join(first.path, 'b.txt')));
      assert.equal(fs.readFileSync(path.join(second.path, 'b.txt'), 'utf8'), 'bravo, changed and longer');
      assert.equal(fs.readFileSync(path.join(first.path, 'b.txt'), 'utf8'), 'bravo', 'the old snapshot is untouched');
      assert.equal(fs.existsSync(path.join(second.path, 'sub/c.txt')), false);
      assert.equal(fs.existsSync(path.join(first.path, 'sub/c.txt')), true);
      assert.equal(fs.readFileSync(path.join(second.path, 'new.txt'), 'utf8'), 'new');
    });

    it('reports transferred vs linked counts and bytes', () => {
      assert.equal(second.filesTransferred, 2); // b.txt, new.txt
      assert.equal(second.filesUnchanged, 2); // a.txt, sub/deep/d.txt
      assert.equal(second.bytesTransferred, 'bravo, changed and longer'.length + 'new'.length);
      assert.ok(second.filesTotal >= 6, `filesTotal ${second.filesTotal}`);
      assert.equal(second.totalBytes, 'alpha'.length + 'bravo, changed and longer'.length + 'delta'.length + 'new'.length);
    });

    it('latest is a relative symlink to the newest snapshot, and listing agrees', async () => {
      assert.equal(fs.readlinkSync(path.join(root, 'latest')), second.name);
      const listing = await listSnapshots(root);
      assert.deepEqual(
        listing.snapshots.map((s) => s.name),
        [first.name, second.name],
      );
      assert.equal(listing.latest?.name, second.name);
      assert.deepEqual(listing.inProgress, []);
    });

    it('touches the snapshot dir (mtime is the run, not the source folder) and leaves no temp entries', () => {
      const old = new Date(2001, 0, 1);
      fs.utimesSync(source, old, old);
      return takeSnapshot({ source, root }).then((third) => {
        assert.ok(Math.abs(fs.statSync(third.path).mtimeMs - Date.now()) < 60_000, 'snapshot mtime is now');
        assert.ok(isSnapshotName(third.name));
        const leftovers = fs.readdirSync(root).filter((n) => n.startsWith('.') && n !== '.rsync-snapshots.lock' && n !== '.rsync-snapshots.d');
        assert.deepEqual(leftovers, []);
      });
    });
  });

  it('a second snapshot within the same second gets the next free name', async () => {
    const { source, root } = setup();
    const now = new Date(2026, 5, 16, 2, 0, 1);
    const a = await takeSnapshot({ source, root, now });
    const b = await takeSnapshot({ source, root, now });
    assert.equal(a.name, '2026-06-16T02-00-01');
    assert.equal(b.name, '2026-06-16T02-00-02');
    assert.equal(b.linkDest, a.path);
  });

  it('a same-size edit within the second after a snapshot is copied, not linked (nanosecond mtime check)', async () => {
    const { source, root } = setup({ 'f.txt': 'version one' });
    const a = await takeSnapshot({ source, root });
    fs.writeFileSync(path.join(source, 'f.txt'), 'version two'); // same size, very likely the same second
    const b = await takeSnapshot({ source, root });
    assert.equal(fs.readFileSync(path.join(b.path, 'f.txt'), 'utf8'), 'version two');
    assert.notEqual(inode(path.join(a.path, 'f.txt')), inode(path.join(b.path, 'f.txt')));
  });

  it('removes a temp latest link left by a run that crashed while swinging latest, and nothing else of the root', async () => {
    const { source, root } = setup();
    fs.symlinkSync('2026-01-01T00-00-00', path.join(root, '.latest.tmp-99999-1'));
    fs.mkdirSync(path.join(root, '.latest.tmp-not-ours'));
    fs.mkdirSync(path.join(root, '.inprogress-my-notes'));
    const result = await takeSnapshot({ source, root });
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.startsWith('.latest.tmp-')),
      ['.latest.tmp-not-ours'],
    );
    assert.ok(fs.existsSync(path.join(root, '.inprogress-my-notes')), 'a folder that only looks like a leftover stays');
    assert.deepEqual((await listSnapshots(root)).inProgress, []);
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), result.name);
  });

  it('applies excludes', async () => {
    const { source, root } = setup({ 'keep.txt': 'k', 'node_modules/x/index.js': 'x', 'build/out.o': 'o', 'logs/a.log': 'l', 'src/b.log': 'l' });
    const r = await takeSnapshot({ source, root, excludes: ['node_modules/', '/build/', '*.log'] });
    assert.deepEqual(fs.readdirSync(r.path).sort(), ['keep.txt', 'logs', 'src']);
    assert.deepEqual(fs.readdirSync(path.join(r.path, 'logs')), []);
    assert.deepEqual(fs.readdirSync(path.join(r.path, 'src')), []);
  });

  it('accepts --one-file-system, and with it does not descend into a mount inside the source', async function () {
    const { source, root } = setup();
    const r0 = await takeSnapshot({ source, root, oneFileSystem: true });
    assert.equal(fs.readFileSync(path.join(r0.path, 'a.txt'), 'utf8'), 'alpha');
    if (!mountAllowed) {
      console.log('      (mount not permitted here: only checked that --one-file-system is accepted)');
      return;
    }
    const mnt = path.join(source, 'mnt');
    fs.mkdirSync(mnt);
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt])).code, 0);
    try {
      fs.writeFileSync(path.join(mnt, 'other-fs.txt'), 'on another filesystem');
      const crossing = await takeSnapshot({ source, root });
      assert.equal(fs.existsSync(path.join(crossing.path, 'mnt/other-fs.txt')), true, 'without the flag the mount is copied');
      const staying = await takeSnapshot({ source, root, oneFileSystem: true });
      assert.equal(fs.existsSync(path.join(staying.path, 'mnt/other-fs.txt')), false);
      assert.equal(fs.existsSync(path.join(staying.path, 'a.txt')), true);
    } finally {
      await run('umount', [mnt]);
    }
  });

  it('excludes a backup root that lies inside the source (no recursion), even with wildcard characters in its name', async () => {
    for (const rel of ['backups', 'my backups/[root]*?']) {
      const { source } = setup();
      const root = path.join(source, rel);
      fs.mkdirSync(root, { recursive: true });
      const a = await takeSnapshot({ source, root, now: new Date(2026, 5, 16, 2, 0, 1) });
      const b = await takeSnapshot({ source, root, now: new Date(2026, 5, 16, 2, 0, 2) });
      const top = rel.split('/')[0];
      if (top === rel) assert.equal(fs.existsSync(path.join(b.path, top)), false, `${rel} not copied into itself`);
      else assert.deepEqual(fs.readdirSync(path.join(b.path, top)), [], `${rel} not copied into itself`);
      assert.equal(fs.existsSync(path.join(b.path, rel, a.name)), false);
      assert.equal(inode(path.join(b.path, 'a.txt')), inode(path.join(a.path, 'a.txt')));
    }
  });

  describe('bad input is refused before rsync starts', () => {
    it('source missing', async () => {
      const { base, root } = setup();
      await assert.rejects(takeSnapshot({ source: path.join(base, 'nope'), root }), (e) => isSnapshotError(e, 'SOURCE_INVALID') && /does not exist/.test(e.message));
      assert.deepEqual(fs.readdirSync(root), []);
    });

    it('source is a file', async () => {
      const { source, root } = setup();
      await assert.rejects(takeSnapshot({ source: path.join(source, 'a.txt'), root }), (e) => isSnapshotError(e, 'SOURCE_INVALID') && /not a folder/.test(e.message));
      assert.deepEqual(fs.readdirSync(root), []);
    });

    it('root missing, unless asked to create it', async () => {
      const { base, source } = setup();
      const root = path.join(base, 'new', 'root');
      await assert.rejects(takeSnapshot({ source, root }), (e) => isSnapshotError(e, 'ROOT_INVALID') && /does not exist/.test(e.message) && /--create/.test(e.message));
      assert.equal(fs.existsSync(root), false);
      const r = await takeSnapshot({ source, root, createRoot: true });
      assert.equal(r.path, path.join(root, r.name));
      assert.equal(fs.readFileSync(path.join(r.path, 'a.txt'), 'utf8'), 'alpha');
    });

    it('root is a file, or the source itself', async () => {
      const { source } = setup();
      await assert.rejects(takeSnapshot({ source, root: path.join(source, 'a.txt') }), (e) => isSnapshotError(e, 'ROOT_INVALID') && /not a folder/.test(e.message));
      await assert.rejects(takeSnapshot({ source, root: source }), (e) => isSnapshotError(e, 'ROOT_INVALID'));
    });

    it('root on a read-only filesystem (read-only bind mount)', async function () {
      if (!mountAllowed) this.skip();
      const { source, root } = setup();
      assert.equal((await run('mount', ['--bind', '-o', 'ro', root, root])).code, 0);
      try {
        await run('mount', ['-o', 'remount,bind,ro', root]);
        assert.throws(() => fs.writeFileSync(path.join(root, 'probe'), ''), /EROFS/, 'the mount really is read-only');
        await assert.rejects(takeSnapshot({ source, root }), (e) => isSnapshotError(e, 'ROOT_INVALID') && /not writable/.test(e.message) && /read-only/.test(e.message));
      } finally {
        await run('umount', [root]);
      }
      assert.deepEqual(fs.readdirSync(root), []);
    });

    it('root not writable by the user running the snapshot (CLI as nobody)', async () => {
      const { base, source, root } = setup();
      for (const d of [base, source, root]) fs.chmodSync(d, 0o755);
      const [cmd, args] = asNobody(process.execPath, [cliPathForNobody(), 'snapshot', source, root]);
      const r = await run(cmd, args, { cwd: repoRoot() });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /not writable \(permission denied\)/);
      assert.deepEqual(fs.readdirSync(root), []);
    });

    it('missing rsync: PATH without it gives "rsync is not installed"', async () => {
      const { base, source, root } = setup();
      const emptyBin = path.join(base, 'bin');
      fs.mkdirSync(emptyBin);
      const saved = process.env.PATH;
      process.env.PATH = emptyBin;
      try {
        await assert.rejects(takeSnapshot({ source, root }), (e) => isSnapshotError(e, 'RSYNC_NOT_FOUND') && /rsync is not installed/.test(e.message) && /apt-get install rsync/.test(e.message));
      } finally {
        process.env.PATH = saved;
      }
      const cli = await runCli(['snapshot', source, root], { env: { ...process.env, PATH: emptyBin } });
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /rsync is not installed/);
      assert.deepEqual(fs.readdirSync(root), []);
    });

    it('a configured rsync path that is not executable', async () => {
      const { base, source, root } = setup();
      await assert.rejects(takeSnapshot({ source, root, rsyncPath: path.join(base, 'no-rsync') }), (e) => isSnapshotError(e, 'RSYNC_NOT_FOUND') && /no-rsync/.test(e.message));
    });
  });

  it('rsync exit 23 (an unreadable file): the snapshot is kept, marked partial, and the file is named', async () => {
    // Root reads every file, so the snapshot runs as user nobody and one file is readable only by root.
    const { base, source, root } = setup({ 'ok.txt': 'fine', 'secret.txt': 'root only', 'sub/also-ok.txt': 'fine', 'private/x.txt': 'root only' });
    for (const d of [base, source, path.join(source, 'sub')]) fs.chmodSync(d, 0o755);
    fs.chmodSync(path.join(source, 'private'), 0o700);
    fs.chmodSync(path.join(source, 'ok.txt'), 0o644);
    fs.chmodSync(path.join(source, 'sub/also-ok.txt'), 0o644);
    fs.chmodSync(path.join(source, 'secret.txt'), 0o600);
    fs.chownSync(root, NOBODY, NOBODY);
    const [cmd, args] = asNobody(process.execPath, [cliPathForNobody(), 'snapshot', source, root, '--json']);
    const r = await run(cmd, args, { cwd: repoRoot() });
    assert.equal(r.code, 3, `a partial snapshot has exit status 3 of its own (cron notices): ${r.stdout + r.stderr}`);
    const result = JSON.parse(r.stdout);
    assert.equal(result.partial, true);
    assert.equal(result.unreadable.length, 2, JSON.stringify(result.unreadable));
    assert.ok(
      result.unreadable.some((u: string) => /secret\.txt.*Permission denied/.test(u)),
      JSON.stringify(result.unreadable),
    );
    assert.ok(
      result.unreadable.some((u: string) => /private.*Permission denied/.test(u)),
      JSON.stringify(result.unreadable),
    );
    assert.ok(
      result.warnings.some((w: string) => /could not be read/.test(w) && /secret\.txt/.test(w)),
      JSON.stringify(result.warnings),
    );
    const listing = await listSnapshots(root);
    assert.deepEqual(
      listing.snapshots.map((s) => s.name),
      [result.name],
    );
    assert.equal(listing.latest?.name, result.name);
    assert.equal(fs.readFileSync(path.join(root, result.name, 'ok.txt'), 'utf8'), 'fine');
    assert.equal(fs.readFileSync(path.join(root, result.name, 'sub/also-ok.txt'), 'utf8'), 'fine');
    assert.equal(fs.existsSync(path.join(root, result.name, 'secret.txt')), false);
  });

  it('disk full (root on a 1 MiB tmpfs): failure with a message that says so, nothing listed, latest untouched', async function () {
    if (!mountAllowed) this.skip();
    const { source, root } = setup({ 'small.txt': 'small' });
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root])).code, 0);
    try {
      const first = await takeSnapshot({ source, root });
      writeTree(source, { 'big.bin': Buffer.alloc(3 << 20, 1) });
      await assert.rejects(
        takeSnapshot({ source, root }),
        (e) => isSnapshotError(e, 'RSYNC_FAILED') && /exit code 11/.test(e.message) && /disk full/.test(e.message) && /latest is unchanged/.test(e.message),
      );
      const listing = await listSnapshots(root);
      assert.deepEqual(
        listing.snapshots.map((s) => s.name),
        [first.name],
      );
      assert.equal(listing.latest?.name, first.name);
      assert.deepEqual(listing.inProgress, [], 'the partial copy is removed, freeing the space');
    } finally {
      await run('umount', [root]);
    }
  });

  it('reports progress events while rsync runs', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 50; i++) files[`f${i}.bin`] = Buffer.alloc(100000, i);
    const { source, root } = setup(files);
    const events: { bytes: number; percent: number }[] = [];
    await takeSnapshot({ source, root, onProgress: (p) => events.push(p) });
    assert.ok(events.length > 0, 'at least one progress event');
    const last = events[events.length - 1];
    assert.equal(last.percent, 100);
    assert.equal(last.bytes, 50 * 100000);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].bytes >= events[i - 1].bytes, 'bytes never go back');
  });

  it('latest dangling: full copy, and the result says why', async () => {
    const { source, root } = setup();
    const a = await takeSnapshot({ source, root, now: new Date(2026, 5, 16, 2, 0, 1) });
    fs.unlinkSync(path.join(root, 'latest'));
    fs.symlinkSync('2020-01-01T00-00-00', path.join(root, 'latest'));
    const b = await takeSnapshot({ source, root, now: new Date(2026, 5, 16, 2, 0, 2) });
    assert.equal(b.linkDest, null);
    assert.match(b.fullCopyReason ?? '', /2020-01-01T00-00-00.*does not exist/);
    assert.ok(b.warnings.some((w) => /Full copy/.test(w)));
    assert.notEqual(inode(path.join(b.path, 'a.txt')), inode(path.join(a.path, 'a.txt')));
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), b.name);

    fs.unlinkSync(path.join(root, 'latest'));
    const c = await takeSnapshot({ source, root, now: new Date(2026, 5, 16, 2, 0, 3) });
    assert.equal(c.linkDest, null);
    assert.match(c.fullCopyReason ?? '', /latest is missing/);
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), c.name);
  });

  it('a real directory named latest is refused with a clear message and nothing is listed', async () => {
    const { source, root } = setup();
    fs.mkdirSync(path.join(root, 'latest'));
    fs.writeFileSync(path.join(root, 'latest', 'keep'), 'someone else data');
    await assert.rejects(takeSnapshot({ source, root }), (e) => isSnapshotError(e, 'ROOT_INVALID') && /latest/.test(e.message));
    assert.equal(fs.readFileSync(path.join(root, 'latest', 'keep'), 'utf8'), 'someone else data');
    const listing = await listSnapshots(root);
    assert.deepEqual(listing.snapshots, [], 'a snapshot whose latest could not be set must not be left listed');
    assert.deepEqual(listing.inProgress, []);
  });
  it('no inode left for the latest symlink (tmpfs nr_inodes): the snapshot is kept and listed, latest not moved, the message says how to fix it', async function () {
    if (!mountAllowed) this.skip();
    const { source, root } = setup({ 'a.txt': 'alpha' });
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=64', 'tmpfs', root])).code, 0);
    try {
      const first = await takeSnapshot({ source, root, now: new Date(2026, 0, 1) });
      // A new folder in the source: the next snapshot needs inodes for its own folder and that one (a.txt is
      // unchanged: a hard link). Use up every free inode, then free one at a time until the copy fits but latest does not.
      fs.mkdirSync(path.join(source, 'z'));
      const fill = path.join(root, 'fill');
      fs.mkdirSync(fill);
      let n = 0;
      for (;;) {
        try {
          fs.writeFileSync(path.join(fill, `f${n}`), '');
          n++;
        } catch (err) {
          assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
          break;
        }
      }
      const name = '2026-01-02T00-00-00';
      let failure: unknown;
      for (let freed = 1; freed <= 5 && !failure; freed++) {
        fs.unlinkSync(path.join(fill, `f${--n}`));
        const e = await takeSnapshot({ source, root, now: new Date(2026, 0, 2) }).then(
          () => assert.fail('latest cannot have moved with no inode left'),
          (err) => err,
        );
        if (isSnapshotError(e, 'RSYNC_FAILED')) continue; // the copy itself did not fit
        if (!fs.existsSync(path.join(root, name, 'a.txt')) || !fs.existsSync(path.join(root, name, 'z'))) {
          fs.rmSync(path.join(root, name), { recursive: true }); // kept but partial (rsync exit 23): not the case under test
          continue;
        }
        failure = e;
      }
      assert.ok(isSnapshotError(failure, 'ROOT_INVALID'), `a clear error, not ${String((failure as Error)?.stack ?? failure)}`);
      const message = (failure as Error).message;
      assert.match(message, /Snapshot 2026-01-02T00-00-00 is complete and kept/);
      assert.match(message, new RegExp(`latest could not be moved to it .*ENOSPC.*latest still points at ${first.name}`));
      assert.match(message, /df -i/);
      assert.match(message, /ln -sfn 2026-01-02T00-00-00 /);
      const listing = await listSnapshots(root);
      assert.deepEqual(
        listing.snapshots.map((s) => s.name),
        [first.name, '2026-01-02T00-00-00'],
      );
      assert.equal(listing.latest?.name, first.name, 'latest is not moved');
      assert.equal(inode(path.join(root, '2026-01-02T00-00-00', 'a.txt')), inode(path.join(root, first.name, 'a.txt')), 'a complete, hard-linked snapshot');
      assert.deepEqual(
        fs.readdirSync(root).filter((e) => e.startsWith('.latest.tmp')),
        [],
      );
      // Once inodes are free again, the next snapshot works and moves latest.
      fs.rmSync(fill, { recursive: true });
      const next = await takeSnapshot({ source, root, now: new Date(2026, 0, 3) });
      assert.equal((await listSnapshots(root)).latest?.name, next.name);
    } finally {
      await run('umount', [root]);
    }
  });

  it('a failed run says what it leaves: an unfinished .inprogress-* copy of a crashed run stays for reuse, so not "Nothing was kept"', async function () {
    if (!mountAllowed) this.skip();
    const { source, root } = setup({ 'small.txt': 'small' });
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root])).code, 0);
    try {
      const first = await takeSnapshot({ source, root, now: new Date(2026, 0, 1) });
      // What a run killed with -9 leaves: its unfinished copy, never listed.
      const crashed = '.inprogress-2026-01-01T12-00-00';
      fs.mkdirSync(path.join(root, crashed));
      fs.writeFileSync(path.join(root, crashed, 'small.txt'), 'small');
      writeTree(source, { 'big.bin': Buffer.alloc(3 << 20, 1) });
      const error = await takeSnapshot({ source, root }).then(
        () => assert.fail('disk full must fail'),
        (e) => e as Error,
      );
      assert.ok(isSnapshotError(error, 'RSYNC_FAILED'), String(error));
      assert.doesNotMatch(error.message, /Nothing was kept/);
      assert.match(error.message, /latest is unchanged/);
      assert.match(error.message, new RegExp(`Left in the root: ${crashed} .*the next snapshot reuses it`));
      const listing = await listSnapshots(root);
      assert.deepEqual(listing.inProgress, [crashed], 'exactly what the message names is left');
      assert.equal(listing.latest?.name, first.name);
    } finally {
      await run('umount', [root]);
    }
  });
});
