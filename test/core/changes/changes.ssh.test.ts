import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { excludeMatcher } from '../../../src/core/util/excludeMatcher';
import { StatLike } from '../../../src/core/util/fileCompare';
import { makeDev, parseFindTime } from '../../../src/core/changes/findListing';
import { closeAllSshConnections, sshCounters } from '../../../src/core/root/ssh/transport';
import { diffTrees, ListedEntry, listingSide } from '../../../src/core/changes/treeDiff';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { changes, takeSnapshot } from '../../support/core';

const NFD = 'cafe\u0301.txt'; // "café" with a combining accent, as macOS writes it
const NFC = 'caf\u00e9.txt';
const at = (step: number) => new Date(2026, 0, 1, 12, 0, step);

function byBytes(x: string, y: string): number {
  return Buffer.compare(Buffer.from(x), Buffer.from(y));
}

describe('changes on a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let source: string, root: string, spec: string, a: string, b: string;
  const opts = () => ({ sshCommand: sshd.sshCommand });

  before(async () => {
    sshd = await startSshd();
    const base = tmp.make('rs-rchanges');
    source = path.join(base, 'src');
    // A root path with a space, a quote and $(): only ever an argument of the remote script.
    root = path.join(base, `remote root 'x' $(touch pwned)`);
    spec = `${sshd.host}:${root}`;
    writeTree(source, {
      'keep.txt': 'unchanged',
      'edit.txt': 'before',
      'same-size.txt': 'aaaa',
      'touched.txt': 'only touched',
      'gone.txt': 'deleted later',
      'line\nbreak.txt': 'newline in name',
      '-rf': 'leading dash',
      'with space.txt': 'spaces',
      [NFD]: 'decomposed',
      'dir/sub/deep.txt': 'deep',
      'dir/sub/stays.txt': 'stays',
      'olddir/a.txt': 'a',
      'olddir/b/c.txt': 'c',
      'becomes-dir': 'a file first',
      'empty-before': null,
    });
    fs.symlinkSync('one', path.join(source, 'link'));
    fs.symlinkSync('same target', path.join(source, 'steady-link'));
    for (const f of ['edit.txt', 'same-size.txt', 'touched.txt']) fs.utimesSync(path.join(source, f), at(0), at(0));
    const snap = (day: number) => takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 5, day, 2, 0, 0) });
    a = (await snap(1)).name;

    fs.writeFileSync(path.join(source, 'edit.txt'), 'after, longer');
    fs.writeFileSync(path.join(source, 'same-size.txt'), 'bbbb');
    fs.utimesSync(path.join(source, 'same-size.txt'), at(1), at(1));
    fs.utimesSync(path.join(source, 'touched.txt'), at(2), at(2));
    fs.chmodSync(path.join(source, 'keep.txt'), 0o600); // permission-only: not a change
    fs.rmSync(path.join(source, 'gone.txt'));
    fs.writeFileSync(path.join(source, 'line\nbreak.txt'), 'newline in name, edited');
    fs.rmSync(path.join(source, '-rf'));
    fs.writeFileSync(path.join(source, '-new'), 'dash added');
    fs.writeFileSync(path.join(source, 'with space.txt'), 'spaces, edited');
    fs.writeFileSync(path.join(source, NFD), 'decomposed, edited');
    fs.writeFileSync(path.join(source, NFC), 'composed: a different name from the NFD one');
    fs.writeFileSync(path.join(source, 'dir/sub/deep.txt'), 'deeper');
    fs.rmSync(path.join(source, 'olddir'), { recursive: true });
    writeTree(source, { 'newdir/x.txt': 'x', 'newdir/y/z.txt': 'z', 'empty-after': null, 'new\nline dir/-f': 'hostile folder' });
    fs.rmSync(path.join(source, 'becomes-dir'));
    writeTree(source, { 'becomes-dir/inner.txt': 'now a folder' });
    fs.rmSync(path.join(source, 'link'));
    fs.symlinkSync('two', path.join(source, 'link')); // same length: only the target text tells
    b = (await snap(2)).name;
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  const expected = {
    added: ['-new', 'becomes-dir/inner.txt', NFC, 'new\nline dir/-f', 'newdir/x.txt', 'newdir/y/z.txt'].sort(byBytes),
    modified: ['dir/sub/deep.txt', 'edit.txt', 'line\nbreak.txt', 'link', 'same-size.txt', 'with space.txt', NFD].sort(byBytes),
    deleted: ['-rf', 'becomes-dir', 'gone.txt', 'olddir/a.txt', 'olddir/b/c.txt'].sort(byBytes),
  };

  it('reports exactly the files added, modified and deleted between two remote snapshots, hostile names included', async () => {
    const c = await changes(spec, a, b, opts());
    assert.equal(c.root, spec);
    assert.equal(c.from, a);
    assert.equal(c.to, b);
    assert.equal(c.toWorking, false);
    assert.deepEqual(c.added, expected.added);
    assert.deepEqual(c.modified, expected.modified);
    assert.deepEqual(c.deleted, expected.deleted);
    assert.deepEqual(c.unreadable, []);
    assert.ok(!c.modified.includes('touched.txt'), 'a touch (same content, new mtime) is not a change');
    assert.ok(!c.modified.includes('keep.txt'), 'a chmod is not a change');
    assert.ok(c.modified.includes('link') && !c.modified.includes('steady-link'), 'a symlink whose target changed is modified');
    assert.ok(!fs.existsSync(path.join(path.dirname(root), 'pwned')) && !fs.existsSync(path.join(root, 'pwned')), 'the root path is never run as code');
  });

  it('gives the same ChangeSet as the local implementation on the same folder (both directions, excludes too)', async () => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      for (const exclude of [[], ['dir/', '*.txt', '/-new']]) {
        const remote = await changes(spec, x, y, { ...opts(), exclude });
        const local = await changes(root, x, y, { exclude });
        assert.deepEqual({ ...remote, root: 'r' }, { ...local, root: 'r' }, `${x} → ${y}, exclude ${exclude.join(' ')}`);
      }
    }
    const filtered = await changes(spec, a, b, { ...opts(), exclude: ['dir/', '*.txt'] });
    assert.deepEqual([filtered.added, filtered.modified, filtered.deleted], [['-new', 'new\nline dir/-f'], ['link'], ['-rf', 'becomes-dir']]);
  });

  it('on a warm connection: one ssh process when metadata decides, two when some content must be compared', async () => {
    await changes(spec, b, 'latest', opts()); // warm up the shared connection
    let before = sshCounters.processesStarted;
    const none = await changes(spec, b, 'latest', opts());
    assert.equal(sshCounters.processesStarted - before, 1);
    assert.deepEqual([none.to, none.added, none.modified, none.deleted], [b, [], [], []]);
    before = sshCounters.processesStarted;
    const c = await changes(spec, a, b, opts()); // same-size.txt and touched.txt need cmp: one call for both
    assert.equal(sshCounters.processesStarted - before, 2);
    assert.deepEqual(c.modified, expected.modified);
  });

  it('compares a remote snapshot with a local working folder: content by hash only where sizes match, excludes applied', async () => {
    const work = path.join(tmp.make('rs-rchanges-work'), 'work');
    fs.cpSync(path.join(root, b), work, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(work, 'keep.txt'), 'edited in the workspace'); // other size
    fs.writeFileSync(path.join(work, 'same-size.txt'), 'cccc'); // same size, new mtime: content decides
    fs.utimesSync(path.join(work, 'touched.txt'), at(9), at(9)); // touch only
    fs.writeFileSync(path.join(work, 'line\nbreak.txt'), fs.readFileSync(path.join(root, b, 'line\nbreak.txt'))); // rewritten, same bytes
    fs.rmSync(path.join(work, 'edit.txt'));
    fs.rmSync(path.join(work, 'link'));
    fs.symlinkSync('six', path.join(work, 'link'));
    writeTree(work, { 'fresh/new.txt': 'new', 'node_modules/pkg/index.js': 'ignored', 'sub/node_modules/x.js': 'ignored too' });

    await changes(spec, b, 'latest', opts()); // warm
    const before = sshCounters.processesStarted;
    const c = await changes(spec, 'latest', { working: work }, { ...opts(), exclude: ['node_modules/'] });
    assert.ok(sshCounters.processesStarted - before <= 2, `${sshCounters.processesStarted - before} ssh processes`);
    assert.equal(c.toWorking, true);
    assert.equal(c.to, work);
    assert.equal(c.from, b);
    assert.deepEqual(c.added, ['fresh/new.txt']);
    assert.deepEqual(c.modified, ['keep.txt', 'link', 'same-size.txt']);
    assert.deepEqual(c.deleted, ['edit.txt']);
    // Same answer as the local implementation (which may also use inodes; here every file is a copy).
    const local = await changes(root, 'latest', { working: work }, { exclude: ['node_modules/'] });
    assert.deepEqual({ ...c, root: 'r' }, { ...local, root: 'r' });

    const all = await changes(spec, 'latest', { working: work }, opts());
    assert.deepEqual(all.added, ['fresh/new.txt', 'node_modules/pkg/index.js', 'sub/node_modules/x.js']);
  });

  it('special files: a fifo is unchanged, a device with another number is modified (as locally)', async function () {
    const made: string[] = [];
    try {
      for (const [snap, minor] of [
        [a, '3'],
        [b, '5'],
      ]) {
        const dev = path.join(root, snap, 'dev-node');
        const fifo = path.join(root, snap, 'fifo');
        execFileSync('mkfifo', [fifo]);
        made.push(fifo);
        try {
          execFileSync('mknod', [dev, 'c', '1', minor], { stdio: 'ignore' });
        } catch {
          this.skip(); // not allowed to make device nodes here
        }
        made.push(dev);
      }
      const c = await changes(spec, a, b, opts());
      assert.ok(c.modified.includes('dev-node'));
      assert.ok(!c.modified.includes('fifo'));
      assert.deepEqual({ ...c, root: 'r' }, { ...(await changes(root, a, b)), root: 'r' });
    } finally {
      for (const f of made) fs.rmSync(f, { force: true });
    }
  });

  it('refuses unknown or hostile snapshot names and a missing working folder with clear errors', async () => {
    await assert.rejects(changes(spec, a, '2020-01-01T00-00-00', opts()), (err) => isSnapshotError(err, 'NOT_FOUND') && err.message.includes(spec) && /rsync-snapshots list/.test(err.message));
    await assert.rejects(changes(spec, '../..', b, opts()), (err) => isSnapshotError(err, 'NOT_FOUND'));
    const before = sshCounters.processesStarted;
    await assert.rejects(changes(spec, a, { working: path.join(root, 'no-such-dir') }, opts()), (err) => isSnapshotError(err, 'SOURCE_INVALID'));
    assert.equal(sshCounters.processesStarted, before, 'nothing runs on the host for a missing working folder');
    await assert.rejects(changes(`${sshd.host}:/no/such/root`, a, b, opts()), (err) => isSnapshotError(err, 'ROOT_INVALID'));
  });
});

