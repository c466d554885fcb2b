import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { nameBytes } from '../../../src/core/util/nameBytes';
import { tempDirs, writeTree } from '../../support/fixtures';
import { changes, takeSnapshot } from '../../support/core';

const NFD = 'cafe\u0301.txt'; // "café" with a combining accent, as macOS writes it
const NFC = 'caf\u00e9.txt';
const at = (step: number) => new Date(2026, 0, 1, 12, 0, step);

describe('changes', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  let source: string, root: string, a: string, b: string;
  before(async () => {
    const base = tmp.make('rs-changes');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(source, {
      'keep.txt': 'unchanged',
      'edit.txt': 'before',
      'same-size.txt': 'aaaa',
      'touched.txt': 'only touched',
      'gone.txt': 'deleted later',
      'line\nbreak.txt': 'newline in name',
      '-rf': 'leading dash',
      [NFD]: 'decomposed',
      'dir/sub/deep.txt': 'deep',
      'dir/sub/stays.txt': 'stays',
      'olddir/a.txt': 'a',
      'olddir/b/c.txt': 'c',
      'becomes-dir': 'a file first',
      'empty-before': null,
    });
    fs.symlinkSync('one', path.join(source, 'link'));
    for (const f of ['edit.txt', 'same-size.txt', 'touched.txt']) fs.utimesSync(path.join(source, f), at(0), at(0));
    a = (await takeSnapshot({ source, root, now: new Date(2026, 5, 1, 2, 0, 0) })).name;

    fs.writeFileSync(path.join(source, 'edit.txt'), 'after, longer');
    fs.writeFileSync(path.join(source, 'same-size.txt'), 'bbbb');
    fs.utimesSync(path.join(source, 'same-size.txt'), at(1), at(1));
    fs.utimesSync(path.join(source, 'touched.txt'), at(2), at(2));
    fs.rmSync(path.join(source, 'gone.txt'));
    fs.writeFileSync(path.join(source, 'line\nbreak.txt'), 'newline in name, edited');
    fs.rmSync(path.join(source, '-rf'));
    fs.writeFileSync(path.join(source, '-new'), 'dash added');
    fs.writeFileSync(path.join(source, NFD), 'decomposed, edited');
    fs.writeFileSync(path.join(source, NFC), 'composed: a different name from the NFD one');
    fs.writeFileSync(path.join(source, 'dir/sub/deep.txt'), 'deeper');
    fs.rmSync(path.join(source, 'olddir'), { recursive: true });
    writeTree(source, { 'newdir/x.txt': 'x', 'newdir/y/z.txt': 'z', 'empty-after': null });
    fs.rmSync(path.join(source, 'becomes-dir'));
    writeTree(source, { 'becomes-dir/inner.txt': 'now a folder' });
    fs.rmSync(path.join(source, 'link'));
    fs.symlinkSync('two', path.join(source, 'link'));
    b = (await takeSnapshot({ source, root, now: new Date(2026, 5, 2, 2, 0, 0) })).name;
  });

  it('reports exactly the files added, modified and deleted between two snapshots, hostile names included', async () => {
    const c = await changes(root, a, b);
    assert.equal(c.from, a);
    assert.equal(c.to, b);
    assert.equal(c.toWorking, false);
    assert.deepEqual(c.added, ['-new', 'becomes-dir/inner.txt', NFC, 'newdir/x.txt', 'newdir/y/z.txt'].sort(byBytes));
    assert.deepEqual(c.modified, ['dir/sub/deep.txt', 'edit.txt', 'line\nbreak.txt', 'link', 'same-size.txt', NFD].sort(byBytes));
    assert.deepEqual(c.deleted, ['-rf', 'becomes-dir', 'gone.txt', 'olddir/a.txt', 'olddir/b/c.txt'].sort(byBytes));
    assert.deepEqual(c.unreadable, []);
    assert.ok(c.modified.includes(NFD) && !c.modified.includes(NFC) && c.added.includes(NFC), 'NFD and NFC names are distinct, never normalized');
  });

  it('is symmetric: swapping the snapshots swaps added and deleted', async () => {
    const fwd = await changes(root, a, b);
    const back = await changes(root, b, a);
    assert.deepEqual(back.added, fwd.deleted);
    assert.deepEqual(back.deleted, fwd.added);
    assert.deepEqual(back.modified, fwd.modified);
  });

  it('accepts latest, and finds nothing between a snapshot and itself', async () => {
    const c = await changes(root, b, 'latest');
    assert.deepEqual([c.added, c.modified, c.deleted], [[], [], []]);
  });

  it('compares a snapshot with the working folder, skipping a backup root inside it and applying excludes', async () => {
    const work = path.join(tmp.make('rs-changes-work'), 'work');
    fs.cpSync(path.join(root, b), work, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    const innerRoot = path.join(work, '.snapshots');
    fs.mkdirSync(innerRoot);
    await takeSnapshot({ source: work, root: innerRoot, now: new Date(2026, 5, 3, 2, 0, 0) });
    fs.writeFileSync(path.join(work, 'keep.txt'), 'edited in the workspace');
    fs.rmSync(path.join(work, 'edit.txt'));
    writeTree(work, { 'fresh/new.txt': 'new', 'node_modules/pkg/index.js': 'ignored', 'sub/node_modules/x.js': 'ignored too' });

    const c = await changes(innerRoot, 'latest', { working: work }, { exclude: ['node_modules/'] });
    assert.equal(c.toWorking, true);
    assert.equal(c.to, work);
    assert.deepEqual(c.added, ['fresh/new.txt']);
    assert.deepEqual(c.modified, ['keep.txt']);
    assert.deepEqual(c.deleted, ['edit.txt']);

    const all = await changes(innerRoot, 'latest', { working: work });
    assert.deepEqual(all.added, ['fresh/new.txt', 'node_modules/pkg/index.js', 'sub/node_modules/x.js']);
  });

  it('never reports the restore temp area a killed restore leaves in the working folder (found by the model test)', async () => {
    const work = tmp.make('rs-changes-temp');
    const r = path.join(tmp.make('rs-changes-temp-root'), 'root');
    writeTree(work, { 'a.txt': 'a' });
    const snap = await takeSnapshot({ source: work, root: r, createRoot: true });
    writeTree(work, { '.rsync-snapshots-restore.tmp/4242/a.txt.Xy12Zq': 'half written', 'sub/.rsync-snapshots-restore.tmp/4242/b.Qw34Er': 'x' });
    const set = await changes(r, snap.name, { working: work });
    assert.deepEqual([set.added, set.modified, set.deleted], [[], [], []]);
    writeTree(work, { 'new.txt': 'n' });
    assert.deepEqual((await changes(r, snap.name, { working: work })).added, ['new.txt']);
  });

  it('survives a name that is not UTF-8', async () => {
    const work = tmp.make('rs-changes-bytes');
    const r = tmp.make('rs-changes-bytes-root');
    writeTree(work, { 'plain.txt': 'p' });
    const first = (await takeSnapshot({ source: work, root: r, now: new Date(2026, 5, 1, 2, 0, 0) })).name;
    fs.writeFileSync(Buffer.concat([Buffer.from(work + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'latin-1 bytes');
    const c = await changes(r, first, { working: work });
    // Lossless since issue 12 (was U+FFFD, which lost the bytes): each bad byte is a lone surrogate U+DC80+byte−0x80.
    assert.deepEqual(c.added, ['bad-\udcff\udcfe.txt']);
    assert.equal(fs.readFileSync(Buffer.concat([Buffer.from(work + '/'), nameBytes(c.added[0])]), 'utf8'), 'latin-1 bytes', 'the name maps back to the real file');
    assert.deepEqual([c.modified, c.deleted], [[], []]);
  });

  it('between two snapshots: one find listing each gives what the readdir + lstat walk gives (no find on PATH), bytes and --checksum too', async () => {
    const work = tmp.make('rs-changes-find');
    const r = tmp.make('rs-changes-find-root');
    const bad = Buffer.concat([Buffer.from(work + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]);
    writeTree(work, { 'same.txt': 'aaaa', 'kept.txt': 'kept', 'deep/x.txt': 'x' });
    fs.writeFileSync(bad, 'one');
    fs.symlinkSync('target-1', path.join(work, 'link'));
    fs.utimesSync(path.join(work, 'same.txt'), at(5), at(5));
    const first = (await takeSnapshot({ source: work, root: r, now: new Date(2026, 5, 1, 2, 0, 0) })).name;
    fs.writeFileSync(bad, 'two, longer');
    fs.rmSync(path.join(work, 'link'));
    fs.symlinkSync('target-2', path.join(work, 'link'));
    writeTree(work, { 'deep/y.txt': 'y' });
    const second = (await takeSnapshot({ source: work, root: r, now: new Date(2026, 5, 2, 2, 0, 0) })).name;
    const rewritten = path.join(r, second, 'same.txt'); // another inode, same size and mtime: only --checksum sees it
    fs.rmSync(rewritten);
    fs.writeFileSync(rewritten, 'bbbb');
    fs.utimesSync(rewritten, at(5), at(5));

    const quick = await changes(r, first, second);
    const sure = await changes(r, first, second, { checksum: true });
    assert.deepEqual([quick.added, quick.modified, quick.deleted], [['deep/y.txt'], ['bad-\udcff\udcfe.txt', 'link'], []]);
    assert.deepEqual([sure.added, sure.modified, sure.deleted], [['deep/y.txt'], ['bad-\udcff\udcfe.txt', 'link', 'same.txt'], []]);
    const pathBefore = process.env.PATH;
    process.env.PATH = tmp.make('rs-changes-no-find'); // find cannot start: the walk falls back to readdir + lstat
    try {
      assert.deepEqual(await changes(r, first, second), quick);
      assert.deepEqual(await changes(r, first, second, { checksum: true }), sure);
      assert.deepEqual(await changes(root, a, b), await withPath(pathBefore, () => changes(root, a, b)));
    } finally {
      process.env.PATH = pathBefore;
    }
  });

  it('refuses an unknown snapshot and a missing working folder with clear errors', async () => {
    await assert.rejects(changes(root, a, '2020-01-01T00-00-00'), (err) => isSnapshotError(err, 'NOT_FOUND') && /rsync-snapshots list/.test(err.message));
    await assert.rejects(changes(root, a, { working: path.join(root, 'no-such-dir') }), (err) => isSnapshotError(err, 'SOURCE_INVALID'));
    await assert.rejects(changes(root, a, { working: root }), (err) => isSnapshotError(err, 'BAD_INPUT'));
  });
});

function byBytes(x: string, y: string): number {
  return Buffer.compare(Buffer.from(x), Buffer.from(y));
}

async function withPath<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = value;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}
