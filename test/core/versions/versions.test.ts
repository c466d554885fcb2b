import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { openRoot } from '../../../src/core/root/open';
import { sameEntry } from '../../../src/core/util/fileCompare';
import { inode, tempDirs, writeTree } from '../../support/fixtures';
import { run } from '../../support/proc';
import { takeSnapshot, versions } from '../../support/core';
import { FileHistory } from '../../../src/core/versions/types';

/** Distinct mtimes per step, so rsync's quick check never depends on how fast the test runs. */
const at = (step: number) => new Date(2026, 0, 1, 12, 0, step);
const setTime = (file: string, step: number) => fs.utimesSync(file, at(step), at(step));
const ranges = (h: FileHistory) => h.versions.map((v) => v.snapshots);

/** Whether the working file holds exactly this version's bytes (metadata first, content only if needed). */
async function workingFileMatches(version: { path: string }, workingPath: string): Promise<boolean> {
  const [a, b] = await Promise.all([fs.promises.lstat(version.path, { bigint: true }), fs.promises.lstat(workingPath, { bigint: true }).catch(() => undefined)]);
  return b ? sameEntry(version.path, a, workingPath, b) : false;
}

describe('versions', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  function setup() {
    const base = tmp.make('rs-versions');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(source);
    fs.mkdirSync(root);
    return { source, root };
  }

  describe('five snapshots, the file edited in two of them', () => {
    let source: string, root: string;
    const names: string[] = [];
    before(async () => {
      ({ source, root } = setup());
      const report = path.join(source, 'docs/report.txt');
      const gone = path.join(source, 'gone.txt');
      const late = path.join(source, 'late.txt');
      const touched = path.join(source, 'touched.txt');
      writeTree(source, { 'docs/report.txt': 'version one', 'gone.txt': 'here at first', 'touched.txt': 'same bytes' });
      const link = path.join(source, 'link');
      fs.symlinkSync('target-one', link);
      for (const f of [report, gone, touched]) setTime(f, 0);
      for (let step = 1; step <= 5; step++) {
        if (step === 2) {
          fs.writeFileSync(report, 'version two'); // same size as version one: only the content tells
          setTime(report, step);
          fs.rmSync(gone);
          fs.writeFileSync(late, 'created later');
          fs.rmSync(link);
          fs.symlinkSync('target-two', link);
        }
        if (step === 3) setTime(touched, step); // touch only: rsync copies it (new inode), content is the same
        if (step === 4) {
          fs.writeFileSync(report, 'version three, longer');
          setTime(report, step);
        }
        if (step === 5) {
          fs.writeFileSync(gone, 'back again');
          setTime(gone, step);
        }
        names.push((await takeSnapshot({ source, root, now: new Date(2026, 5, step, 2, 0, 0) })).name);
      }
    });

    it('groups the copies into exactly three versions with the right snapshot ranges', async () => {
      const h = await versions(root, 'docs/report.txt');
      assert.deepEqual(h.snapshots, names);
      assert.deepEqual(ranges(h), [[names[0]], [names[1], names[2]], [names[3], names[4]]]);
      assert.deepEqual(h.absent, []);
      assert.deepEqual(
        h.versions.map((v) => [v.firstSnapshot, v.lastSnapshot]),
        [
          [names[0], names[0]],
          [names[1], names[2]],
          [names[3], names[4]],
        ],
      );
      assert.deepEqual(
        h.versions.map((v) => fs.readFileSync(v.path, 'utf8')),
        ['version one', 'version two', 'version three, longer'],
      );
      assert.deepEqual(
        h.versions.map((v) => v.size),
        [11, 11, 21],
      );
      assert.deepEqual(
        h.versions.map((v) => v.mtime.getTime()),
        [at(0), at(2), at(4)].map((d) => d.getTime()),
      );
      assert.deepEqual(
        h.versions.map((v) => v.inodes),
        [1, 1, 1],
      );
      assert.equal(h.versions[2].ino, inode(path.join(root, names[3], 'docs/report.txt')));
      assert.ok(h.versions.every((v) => v.kind === 'file' && !v.current));
      assert.equal(h.working, undefined);
    });

    it('marks the version equal to the working file as current, and none once the file is edited', async () => {
      const working = path.join(source, 'docs/report.txt');
      let h = await versions(root, 'docs/report.txt', { workingFolder: source });
      assert.deepEqual(
        h.versions.map((v) => v.current),
        [false, false, true],
      );
      assert.deepEqual(h.working, { path: working, exists: true, currentIndex: 2 });
      assert.equal(await workingFileMatches(h.versions[2], working), true);
      assert.equal(await workingFileMatches(h.versions[1], working), false);

      fs.writeFileSync(working, 'version one'); // reverted by hand: new mtime, same bytes as the first version
      h = await versions(root, 'docs/report.txt', { workingFolder: source });
      assert.deepEqual(
        h.versions.map((v) => v.current),
        [true, false, false],
      );
      fs.writeFileSync(working, 'version four');
      h = await versions(root, 'docs/report.txt', { workingFolder: source });
      assert.deepEqual(
        h.versions.map((v) => v.current),
        [false, false, false],
      );
      assert.deepEqual(h.working, { path: working, exists: true });
      fs.rmSync(working);
      h = await versions(root, 'docs/report.txt', { workingFolder: source });
      assert.deepEqual(h.working, { path: working, exists: false });
      assert.equal(await workingFileMatches(h.versions[2], working), false);
    });

    it('reports a deletion as an absent range, and the re-created file as a new version', async () => {
      const h = await versions(root, 'gone.txt');
      assert.deepEqual(ranges(h), [[names[0]], [names[4]]]);
      assert.deepEqual(
        h.absent.map((a) => [a.reason, a.snapshots, a.firstIndex, a.lastIndex]),
        [['deleted', [names[1], names[2], names[3]], 1, 3]],
      );
      assert.equal(h.absent[0].firstSnapshot, names[1]);
      assert.equal(h.absent[0].lastSnapshot, names[3]);
    });

    it('reports snapshots taken before the file existed as not-yet-created', async () => {
      const h = await versions(root, 'late.txt');
      assert.deepEqual(ranges(h), [[names[1], names[2], names[3], names[4]]]);
      assert.deepEqual(
        h.absent.map((a) => [a.reason, a.snapshots]),
        [['not-yet-created', [names[0]]]],
      );
    });

    it('treats a touch-only change (new inode, same bytes) as the same version, counting two inodes', async () => {
      const copies = names.map((n) => inode(path.join(root, n, 'touched.txt')));
      assert.notEqual(copies[1], copies[2], 'rsync should have copied the touched file');
      const h = await versions(root, 'touched.txt');
      assert.deepEqual(ranges(h), [names]);
      assert.equal(h.versions[0].inodes, 2);
      assert.equal(h.versions[0].mtime.getTime(), at(3).getTime(), 'mtime of the newest copy');
    });

    it('treats a symlink as its own kind, compared by target and never followed', async () => {
      const h = await versions(root, 'link');
      assert.deepEqual(ranges(h), [[names[0]], names.slice(1)]);
      assert.deepEqual(
        h.versions.map((v) => [v.kind, v.linkTarget]),
        [
          ['symlink', 'target-one'],
          ['symlink', 'target-two'],
        ],
      );
    });

    it('finds nothing for a path no snapshot holds', async () => {
      const h = await versions(root, 'never/there.txt');
      assert.deepEqual(h.versions, []);
      assert.deepEqual(
        h.absent.map((a) => [a.reason, a.snapshots.length]),
        [['not-yet-created', 5]],
      );
    });
  });

  it('does not reach through a symlinked folder inside a snapshot', async () => {
    const { source, root } = setup();
    const outside = path.join(path.dirname(source), 'outside');
    writeTree(outside, { 'secret.txt': 'not in the snapshot' });
    fs.symlinkSync(outside, path.join(source, 'escape'));
    await takeSnapshot({ source, root, now: new Date(2026, 5, 1, 2, 0, 0) });
    assert.ok(fs.existsSync(path.join(root, '2026-06-01T02-00-00/escape/secret.txt')), 'the path does resolve through the link');
    const h = await versions(root, 'escape/secret.txt');
    assert.deepEqual(h.versions, []);
    assert.equal(h.absent.length, 1);
  });

  it('refuses paths that are absolute, escape the snapshot or name nothing', async () => {
    const { source, root } = setup();
    writeTree(source, { 'a.txt': 'a' });
    await takeSnapshot({ source, root });
    for (const bad of ['../etc/passwd', 'a/../../x', '..', '/etc/passwd', '', '.', 'a\0b']) {
      await assert.rejects(versions(root, bad), (err) => isSnapshotError(err, 'BAD_INPUT') && err.message.length > 20, `should refuse ${JSON.stringify(bad)}`);
    }
    assert.equal((await versions(root, './a.txt')).relativePath, 'a.txt');
  });

  it('a remote spec opens an ssh root (its snapshots are not files on this machine), a path a local one', () => {
    assert.equal(openRoot('backup-host:/srv/snapshots').kind, 'ssh');
    assert.equal(openRoot('backup-host:/srv/snapshots').localPath, undefined);
    assert.equal(openRoot('/srv/snapshots').localPath, '/srv/snapshots');
    assert.throws(
      () => openRoot('-oProxyCommand=x:/srv'),
      (err) => isSnapshotError(err, 'BAD_INPUT'),
    );
  });

  it('fails with ROOT_INVALID for a missing root', async () => {
    const { root } = setup();
    await assert.rejects(versions(path.join(root, 'nope'), 'a.txt'), (err) => isSnapshotError(err, 'ROOT_INVALID'));
  });

  it('works on a root written by the plain seed script (rsync --link-dest, touch, ln -sfn), in both name formats', async () => {
    const { source, root } = setup();
    const seed = 'rsync -a --link-dest="$1/latest" "$2/" "$1/$3/" && touch "$1/$3" && ln -sfn "$1/$3" "$1/latest"';
    const file = path.join(source, 'notes.txt');
    const dates = ['2026-06-01T02-00-00', '2026-06-02-020000', '2026-06-03T02-00-00', '2026-06-04T02-00-00'];
    writeTree(source, { 'notes.txt': 'first' });
    setTime(file, 0);
    for (const [i, date] of dates.entries()) {
      if (i === 2) {
        fs.writeFileSync(file, 'second edit');
        setTime(file, 2);
      }
      const r = await run('bash', ['-c', seed, 'seed', root, source, date]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(inode(path.join(root, dates[0], 'notes.txt')), inode(path.join(root, dates[1], 'notes.txt')), 'the seed script hard-linked');
    const h = await versions(root, 'notes.txt', { workingFolder: source });
    assert.deepEqual(ranges(h), [dates.slice(0, 2), dates.slice(2)]);
    assert.deepEqual(
      h.versions.map((v) => v.current),
      [false, true],
    );
  });
});
