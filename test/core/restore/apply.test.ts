import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { PRE_RESTORE_LABEL } from '../../../src/core/restore/apply';
import { tempDirs, writeTree } from '../../support/fixtures';
import { HOSTILE, restoreFixture } from '../../support/restoreFixture';
import { applyRestore, listSnapshots, planRestore, readSnapshotMeta, takeSnapshot } from '../../support/core';

const read = (...p: string[]) => fs.readFileSync(path.join(...p), 'utf8');

/** Every entry under dir with its type and content or link text, for "nothing changed" checks. */
function treeState(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const st = fs.lstatSync(full);
    out.push(`${path.relative(dir, full)} ${st.mode.toString(8)} ${st.mtimeMs} ${st.isSymbolicLink() ? fs.readlinkSync(full) : st.isFile() ? fs.readFileSync(full, 'utf8') : ''}`);
  }
  return out.sort();
}

describe('applyRestore', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('restores a single changed file, after a pre-restore safety snapshot holding the old content', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ra'));
    const plan = await planRestore({ root, snapshot, path: 'changed.txt', target: path.join(ws, 'changed.txt') });
    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.restored, ['changed.txt']);
    assert.deepEqual(result.failed, []);
    assert.equal(read(ws, 'changed.txt'), 'v1');
    assert.equal(fs.statSync(path.join(ws, 'changed.txt')).mtime.toISOString(), '2024-01-02T03:04:05.000Z');
    // Only that file changed.
    assert.equal(read(ws, 'extra.txt'), 'new');
    assert.equal(fs.existsSync(path.join(ws, 'gone.txt')), false);
    // The safety snapshot is a normal snapshot, labeled, with the pre-restore content.
    assert.ok(result.safetySnapshot);
    const listing = await listSnapshots(root);
    assert.deepEqual(
      listing.snapshots.map((s) => s.name),
      [snapshot, result.safetySnapshot],
    );
    assert.equal(listing.latest?.name, result.safetySnapshot);
    assert.equal((await readSnapshotMeta(root, result.safetySnapshot))?.label, PRE_RESTORE_LABEL);
    assert.equal(read(root, result.safetySnapshot, 'changed.txt'), 'version two');
    assert.match(result.rollback ?? '', new RegExp(`restore .*${result.safetySnapshot} changed.txt`));
  });

  it('restores the whole workspace except what was left out: deleted files, folders, hostile names, the symlink as a link', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ra'));
    const plan = await planRestore({ root, snapshot, path: '.', target: ws, delete: true });
    const result = await applyRestore(plan, { exclude: ['mode.txt', 'extradir'], safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.skipped.sort(), ['extradir', 'extradir/x', 'mode.txt']);
    assert.deepEqual(result.deleted, ['extra.txt']);
    assert.deepEqual(result.restored.sort(), ['changed.txt', 'dir', 'dir/sub', 'dir/sub/deep.txt', 'gone.txt', 'link', ...HOSTILE].sort());
    assert.equal(read(ws, 'changed.txt'), 'v1');
    assert.equal(read(ws, 'gone.txt'), 'deleted later');
    assert.equal(read(ws, 'dir/sub/deep.txt'), 'deep');
    for (const n of HOSTILE) assert.equal(read(ws, n), `content of ${JSON.stringify(n)}`, n);
    // left out: mode.txt keeps its new mode, extradir stays
    assert.equal(fs.statSync(path.join(ws, 'mode.txt')).mode & 0o777, 0o600);
    assert.equal(read(ws, 'extradir/x'), 'x');
    assert.equal(fs.existsSync(path.join(ws, 'extra.txt')), false);
    // the symlink to /etc comes back as a link, nothing behind it is touched
    assert.equal(fs.lstatSync(path.join(ws, 'link')).isSymbolicLink(), true);
    assert.equal(fs.readlinkSync(path.join(ws, 'link')), '/etc');
    // the safety snapshot holds what was there before
    assert.equal(read(root, result.safetySnapshot!, 'extra.txt'), 'new');
    assert.equal(fs.readlinkSync(path.join(root, result.safetySnapshot!, 'link')), '/tmp');
    // a second preview finds only what was left out
    const again = await planRestore({ root, snapshot, path: '.', target: ws, delete: true });
    assert.deepEqual(again.items.map((i) => i.path).sort(), ['extradir', 'extradir/x', 'mode.txt']);
  });

  it('leaving out one file inside a folder to delete keeps the folder', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ra'));
    const plan = await planRestore({ root, snapshot, path: '.', target: ws, delete: true });
    const result = await applyRestore(plan, { exclude: ['extradir/x'] });
    assert.deepEqual(result.skipped.sort(), ['extradir', 'extradir/x']);
    assert.equal(read(ws, 'extradir/x'), 'x');
    assert.deepEqual(result.deleted, ['extra.txt']);
  });

  it('restore as copy into another folder never touches the original', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ra'));
    const before = treeState(ws);
    const copyDir = path.join(tmp.make('copy'), 'restored');
    const plan = await planRestore({ root, snapshot, path: '.', target: copyDir });
    const result = await applyRestore(plan);
    assert.deepEqual(result.failed, []);
    assert.equal(result.safetySnapshot, undefined);
    assert.deepEqual(treeState(ws), before);
    assert.equal(read(copyDir, 'changed.txt'), 'v1');
    assert.equal(read(copyDir, 'dir/sub/deep.txt'), 'deep');
    assert.equal(fs.readlinkSync(path.join(copyDir, 'link')), '/etc');
    const file = path.join(ws, 'changed.restored.txt');
    const one = await applyRestore(await planRestore({ root, snapshot, path: 'changed.txt', target: file }));
    assert.deepEqual(one.restored, ['changed.restored.txt']);
    assert.equal(read(file), 'v1');
    assert.equal(read(ws, 'changed.txt'), 'version two');
    assert.equal((await listSnapshots(root)).snapshots.length, 1);
  });

  it('refuses when the target changed after the preview, and changes nothing', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ra'));
    const plan = await planRestore({ root, snapshot, path: '.', target: ws, delete: true });
    fs.writeFileSync(path.join(ws, 'changed.txt'), 'edited after the preview');
    const before = treeState(ws);
    await assert.rejects(applyRestore(plan, { safetySnapshot: { root, source: ws } }), (e: unknown) => isSnapshotError(e, 'CHANGED_SINCE_PREVIEW') && /preview again/.test(e.message));
    assert.deepEqual(treeState(ws), before);
    assert.equal((await listSnapshots(root)).snapshots.length, 1, 'no safety snapshot either');
    // A file that appears where the plan creates one counts as a change too.
    const plan2 = await planRestore({ root, snapshot, path: '.', target: ws });
    fs.writeFileSync(path.join(ws, 'gone.txt'), 'recreated');
    await assert.rejects(applyRestore(plan2), (e: unknown) => isSnapshotError(e, 'CHANGED_SINCE_PREVIEW'));
    assert.equal(read(ws, 'gone.txt'), 'recreated');
  });

  it('refuses to restore through a folder that became a symlink', async () => {
    const base = tmp.make('ra');
    const ws = path.join(base, 'ws');
    writeTree(ws, { 'dir/keep.txt': 'k', 'dir/x.txt': 'x' });
    const root = path.join(base, 'root');
    const snap = await takeSnapshot({ source: ws, root, createRoot: true });
    fs.rmSync(path.join(ws, 'dir/x.txt'));
    const plan = await planRestore({ root, snapshot: snap.name, path: '.', target: ws });
    assert.deepEqual(
      plan.items.map((i) => i.path),
      ['dir/x.txt'],
    );
    const outside = tmp.make('outside');
    fs.renameSync(path.join(ws, 'dir'), path.join(base, 'dir-moved'));
    fs.symlinkSync(outside, path.join(ws, 'dir'));
    // Changed since the preview (which saw a folder): the new preview would say the link gets replaced.
    await assert.rejects(applyRestore(plan), (e: unknown) => isSnapshotError(e, 'CHANGED_SINCE_PREVIEW') && /dir is now a link/.test(e.message));
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('reports the items that were not restored and how to roll back when rsync fails', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ra'));
    const fake = path.join(tmp.make('bin'), 'rsync');
    const real = fs.realpathSync(execFileSync('sh', ['-c', 'command -v rsync']).toString().trim());
    fs.writeFileSync(
      fake,
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = "--files-from=-" ] && { cat >/dev/null; echo 'rsync: [receiver] write failed on "${ws}/changed.txt": No space left on device (28)' >&2; exit 11; }; done\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const plan = await planRestore({ root, snapshot, path: '.', target: ws, rsyncPath: fake });
    const result = await applyRestore(plan, { rsyncPath: fake, safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.restored, []);
    assert.deepEqual(result.failed.map((f) => f.path).sort(), plan.items.map((i) => i.path).sort());
    assert.match(result.failed.find((f) => f.path === 'changed.txt')!.error, /No space left/);
    assert.match(result.warnings.join('\n'), new RegExp(`not restored.*safety snapshot.*${result.safetySnapshot}`, 's'));
    assert.equal(read(root, result.safetySnapshot!, 'changed.txt'), 'version two');
  });

  it('refuses exclusions that are not in the plan and a safety snapshot that would not contain the target', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('ra'));
    const plan = await planRestore({ root, snapshot, path: '.', target: ws });
    await assert.rejects(applyRestore(plan, { exclude: ['nope.txt'] }), (e: unknown) => isSnapshotError(e, 'BAD_INPUT'));
    await assert.rejects(applyRestore(plan, { safetySnapshot: { root, source: tmp.make('other') } }), (e: unknown) => isSnapshotError(e, 'BAD_INPUT'));
    assert.equal(read(ws, 'changed.txt'), 'version two');
  });
});
