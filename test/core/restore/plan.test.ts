import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { validateRestorePlan } from '../../../src/core/restore/plan';
import { openRoot } from '../../../src/core/root/open';
import { tempDirs, writeTree } from '../../support/fixtures';
import { HOSTILE, restoreFixture } from '../../support/restoreFixture';
import { planRestore, takeSnapshot } from '../../support/core';
import { RestorePlan } from '../../../src/core/restore/types';

const byKind = (plan: RestorePlan) => {
  const out: Record<string, string[]> = { create: [], overwrite: [], delete: [], mkdir: [], symlink: [] };
  for (const i of plan.items) out[i.kind].push(i.path);
  for (const k of Object.keys(out)) out[k].sort();
  return out;
};

describe('planRestore', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('lists creates, overwrites, mkdirs and symlinks exactly, hostile names included; no deletes without --delete', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rp'));
    const before = fs.readFileSync(path.join(ws, 'changed.txt'), 'utf8');
    const plan = await planRestore({ root, snapshot, path: '.', target: ws });
    assert.deepEqual(byKind(plan), {
      create: ['dir/sub/deep.txt', 'gone.txt', ...HOSTILE].sort(),
      overwrite: ['changed.txt', 'mode.txt'],
      delete: [],
      mkdir: ['dir', 'dir/sub'],
      symlink: ['link'],
    });
    assert.deepEqual(plan.counts, { create: 2 + HOSTILE.length, overwrite: 2, delete: 0, mkdir: 2, symlink: 1 });
    const items = new Map(plan.items.map((i) => [i.path, i]));
    assert.deepEqual(items.get('changed.txt')!.changes, { size: true, time: true });
    assert.deepEqual(items.get('mode.txt')!.changes, { perms: true });
    assert.equal(items.get('link')!.linkTarget, '/etc');
    assert.equal(items.get('dir')!.isDir, true);
    assert.equal(plan.delete, false);
    assert.equal(plan.sourceType, 'folder');
    assert.equal(plan.snapshot, snapshot);
    assert.match(plan.commandLine, /--dry-run/);
    assert.doesNotMatch(plan.commandLine, /--delete/);
    assert.match(plan.targetFingerprint, /^[0-9a-f]{64}$/);
    // JSON round trip is lossless and still valid.
    assert.deepEqual(validateRestorePlan(JSON.parse(JSON.stringify(plan)), openRoot(root)), plan);
    // Nothing changed in the target.
    assert.equal(fs.readFileSync(path.join(ws, 'changed.txt'), 'utf8'), before);
    assert.equal(fs.existsSync(path.join(ws, 'gone.txt')), false);
  });

  it('an item of another kind in the way (a file where the snapshot has a folder or a link) is an overwrite to review, not a creation', async () => {
    const base = tmp.make('rp-type');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(ws, { 'x/inner.txt': 'in folder x' });
    fs.symlinkSync('x/inner.txt', path.join(ws, 'l'));
    const { name } = await takeSnapshot({ source: ws, root, createRoot: true });
    const other = path.join(base, 'other');
    writeTree(other, { x: 'PRECIOUS', l: 'PRECIOUS2' });
    const plan = await planRestore({ root, snapshot: name, path: '.', target: other });
    const items = new Map(plan.items.map((i) => [i.path, i]));
    assert.equal(items.get('x')!.kind, 'overwrite');
    assert.equal(items.get('x')!.isDir, true);
    assert.equal(items.get('x')!.changes.type, true);
    assert.equal(items.get('l')!.kind, 'symlink');
    assert.equal(items.get('l')!.changes.type, true);
    assert.equal(items.get('x/inner.txt')!.kind, 'create', 'inside the new folder nothing is in the way');
    assert.equal(fs.readFileSync(path.join(other, 'x'), 'utf8'), 'PRECIOUS', 'the preview changes nothing');
  });

  it('with --delete also lists what the snapshot does not have', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rp'));
    const plan = await planRestore({ root, snapshot: 'latest', path: '.', target: ws, delete: true });
    assert.deepEqual(byKind(plan).delete, ['extra.txt', 'extradir', 'extradir/x']);
    assert.equal(plan.items.find((i) => i.path === 'extradir')!.isDir, true);
    assert.equal(plan.counts.delete, 3);
    assert.match(plan.commandLine, /--delete/);
    assert.equal(plan.snapshot, snapshot, 'latest resolves to the real name');
  });

  it('plans a single file, a deleted file, a folder, and a restore as copy under another name', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rp'));
    const one = await planRestore({ root, snapshot, path: 'changed.txt', target: path.join(ws, 'changed.txt') });
    assert.equal(one.sourceType, 'file');
    assert.deepEqual(
      one.items.map((i) => [i.path, i.kind]),
      [['changed.txt', 'overwrite']],
    );
    assert.equal(one.targetDir, ws);
    const gone = await planRestore({ root, snapshot, path: 'gone.txt', target: path.join(ws, 'gone.txt') });
    assert.deepEqual(
      gone.items.map((i) => [i.path, i.kind]),
      [['gone.txt', 'create']],
    );
    const copy = await planRestore({ root, snapshot, path: 'changed.txt', target: path.join(ws, 'changed.restored-2026-06-17.txt') });
    assert.deepEqual(
      copy.items.map((i) => [i.path, i.kind]),
      [['changed.restored-2026-06-17.txt', 'create']],
    );
    const folder = await planRestore({ root, snapshot, path: 'dir', target: path.join(ws, 'dir') });
    assert.deepEqual(byKind(folder), { create: ['sub/deep.txt'], overwrite: [], delete: [], mkdir: ['.', 'sub'], symlink: [] });
    const nested = await planRestore({ root, snapshot, path: './dir/sub/', target: path.join(ws, 'elsewhere') });
    assert.deepEqual(byKind(nested).create, ['deep.txt']);
    const hostile = await planRestore({ root, snapshot, path: 'nl\nname', target: path.join(ws, 'nl\nname') });
    assert.deepEqual(
      hostile.items.map((i) => [i.path, i.kind]),
      [['nl\nname', 'create']],
    );
  });

  it('an identical target gives an empty plan', async () => {
    const base = tmp.make('rp');
    const ws = path.join(base, 'ws');
    writeTree(ws, { 'a.txt': 'a', 'd/b.txt': 'b' });
    const root = path.join(base, 'root');
    const snap = await takeSnapshot({ source: ws, root, createRoot: true });
    const plan = await planRestore({ root, snapshot: snap.name, path: '.', target: ws, delete: true });
    assert.deepEqual(plan.items, []);
  });

  it('refuses bad input with actionable errors', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rp'));
    const code = (c: string) => (e: unknown) => isSnapshotError(e) && e.code === c && e.message.length > 20;
    await assert.rejects(planRestore({ root, snapshot, path: '../x', target: ws }), code('BAD_INPUT'));
    await assert.rejects(planRestore({ root, snapshot, path: '/etc', target: ws }), code('BAD_INPUT'));
    await assert.rejects(planRestore({ root, snapshot, path: 'missing.txt', target: ws }), code('NOT_FOUND'));
    await assert.rejects(planRestore({ root, snapshot: '2001-01-01T00-00-00', path: '.', target: ws }), code('NOT_FOUND'));
    await assert.rejects(planRestore({ root, snapshot, path: 'changed.txt', target: ws }), code('BAD_INPUT')); // file onto a folder
    await assert.rejects(planRestore({ root, snapshot, path: '.', target: path.join(ws, 'changed.txt') }), code('BAD_INPUT')); // folder onto a file
    await assert.rejects(planRestore({ root, snapshot, path: '.', target: path.join(ws, 'no/such/parent') }), code('BAD_INPUT'));
    await assert.rejects(planRestore({ root, snapshot, path: 'link/passwd', target: path.join(ws, 'p') }), code('BAD_INPUT')); // through a link in the snapshot
    await assert.rejects(planRestore({ root, snapshot, path: '.', target: path.join(root, 'inside') }), code('BAD_INPUT'));
  });

  it('never plans to write through a symlinked folder in the target: the link is replaced by the snapshot folder, and the plan says so', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rp'));
    const outside = tmp.make('outside');
    fs.symlinkSync(outside, path.join(ws, 'dir'));
    const plan = await planRestore({ root, snapshot, path: '.', target: ws });
    assert.ok(plan.warnings.includes(`dir is now a link to ${outside}; restoring replaces the link with the folder from the snapshot`), JSON.stringify(plan.warnings));
    const dir = plan.items.find((i) => i.path === 'dir');
    assert.deepEqual([dir?.kind, dir?.isDir, dir?.changes.type], ['overwrite', true, true]);
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('never plans to delete a backup root that lives inside the target', async () => {
    const base = tmp.make('rp');
    const ws = path.join(base, 'ws');
    writeTree(ws, { 'a.txt': 'a' });
    const root = path.join(ws, '.backups');
    const snap = await takeSnapshot({ source: ws, root, createRoot: true });
    fs.writeFileSync(path.join(ws, 'new.txt'), 'n');
    const plan = await planRestore({ root, snapshot: snap.name, path: '.', target: ws, delete: true });
    assert.deepEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [['new.txt', 'delete']],
    );
  });

  it('validateRestorePlan refuses tampered plans', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rp'));
    const plan = await planRestore({ root, snapshot, path: '.', target: ws });
    const bad = (mutate: (p: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
      mutate(copy);
      assert.throws(
        () => validateRestorePlan(copy, openRoot(root)),
        (e: unknown) => isSnapshotError(e, 'BAD_INPUT'),
      );
    };
    bad((p) => ((p.items as { path: string }[])[0].path = '../escape'));
    bad((p) => ((p.items as { path: string }[])[0].path = '/etc/passwd'));
    bad((p) => ((p.items as { kind: string }[])[0].kind = 'format-disk'));
    bad((p) => (p.sourcePath = '/etc'));
    bad((p) => (p.version = 2));
    bad((p) => (p.targetDir = '/tmp'));
  });
});
