import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { applyRestore, changes, planRestore, takeSnapshot, versions } from '../../support/core';

/**
 * Issue 12, item 1: a file whose bytes changed while its size and mtime were kept (cp -p, touch -r, tar, editors
 * that keep times), or changed within the same second, must never be called identical: restore brings the old
 * bytes back, versions --working does not mark it current, changes --working --checksum reports it.
 */
const T = new Date('2025-05-06T07:08:09Z');
const SAME_SECOND_1 = new Date(T.getTime() + 200);
const SAME_SECOND_2 = new Date(T.getTime() + 700);

const ORIGINAL = { 'kept.txt': 'original AAAA', 'second.txt': 'first  v1', 'sub/inner.txt': 'inner original', 'sub/plain.txt': 'untouched' };
const TAMPERED = { 'kept.txt': 'tampered BBBB', 'second.txt': 'second v2', 'sub/inner.txt': 'inner tampered' };

function setTimes(ws: string): void {
  fs.utimesSync(path.join(ws, 'kept.txt'), T, T);
  fs.utimesSync(path.join(ws, 'sub/inner.txt'), T, T);
  fs.utimesSync(path.join(ws, 'sub/plain.txt'), T, T);
}

/** Rewrites the files with other bytes of the same length, keeping the mtime (or staying within its second). */
function tamper(ws: string): void {
  for (const [rel, text] of Object.entries(TAMPERED)) {
    assert.equal(Buffer.byteLength(text), Buffer.byteLength(ORIGINAL[rel as keyof typeof ORIGINAL]));
    fs.writeFileSync(path.join(ws, rel), text);
  }
  setTimes(ws);
  fs.utimesSync(path.join(ws, 'second.txt'), SAME_SECOND_2, SAME_SECOND_2);
}

function suite(transport: 'local' | 'ssh') {
  describe(`content-true restore and comparisons (${transport})`, function () {
    this.timeout(120_000);
    const tmp = tempDirs();
    let sshd: TestSshd | undefined;
    let sshCommand: string | undefined;
    let ws: string;
    let root: string;
    let snapshot: string;

    before(async () => {
      if (transport === 'ssh') {
        sshd = await startSshd();
        sshCommand = sshd.sshCommand;
      }
    });
    beforeEach(async () => {
      const base = tmp.make('rs-bytes');
      ws = path.join(base, 'ws');
      const localRoot = path.join(base, 'root');
      root = sshd ? `${sshd.host}:${localRoot}` : localRoot;
      writeTree(ws, ORIGINAL);
      setTimes(ws);
      fs.utimesSync(path.join(ws, 'second.txt'), SAME_SECOND_1, SAME_SECOND_1);
      snapshot = (await takeSnapshot({ source: ws, root, createRoot: true, sshCommand })).name;
      tamper(ws);
    });
    after(async () => {
      await closeAllSshConnections();
      await sshd?.stop();
      await tmp.cleanup();
    });

    it('a whole-snapshot restore lists and brings back files whose bytes differ at equal size and mtime (or within the second)', async () => {
      const plan = await planRestore({ root, snapshot, path: '.', target: ws, sshCommand });
      const items = new Map(plan.items.map((i) => [i.path, i]));
      for (const rel of Object.keys(TAMPERED)) {
        assert.equal(items.get(rel)?.kind, 'overwrite', `${rel} must be in the plan: ${JSON.stringify(plan.items)}`);
        assert.equal(items.get(rel)?.changes.checksum, true, `${rel}: content differs`);
      }
      assert.equal(items.has('sub/plain.txt'), false, 'an unchanged file is not in the plan');
      assert.match(plan.commandLine, /--checksum/);
      const result = await applyRestore(plan, { sshCommand });
      assert.deepEqual(result.failed, []);
      for (const [rel, text] of Object.entries(ORIGINAL)) assert.equal(fs.readFileSync(path.join(ws, rel), 'utf8'), text, rel);
      const again = await planRestore({ root, snapshot, path: '.', target: ws, sshCommand });
      assert.deepEqual(again.items, [], 'after the restore the target really matches');
    });

    it('a single file and a folder restore do the same', async () => {
      const file = await planRestore({ root, snapshot, path: 'kept.txt', target: path.join(ws, 'kept.txt'), sshCommand });
      assert.deepEqual(
        file.items.map((i) => [i.path, i.kind]),
        [['kept.txt', 'overwrite']],
      );
      await applyRestore(file, { sshCommand });
      assert.equal(fs.readFileSync(path.join(ws, 'kept.txt'), 'utf8'), ORIGINAL['kept.txt']);
      const second = await planRestore({ root, snapshot, path: 'second.txt', target: path.join(ws, 'second.txt'), sshCommand });
      assert.equal(second.items.length, 1, 'a change within the same second is seen');
      const folder = await planRestore({ root, snapshot, path: 'sub', target: path.join(ws, 'sub'), sshCommand });
      assert.deepEqual(
        folder.items.map((i) => i.path),
        ['inner.txt'],
      );
      await applyRestore(folder, { sshCommand });
      assert.equal(fs.readFileSync(path.join(ws, 'sub/inner.txt'), 'utf8'), ORIGINAL['sub/inner.txt']);
    });

    it('versions --working never marks a version current whose bytes differ from the working file', async () => {
      const history = await versions(root, 'kept.txt', { workingFolder: ws, sshCommand });
      assert.equal(history.versions.length, 1);
      assert.equal(history.versions[0].current, false);
      assert.equal(history.working?.currentIndex, undefined);
      fs.writeFileSync(path.join(ws, 'kept.txt'), ORIGINAL['kept.txt']);
      fs.utimesSync(path.join(ws, 'kept.txt'), T, T);
      const back = await versions(root, 'kept.txt', { workingFolder: ws, sshCommand });
      assert.equal(back.versions[0].current, true, 'the same bytes again: current');
    });

    it('changes --working says which comparison it used; with checksum it finds content changes that kept size and mtime', async () => {
      const quick = await changes(root, snapshot, { working: ws }, { sshCommand });
      assert.equal(quick.comparison, 'size-mtime');
      assert.deepEqual(quick.modified, ['second.txt'], 'the quick check only sees the sub-second mtime change');
      const full = await changes(root, snapshot, { working: ws }, { sshCommand, checksum: true });
      assert.equal(full.comparison, 'content');
      assert.deepEqual(full.modified, ['kept.txt', 'second.txt', 'sub/inner.txt']);
      assert.deepEqual([full.added, full.deleted], [[], []]);
    });
  });
}

suite('local');
suite('ssh');
