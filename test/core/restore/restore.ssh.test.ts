import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { validateRestorePlan } from '../../../src/core/restore/plan';
import { openRoot } from '../../../src/core/root/open';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { applyRestore, listSnapshots, planRestore, takeSnapshot } from '../../support/core';
import { escapeRemoteSource } from '../../../src/core/root/ssh/rsync';

describe('restore from a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let work: string;
  let root: string;
  let spec: string;
  let first: string;

  before(async () => {
    sshd = await startSshd();
    work = tmp.make('rs-rr-work');
    writeTree(work, { 'a.txt': 'alpha', 'sub/b.txt': 'bravo', 'a*b.txt': 'star', 'aXb.txt': 'x-original', 'dir[1]/c.txt': 'charlie', 'gone.txt': 'will be deleted' });
    fs.symlinkSync('sub/b.txt', path.join(work, 'link'));
    root = path.join(tmp.make('rs-rr-remote'), 'ro ot');
    spec = `${sshd.host}:${root}`;
    first = (await takeSnapshot({ source: work, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 2, 1) })).name;
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  it('escapes wildcards (and backslashes) in remote pull sources', () => {
    assert.equal(escapeRemoteSource('/r/a*b?[c]\\d'), '/r/a\\*b\\?\\[c]\\\\d');
  });

  it('dry run then apply of the whole snapshot: items like a local restore, content restored, safety snapshot on the remote', async () => {
    fs.writeFileSync(path.join(work, 'a.txt'), 'alpha edited');
    fs.rmSync(path.join(work, 'sub', 'b.txt'));
    fs.writeFileSync(path.join(work, 'aXb.txt'), 'x-edited');
    fs.writeFileSync(path.join(work, 'dir[1]', 'c.txt'), 'changed c');
    fs.rmSync(path.join(work, 'link'));
    fs.writeFileSync(path.join(work, 'new.txt'), 'only in the working folder');
    const plan = await planRestore({ root: spec, snapshot: 'latest', path: '.', target: work, delete: true, sshCommand: sshd.sshCommand });
    assert.equal(plan.root, spec);
    assert.equal(plan.snapshot, first);
    assert.equal(plan.sourcePath, `${spec}/${first}`);
    assert.doesNotThrow(() => validateRestorePlan(JSON.parse(JSON.stringify(plan)), openRoot(spec, { sshCommand: sshd.sshCommand })));
    const byPath = new Map(plan.items.map((i) => [i.path, i.kind]));
    assert.equal(byPath.get('a.txt'), 'overwrite');
    assert.equal(byPath.get('sub/b.txt'), 'create');
    assert.equal(byPath.get('aXb.txt'), 'overwrite');
    assert.equal(byPath.get('dir[1]/c.txt'), 'overwrite');
    assert.equal(byPath.get('link'), 'symlink');
    assert.equal(plan.items.find((i) => i.path === 'link')?.linkTarget, 'sub/b.txt');
    assert.equal(byPath.get('new.txt'), 'delete');
    assert.equal(byPath.has('a*b.txt'), false, 'unchanged file is not in the plan');
    assert.equal(fs.readFileSync(path.join(work, 'a.txt'), 'utf8'), 'alpha edited', 'the dry run changed nothing');

    const result = await applyRestore(plan, { exclude: ['new.txt'], safetySnapshot: { root: spec, source: work }, sshCommand: sshd.sshCommand });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.skipped, ['new.txt']);
    assert.deepEqual([...result.restored].sort(), ['a.txt', 'aXb.txt', 'dir[1]/c.txt', 'link', 'sub/b.txt']);
    assert.equal(fs.readFileSync(path.join(work, 'a.txt'), 'utf8'), 'alpha');
    assert.equal(fs.readFileSync(path.join(work, 'sub', 'b.txt'), 'utf8'), 'bravo');
    assert.equal(fs.readFileSync(path.join(work, 'aXb.txt'), 'utf8'), 'x-original');
    assert.equal(fs.readFileSync(path.join(work, 'dir[1]', 'c.txt'), 'utf8'), 'charlie');
    assert.equal(fs.readlinkSync(path.join(work, 'link')), 'sub/b.txt');
    assert.equal(fs.readFileSync(path.join(work, 'new.txt'), 'utf8'), 'only in the working folder');
    // The safety snapshot is on the remote root, labeled, and holds what the restore overwrote.
    assert.ok(result.safetySnapshot);
    assert.equal(result.safetySnapshotRoot, spec);
    const listing = await listSnapshots(spec, { sshCommand: sshd.sshCommand });
    assert.deepEqual(
      listing.snapshots.map((s) => s.name),
      [first, result.safetySnapshot],
    );
    assert.equal(fs.readFileSync(path.join(root, result.safetySnapshot!, 'a.txt'), 'utf8'), 'alpha edited');
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, '.rsync-snapshots.d', `${result.safetySnapshot}.json`), 'utf8')).label, 'pre-restore');
  });

  it('a single file whose name holds a wildcard restores only that file (also as a copy elsewhere)', async () => {
    fs.writeFileSync(path.join(work, 'a*b.txt'), 'star edited');
    fs.writeFileSync(path.join(work, 'aXb.txt'), 'x edited again');
    const plan = await planRestore({ root: spec, snapshot: first, path: 'a*b.txt', target: path.join(work, 'a*b.txt'), sshCommand: sshd.sshCommand });
    assert.equal(plan.sourceType, 'file');
    assert.deepEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [['a*b.txt', 'overwrite']],
    );
    const result = await applyRestore(plan, { sshCommand: sshd.sshCommand });
    assert.deepEqual(result.restored, ['a*b.txt']);
    assert.equal(fs.readFileSync(path.join(work, 'a*b.txt'), 'utf8'), 'star');
    assert.equal(fs.readFileSync(path.join(work, 'aXb.txt'), 'utf8'), 'x edited again', 'the wildcard did not pull other files');

    const elsewhere = tmp.make('rs-rr-copy');
    const copy = await planRestore({ root: spec, snapshot: first, path: 'dir[1]', target: path.join(elsewhere, 'restored'), sshCommand: sshd.sshCommand });
    await applyRestore(copy, { sshCommand: sshd.sshCommand });
    assert.equal(fs.readFileSync(path.join(elsewhere, 'restored', 'c.txt'), 'utf8'), 'charlie');
  });

  it('refuses missing paths and paths through a symlink in the remote snapshot; a changed target blocks the apply', async () => {
    await assert.rejects(planRestore({ root: spec, snapshot: first, path: 'nope.txt', target: path.join(work, 'nope.txt'), sshCommand: sshd.sshCommand }), (err: unknown) =>
      isSnapshotError(err, 'NOT_FOUND'),
    );
    fs.symlinkSync('/etc', path.join(root, first, 'etc-link'));
    await assert.rejects(
      planRestore({ root: spec, snapshot: first, path: 'etc-link/hostname', target: path.join(work, 'h'), sshCommand: sshd.sshCommand }),
      (err: unknown) => isSnapshotError(err, 'BAD_INPUT') && /symlink/.test(err.message),
    );
    fs.writeFileSync(path.join(work, 'a.txt'), 'edit 3');
    const plan = await planRestore({ root: spec, snapshot: first, path: 'a.txt', target: path.join(work, 'a.txt'), sshCommand: sshd.sshCommand });
    fs.writeFileSync(path.join(work, 'a.txt'), 'edit 4, after the preview');
    await assert.rejects(applyRestore(plan, { sshCommand: sshd.sshCommand }), (err: unknown) => isSnapshotError(err, 'CHANGED_SINCE_PREVIEW'));
    assert.equal(fs.readFileSync(path.join(work, 'a.txt'), 'utf8'), 'edit 4, after the preview');
  });
});
