import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { applyRestore, doctor, planRestore, takeSnapshot } from '../../support/core';

/** Issue 12, item 6: hard links inside the workspace (-H) and sparse files (-S) survive a snapshot and a restore. */
const SPARSE_SIZE = 64 * 1024 * 1024;

function makeSparse(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'end', SPARSE_SIZE - 3);
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes really allocated on disk. */
const allocated = (file: string) => fs.statSync(file).blocks * 512;

function assertPreserved(dir: string, what: string): void {
  const [a, b] = [fs.statSync(path.join(dir, 'a.txt')), fs.statSync(path.join(dir, 'sub/b.txt'))];
  assert.equal(a.ino, b.ino, `${what}: a.txt and sub/b.txt are still one file (hard link)`);
  assert.equal(fs.statSync(path.join(dir, 'sparse.img')).size, SPARSE_SIZE);
  assert.ok(allocated(path.join(dir, 'sparse.img')) < 1024 * 1024, `${what}: the sparse file stays sparse (${allocated(path.join(dir, 'sparse.img'))} bytes allocated)`);
}

function suite(transport: 'local' | 'ssh') {
  describe(`hard links and sparse files are kept (${transport})`, function () {
    this.timeout(120_000);
    const tmp = tempDirs();
    let sshd: TestSshd | undefined;

    before(async () => {
      if (transport === 'ssh') sshd = await startSshd();
    });
    after(async () => {
      await closeAllSshConnections();
      await sshd?.stop();
      await tmp.cleanup();
    });

    it('a snapshot keeps a hard-linked pair as one file and a sparse file sparse; so does a restore of it', async () => {
      const base = tmp.make('rs-preserve');
      const ws = path.join(base, 'ws');
      const localRoot = path.join(base, 'root');
      const root = sshd ? `${sshd.host}:${localRoot}` : localRoot;
      const sshCommand = sshd?.sshCommand;
      writeTree(ws, { 'a.txt': 'shared content', 'sub/keep.txt': 'k' });
      fs.linkSync(path.join(ws, 'a.txt'), path.join(ws, 'sub/b.txt'));
      makeSparse(path.join(ws, 'sparse.img'));
      assertPreserved(ws, 'the workspace');

      const snap = await takeSnapshot({ source: ws, root, createRoot: true, sshCommand });
      assertPreserved(path.join(localRoot, snap.name), 'the snapshot');

      const copy = path.join(base, 'copy');
      const plan = await planRestore({ root, snapshot: snap.name, path: '.', target: copy, sshCommand });
      const result = await applyRestore(plan, { sshCommand });
      assert.deepEqual(result.failed, []);
      assertPreserved(copy, 'the restored copy');
      assert.equal(fs.readFileSync(path.join(copy, 'sub/b.txt'), 'utf8'), 'shared content');

      const kept = (await doctor(root, { sshCommand })).checks.find((c) => c.name === 'what is kept');
      assert.ok(kept?.ok, 'doctor says what is kept');
      assert.match(kept.detail, /hard links within the folder \(-H\), sparse files \(-S\)/);
      assert.match(kept.detail, /Not kept: ACLs and extended attributes/);
    });
  });
}

suite('local');
suite('ssh');