describe('diffTrees over two listings (pure: no file system)', () => {
  const stat = (kind: 'f' | 'd' | 'l', ino: number, size: number, mtime: number, dev = 1): StatLike => ({
    dev: BigInt(dev),
    ino: BigInt(ino),
    size: BigInt(size),
    mtimeNs: BigInt(mtime),
    mode: kind === 'f' ? 0o100644n : kind === 'd' ? 0o040755n : 0o120777n,
    rdev: 0n,
    isFile: () => kind === 'f',
    isDirectory: () => kind === 'd',
    isSymbolicLink: () => kind === 'l',
  });
  const listing = (entries: Record<string, ListedEntry>) => new Map(Object.entries(entries));
  const text = (list: Buffer[]) => list.map(String);

  it('applies the same rules as the local walk: inode, kind, size, mtime → content; dir↔file; excludes; unreadable folders', async () => {
    const a = listing({
      same: { stat: stat('f', 1, 5, 10) },
      touched: { stat: stat('f', 2, 5, 10) },
      grown: { stat: stat('f', 3, 5, 10) },
      link: { stat: stat('l', 4, 3, 10), linkTarget: Buffer.from('one') },
      swap: { stat: stat('d', 5, 0, 10) },
      'swap/inner': { stat: stat('f', 6, 1, 10) },
      locked: { stat: stat('d', 7, 0, 10), unreadable: true },
      skipme: { stat: stat('d', 8, 0, 10) },
      'skipme/x': { stat: stat('f', 9, 1, 10) },
    });
    const b = listing({
      same: { stat: stat('f', 1, 5, 99) }, // same dev+ino: unchanged whatever the mtime says
      touched: { stat: stat('f', 12, 5, 11) },
      grown: { stat: stat('f', 13, 6, 10) },
      link: { stat: stat('l', 14, 3, 11), linkTarget: Buffer.from('two') },
      swap: { stat: stat('f', 15, 1, 10) },
      locked: { stat: stat('d', 7, 0, 10) },
      skipme: { stat: stat('d', 8, 0, 10) },
      'skipme/y': { stat: stat('f', 19, 1, 10) },
      'new dir/\nf': { stat: stat('f', 20, 1, 10) },
      'new dir': { stat: stat('d', 21, 0, 10) },
    });
    const asked: string[] = [];
    const diff = await diffTrees(listingSide(a), listingSide(b), {
      exclude: excludeMatcher(['skipme/']),
      sameContent: async (rels) => {
        asked.push(...text(rels));
        return rels.map(() => true);
      },
    });
    assert.deepEqual(asked, ['touched'], 'only same-size, other-mtime files are read');
    assert.deepEqual(text(diff.added), ['new dir/\nf', 'swap']);
    assert.deepEqual(text(diff.modified), ['grown', 'link']);
    assert.deepEqual(text(diff.deleted), ['swap/inner']);
    assert.deepEqual(text(diff.unreadable), ['locked']);

    // Across machines the same dev+ino proves nothing: the mtime then decides, and content is asked for.
    const across = await diffTrees(listingSide(a), listingSide(b), { sameMachine: false, exclude: excludeMatcher(['skipme/']), sameContent: async (rels) => rels.map(() => false) });
    assert.deepEqual(text(across.modified), ['grown', 'link', 'same', 'touched']);
  });

  it('parses GNU find %T@ to nanoseconds and encodes device numbers like lstat', () => {
    assert.equal(parseFindTime('1704067200.1234567890'), 1_704_067_200_123_456_789n);
    assert.equal(parseFindTime('12'), 12_000_000_000n);
    assert.equal(parseFindTime('-1.5000000000'), -1_500_000_000n);
    assert.equal(makeDev(1n, 3n), BigInt(fs.statSync('/dev/null').rdev));
  });
});
