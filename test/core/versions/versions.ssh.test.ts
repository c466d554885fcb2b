import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections, sshCounters } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { listSnapshots, readSnapshotFile, takeSnapshot, versions } from '../../support/core';

describe('versions of a file on a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let source: string;
  let root: string;
  let spec: string;
  const names = ['2026-01-01T00-00-00', '2026-01-02T00-00-00', '2026-01-03T00-00-00', '2026-01-04T00-00-00', '2026-01-05T00-00-00'];

  before(async () => {
    sshd = await startSshd();
    source = tmp.make('rs-rv-src');
    root = path.join(tmp.make('rs-rv-remote'), 'root dir');
    spec = `${sshd.host}:${root}`;
    const file = path.join(source, 'doc', 'f.txt');
    const snap = (i: number) => takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 0, i + 1) });
    const setTime = (seconds: number) => fs.utimesSync(file, seconds, seconds);
    writeTree(source, { 'doc/f.txt': 'one', 'other.txt': 'x' });
    setTime(1_700_000_000);
    await snap(0); // v1
    await snap(1); // unchanged: hard link
    fs.writeFileSync(file, 'two!');
    setTime(1_700_000_100);
    await snap(2); // v2 (other size)
    setTime(1_700_000_200);
    await snap(3); // touch only: new inode, same content → still v2
    fs.writeFileSync(file, 'thr!');
    setTime(1_700_000_300);
    await snap(4); // v3: same size as v2, other mtime, other content
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  it('5 snapshots, 3 distinct versions: hard links and a touch-only change group, same-size new content does not', async () => {
    const history = await versions(spec, 'doc/f.txt', { sshCommand: sshd.sshCommand });
    assert.equal(history.root, spec);
    assert.deepEqual(history.snapshots, names);
    assert.deepEqual(
      history.versions.map((v) => v.snapshots),
      [names.slice(0, 2), names.slice(2, 4), names.slice(4)],
    );
    assert.deepEqual(
      history.versions.map((v) => v.inodes),
      [1, 2, 1],
    );
    assert.deepEqual(
      history.versions.map((v) => v.size),
      [3, 4, 4],
    );
    assert.equal(history.versions[1].mtime.getTime(), 1_700_000_200_000);
    assert.equal(history.versions[2].path, `${spec}/${names[4]}/doc/f.txt`);
    assert.equal(history.versions[0].ino, fs.statSync(path.join(root, names[1], 'doc/f.txt')).ino);
    assert.deepEqual(history.absent, []);
    // The same answer as the local implementation on the same folder.
    const local = await versions(root, 'doc/f.txt');
    assert.deepEqual(
      history.versions.map((v) => [v.snapshots, v.size, v.mtime.getTime(), v.ino, v.inodes]),
      local.versions.map((v) => [v.snapshots, v.size, v.mtime.getTime(), v.ino, v.inodes]),
    );
    // The path of a version reads its content.
    assert.equal((await readSnapshotFile(spec, history.versions[0].lastSnapshot, 'doc/f.txt', { sshCommand: sshd.sshCommand })).toString(), 'one');
  });

  it('absent ranges (deleted, not yet created) and symlinked parents count as absent', async () => {
    fs.rmSync(path.join(root, names[3], 'other.txt'));
    fs.rmSync(path.join(root, names[0], 'other.txt'));
    const history = await versions(spec, 'other.txt', { sshCommand: sshd.sshCommand });
    assert.deepEqual(
      history.absent.map((a) => [a.reason, a.snapshots]),
      [
        ['not-yet-created', [names[0]]],
        ['deleted', [names[3]]],
      ],
    );
    assert.deepEqual(
      history.versions.map((v) => v.snapshots),
      [names.slice(1, 3), [names[4]]],
    );
    fs.mkdirSync(path.join(root, names[4], 'real'));
    fs.writeFileSync(path.join(root, names[4], 'real', 'g.txt'), 'g');
    fs.symlinkSync('real', path.join(root, names[4], 'linked'));
    const viaLink = await versions(spec, 'linked/g.txt', { sshCommand: sshd.sshCommand });
    assert.deepEqual(viaLink.versions, []);
    assert.equal((await versions(spec, 'real/g.txt', { sshCommand: sshd.sshCommand })).versions.length, 1);
  });

  it('symlinks: the target is read for every copy (one find on the host), same answer as the local root', async () => {
    for (const [i, target] of [
      [0, 'a'],
      [1, 'a'],
      [2, 'b  c'],
      [3, 'b  c'],
      [4, 'a'],
    ] as const) {
      fs.rmSync(path.join(root, names[i], 'ln'), { force: true });
      fs.symlinkSync(target, path.join(root, names[i], 'ln'));
    }
    const history = await versions(spec, 'ln', { sshCommand: sshd.sshCommand });
    assert.deepEqual(
      history.versions.map((v) => [v.kind, v.linkTarget, v.snapshots]),
      [
        ['symlink', 'a', names.slice(0, 2)],
        ['symlink', 'b  c', names.slice(2, 4)],
        ['symlink', 'a', [names[4]]],
      ],
    );
    const local = await versions(root, 'ln');
    assert.deepEqual(
      history.versions.map((v) => [v.linkTarget, v.snapshots]),
      local.versions.map((v) => [v.linkTarget, v.snapshots]),
    );
  });

  it('3 versions of the same size: every file is read once on the host and consecutive copies compared (one call)', async () => {
    for (const [i, text] of ['aaaa', 'aaaa', 'bbbb', 'bbbb', 'aaaa'].entries()) {
      const file = path.join(root, names[i], 'same-size.txt');
      fs.rmSync(file, { force: true });
      fs.writeFileSync(file, text);
      fs.utimesSync(file, 1_700_000_000 + i, 1_700_000_000 + i);
    }
    const before = sshCounters.processesStarted;
    const history = await versions(spec, 'same-size.txt', { sshCommand: sshd.sshCommand });
    assert.equal(sshCounters.processesStarted - before, 2);
    assert.deepEqual(
      history.versions.map((v) => v.snapshots),
      [names.slice(0, 2), names.slice(2, 4), [names[4]]],
    );
  });

  it('marks the version equal to the local working file current (content read only when sizes match)', async () => {
    const history = await versions(spec, 'doc/f.txt', { sshCommand: sshd.sshCommand, workingFolder: source });
    assert.equal(history.working?.currentIndex, 2);
    fs.writeFileSync(path.join(source, 'doc', 'f.txt'), 'two!'); // content of v2, new mtime
    const back = await versions(spec, 'doc/f.txt', { sshCommand: sshd.sshCommand, workingFolder: source });
    assert.equal(back.working?.currentIndex, 1);
    assert.deepEqual(
      back.versions.map((v) => v.current),
      [false, true, false],
    );
    fs.writeFileSync(path.join(source, 'doc', 'f.txt'), 'four');
    assert.equal((await versions(spec, 'doc/f.txt', { sshCommand: sshd.sshCommand, workingFolder: source })).working?.currentIndex, undefined);
  });

  it('a warm list and a warm versions (no content compare needed) each cost one ssh process', async () => {
    await listSnapshots(spec, { sshCommand: sshd.sshCommand });
    let before = sshCounters.processesStarted;
    await listSnapshots(spec, { sshCommand: sshd.sshCommand });
    assert.equal(sshCounters.processesStarted - before, 1);
    before = sshCounters.processesStarted;
    const history = await versions(spec, 'other.txt', { sshCommand: sshd.sshCommand });
    assert.equal(sshCounters.processesStarted - before, 1);
    assert.equal(history.snapshots.length, 5);
    before = sshCounters.processesStarted;
    await versions(spec, 'doc/f.txt', { sshCommand: sshd.sshCommand }); // one same-size, other-mtime pair → one cmp call for all pairs
    assert.equal(sshCounters.processesStarted - before, 2);
  });
});
