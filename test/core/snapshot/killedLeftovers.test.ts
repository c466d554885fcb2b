import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { canMount, run } from '../../support/proc';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { writeSnapshotMeta } from '../../../src/core/root/local/notes';
import { takeSnapshot } from '../../support/core';

// Found by the model test (test/model): a snapshot killed (kill -9) between writing a temp file and removing or
// renaming it left it in the backup root for good — the write probe `.rsync-snapshots.probe-PID`, the half-written
// notes `.rsync-snapshots.d/NAME.json.tmp` (and, on a remote root, `.latest.tmp-PID`). The next snapshot removes them.
describe('temp files of killed snapshot runs', function () {
  this.timeout(60_000);
  const tmp = tempDirs();
  let sshd: TestSshd | undefined;
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  it('the next snapshot removes a dead process probe, keeps a live one and anything else', async () => {
    const base = tmp.make('rs-probe');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(ws, { 'a.txt': 'a' });
    // A pid that certainly ran and is gone: a finished child of ours.
    const dead = spawnSync('true').pid;
    const stale = [`.rsync-snapshots.probe-${dead}`, `.rsync-snapshots.probe-${dead}-1700000000000`];
    for (const n of stale) fs.writeFileSync(path.join(root, n), '');
    const live = `.rsync-snapshots.probe-${process.pid}-1`;
    fs.writeFileSync(path.join(root, live), '');
    const notOurs = ['.rsync-snapshots.probe-notes', `.rsync-snapshots.probe-${dead}x`];
    for (const n of notOurs) fs.writeFileSync(path.join(root, n), 'someone');
    await takeSnapshot({ source: ws, root });
    const left = fs
      .readdirSync(root)
      .filter((n) => n.startsWith('.rsync-snapshots.probe-'))
      .sort();
    assert.deepEqual(left, [live, ...notOurs].sort());
  });

  it('the next snapshot removes half-written notes of snapshots, and nothing else in the notes folder', async () => {
    const base = tmp.make('rs-notes');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(ws, { 'a.txt': 'a' });
    writeTree(root, { '.rsync-snapshots.d/2026-01-02T03-04-05.json.tmp': '{"lab', '.rsync-snapshots.d/mine.json.tmp': 'someone', '.rsync-snapshots.d/keep.txt': 'k' });
    const snap = await takeSnapshot({ source: ws, root });
    assert.deepEqual(fs.readdirSync(path.join(root, '.rsync-snapshots.d')).sort(), [`${snap.name}.json`, 'keep.txt', 'mine.json.tmp'].sort());
  });

  it('a remote root: the next snapshot removes temp latest links and half-written notes (real sshd on 127.0.0.1)', async () => {
    sshd = await startSshd();
    const base = tmp.make('rs-remote-left');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(ws, { 'a.txt': 'a' });
    writeTree(root, { '.rsync-snapshots.d/2026-01-02T03-04-05.json.tmp': '{"lab', '.latest.tmp-notalink': 'a file of someone' });
    fs.symlinkSync('2026-01-02T03-04-05', path.join(root, '.latest.tmp-4242'));
    const snap = await takeSnapshot({ source: ws, root: `${sshd.host}:${root}`, sshCommand: sshd.sshCommand });
    assert.deepEqual(fs.readdirSync(path.join(root, '.rsync-snapshots.d')), [`${snap.name}.json`]);
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.startsWith('.latest.tmp-')),
      ['.latest.tmp-notalink'],
    );
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), snap.name);
  });

  // Found by the model test's long run: on a full disk the notes' temp file was created, the write failed, and the
  // half-written .json.tmp stayed (the snapshot itself is kept; only its notes are missing).
  it('notes that cannot be written leave no half-written temp file (rename refused; a full tmpfs)', async () => {
    const base = tmp.make('rs-notes-fail');
    fs.mkdirSync(path.join(base, '.rsync-snapshots.d', 'X.json', 'in-the-way'), { recursive: true });
    await assert.rejects(writeSnapshotMeta(base, 'X', { label: 'l' }));
    assert.deepEqual(fs.readdirSync(path.join(base, '.rsync-snapshots.d')), ['X.json']);

    if (!(await canMount(base))) return; // the rename case above still ran
    const full = path.join(base, 'full');
    fs.mkdirSync(full);
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full])).code, 0);
    try {
      fs.mkdirSync(path.join(full, '.rsync-snapshots.d'));
      let filler = 0;
      try {
        for (;;) fs.writeFileSync(path.join(full, `fill${filler++}`), Buffer.alloc(4096));
      } catch {
        // full now
      }
      await assert.rejects(writeSnapshotMeta(full, '2026-01-02T03-04-05', { label: 'x'.repeat(20000) }), /ENOSPC/);
      assert.deepEqual(fs.readdirSync(path.join(full, '.rsync-snapshots.d')), []);
    } finally {
      await run('umount', [full]);
    }
  });
});
