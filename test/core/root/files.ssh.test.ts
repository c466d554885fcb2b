import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { closeAllSshConnections, sshCounters } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { listSnapshotDir, readSnapshotFile, resolveInSnapshot, statInSnapshot, takeSnapshot } from '../../support/core';

describe('snapshot files on a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let root: string;
  let spec: string;
  let ssh: { sshCommand: string };
  const NAME = '2026-06-16T02-00-01';

  before(async () => {
    sshd = await startSshd();
    ssh = { sshCommand: sshd.sshCommand };
    const source = tmp.make('rs-rf-src');
    writeTree(source, { 'a.txt': 'alpha', 'sub/b.txt': 'bravo!', 'sub/deep/c.txt': 'charlie', 'weird name; $(x).txt': 'w', 'bin.dat': Buffer.from([0, 255, 10, 0]) });
    fs.symlinkSync('/etc', path.join(source, 'escape-dir'));
    fs.symlinkSync('sub/b.txt', path.join(source, 'inner-link'));
    root = path.join(tmp.make('rs-rf-remote'), 'root');
    spec = `${sshd.host}:${root}`;
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 5, 16, 2, 0, 1) });
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  it('lists a folder in one ssh call: types (symlinks not followed), sizes, mtimes, folders first', async () => {
    await listSnapshotDir(spec, NAME, '', ssh); // warm the connection
    const before = sshCounters.processesStarted;
    const entries = await listSnapshotDir(spec, NAME, '', ssh);
    assert.equal(sshCounters.processesStarted - before, 1);
    assert.deepEqual(
      entries.map((e) => [e.name, e.kind]),
      [
        ['sub', 'directory'],
        ['a.txt', 'file'],
        ['bin.dat', 'file'],
        ['escape-dir', 'symlink'],
        ['inner-link', 'symlink'],
        ['weird name; $(x).txt', 'file'],
      ],
    );
    const a = entries.find((e) => e.name === 'a.txt')!;
    assert.equal(a.size, 5);
    assert.ok(Math.abs(a.mtimeMs - fs.statSync(path.join(root, NAME, 'a.txt')).mtimeMs) < 1, 'mtime with sub-second precision');
    assert.deepEqual(
      (await listSnapshotDir(spec, NAME, 'sub/', ssh)).map((e) => e.name),
      ['deep', 'b.txt'],
    );
  });

  it('reads files (binary-safe) and stats them, following symlinks inside the snapshot', async () => {
    assert.equal((await readSnapshotFile(spec, NAME, 'sub/b.txt', ssh)).toString(), 'bravo!');
    assert.deepEqual(await readSnapshotFile(spec, NAME, 'bin.dat', ssh), Buffer.from([0, 255, 10, 0]));
    assert.equal((await readSnapshotFile(spec, NAME, 'inner-link', ssh)).toString(), 'bravo!');
    assert.equal((await readSnapshotFile(spec, NAME, 'weird name; $(x).txt', ssh)).toString(), 'w');
    const stat = await statInSnapshot(spec, NAME, 'sub/b.txt', ssh);
    assert.deepEqual([stat.kind, stat.size], ['file', 6]);
    assert.equal((await statInSnapshot(spec, NAME, '', ssh)).kind, 'directory');
    assert.equal(await resolveInSnapshot(spec, NAME, 'sub/b.txt', ssh), `${spec}/${NAME}/sub/b.txt`);
  });

  it('refuses `..`, symlinks leading outside, bad snapshot names; missing paths are NOT_FOUND', async () => {
    for (const call of [
      () => listSnapshotDir(spec, NAME, 'escape-dir', ssh),
      () => readSnapshotFile(spec, NAME, 'escape-dir/hostname', ssh),
      () => statInSnapshot(spec, NAME, 'escape-dir', ssh),
      () => resolveInSnapshot(spec, NAME, 'escape-dir/passwd', ssh),
    ])
      await assert.rejects(call(), (err: unknown) => isSnapshotError(err) && /outside snapshot|does not exist/.test(err.message) && err.code !== 'SSH_FAILED');
    await assert.rejects(listSnapshotDir(spec, NAME, 'escape-dir', ssh), (err: unknown) => isSnapshotError(err, 'BAD_INPUT') && /outside snapshot/.test(err.message));
    await assert.rejects(readSnapshotFile(spec, NAME, '../../etc/passwd', ssh), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
    await assert.rejects(listSnapshotDir(spec, NAME, 'sub/../..', ssh), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
    await assert.rejects(listSnapshotDir(spec, '..', '', ssh), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
    await assert.rejects(listSnapshotDir(spec, NAME, 'nope', ssh), (err: unknown) => isSnapshotError(err, 'NOT_FOUND'));
    await assert.rejects(listSnapshotDir(spec, NAME, 'a.txt', ssh), (err: unknown) => isSnapshotError(err, 'BAD_INPUT') && /not a folder/.test(err.message));
    await assert.rejects(readSnapshotFile(spec, NAME, 'sub', ssh), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
  });
});
