import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { planUndoRestore } from '../../../src/core/restore/undo';
import { protectPatterns } from '../../../src/core/restore/plan';
import { leftAloneText } from '../../../src/core/restore/leftAlone';
import { tempDirs, writeTree } from '../../support/fixtures';
import { applyRestore, planRestore, readSnapshotMeta, root as openSpec, takeSnapshot } from '../../support/core';

const EXCLUDES = ['node_modules/', '.env'];

/** A workspace with what a real one has and its snapshots leave out: node_modules/ and .env. */
function workspace(dir: string): string {
  const ws = path.join(dir, 'ws');
  writeTree(ws, {
    'src/app.ts': 'v1',
    'src/util.ts': 'util v1',
    '.env': 'SECRET=1',
    'node_modules/left-pad/index.js': 'module.exports = 1;',
    'node_modules/.bin/tool': '#!/bin/sh',
  });
  return ws;
}

const paths = (items: { path: string }[]) => items.map((i) => i.path).sort();

describe('restore leaves what the snapshots excluded alone (real rsync)', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('a snapshot records its excludes; restore . --delete plans and applies no change to node_modules/ or .env', async () => {
    const dir = tmp.make('ex');
    const ws = workspace(dir);
    const root = path.join(dir, 'root');
    const first = await takeSnapshot({ root, source: ws, excludes: EXCLUDES, createRoot: true });
    assert.deepEqual((await readSnapshotMeta(root, first.name))?.excludes, EXCLUDES);
    assert.equal(fs.existsSync(path.join(root, first.name, 'node_modules')), false);
    writeTree(ws, { 'src/app.ts': 'v2 edited', 'src/new.ts': 'new', 'node_modules/extra/x.js': 'installed later', '.env': 'SECRET=2' });

    const plan = await planRestore({ root, snapshot: first.name, path: '.', target: ws, delete: true });
    assert.deepEqual(plan.excludes, EXCLUDES);
    assert.deepEqual(paths(plan.items), ['src/app.ts', 'src/new.ts']);
    assert.match(plan.commandLine, /--exclude=node_modules\/ --exclude=\.env/);
    assert.equal(leftAloneText(plan), 'left alone: node_modules/, .env (not in the snapshots)');

    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.deleted, ['src/new.ts']);
    assert.equal(fs.readFileSync(path.join(ws, 'src/app.ts'), 'utf8'), 'v1');
    assert.equal(fs.readFileSync(path.join(ws, '.env'), 'utf8'), 'SECRET=2');
    assert.equal(fs.readFileSync(path.join(ws, 'node_modules/extra/x.js'), 'utf8'), 'installed later');
    assert.ok(fs.existsSync(path.join(ws, 'node_modules/left-pad/index.js')));

    // The safety snapshot is a normal snapshot with the same excludes: it costs what changed, never node_modules/.
    const safety = result.safetySnapshot!;
    assert.deepEqual((await readSnapshotMeta(root, safety))?.excludes, EXCLUDES);
    assert.equal(fs.existsSync(path.join(root, safety, 'node_modules')), false);
    assert.equal(fs.existsSync(path.join(root, safety, '.env')), false);
    assert.equal(fs.readFileSync(path.join(root, safety, 'src/app.ts'), 'utf8'), 'v2 edited');

    // Undo puts back exactly what the restore changed, and still leaves the excluded paths alone.
    const undoPlan = await planUndoRestore(openSpec(root), result.undo!);
    assert.deepEqual(undoPlan.excludes, EXCLUDES);
    assert.deepEqual(paths(undoPlan.items), ['src/app.ts', 'src/new.ts']);
    const undone = await applyRestore(undoPlan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(undone.failed, []);
    assert.equal(fs.readFileSync(path.join(ws, 'src/app.ts'), 'utf8'), 'v2 edited');
    assert.equal(fs.readFileSync(path.join(ws, 'node_modules/extra/x.js'), 'utf8'), 'installed later');
    assert.equal(fs.readFileSync(path.join(ws, '.env'), 'utf8'), 'SECRET=2');
  });

  it('a snapshot without notes (a plain rsync script) deletes them with --delete unless the caller passes the excludes', async () => {
    const dir = tmp.make('ex-seed');
    const ws = workspace(dir);
    const root = path.join(dir, 'root');
    const name = '2026-01-02T03-04-05';
    fs.mkdirSync(root);
    execFileSync('rsync', ['-a', '--exclude=node_modules/', '--exclude=.env', `${ws}/`, `${root}/${name}/`]);
    fs.symlinkSync(name, path.join(root, 'latest'));
    assert.equal(await readSnapshotMeta(root, name), undefined);

    const bare = await planRestore({ root, snapshot: name, path: '.', target: ws, delete: true });
    assert.deepEqual(bare.excludes, []);
    assert.equal(leftAloneText(bare), undefined);
    assert.ok(paths(bare.items).includes('.env') && paths(bare.items).includes('node_modules'), JSON.stringify(paths(bare.items)));

    const plan = await planRestore({ root, snapshot: name, path: '.', target: ws, delete: true, excludes: EXCLUDES });
    assert.deepEqual(plan.excludes, EXCLUDES);
    assert.deepEqual(paths(plan.items), []);
    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws, excludes: EXCLUDES } });
    assert.deepEqual(result.deleted, []);
    assert.equal(fs.readFileSync(path.join(ws, '.env'), 'utf8'), 'SECRET=1');
    assert.ok(fs.existsSync(path.join(ws, 'node_modules/left-pad/index.js')));
  });

  it('an excluded path is never overwritten either, and a folder restore re-anchors /-anchored patterns below it', async () => {
    const dir = tmp.make('ex-sub');
    const ws = path.join(dir, 'ws');
    writeTree(ws, { 'pkg/src/a.ts': 'a1', 'pkg/cache/blob': 'cache v1', 'pkg/local.cfg': 'mine v1' });
    const root = path.join(dir, 'root');
    // Taken without excludes (it holds the cache and the config); the caller protects them now.
    const snap = await takeSnapshot({ root, source: ws, createRoot: true });
    writeTree(ws, { 'pkg/src/a.ts': 'a2', 'pkg/cache/blob': 'cache v2', 'pkg/local.cfg': 'mine v2' });

    const plan = await planRestore({ root, snapshot: snap.name, path: 'pkg', target: path.join(ws, 'pkg'), delete: true, excludes: ['/pkg/cache/', 'local.cfg', '/other/'] });
    assert.deepEqual(paths(plan.items), ['src/a.ts']);
    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.failed, []);
    assert.equal(fs.readFileSync(path.join(ws, 'pkg/src/a.ts'), 'utf8'), 'a1');
    assert.equal(fs.readFileSync(path.join(ws, 'pkg/cache/blob'), 'utf8'), 'cache v2');
    assert.equal(fs.readFileSync(path.join(ws, 'pkg/local.cfg'), 'utf8'), 'mine v2');
  });

  it('protectPatterns: unanchored patterns apply anywhere; anchored ones move below the restored folder or drop', () => {
    assert.deepEqual(protectPatterns(['node_modules/', '/.snapshots/', '.env'], '.'), ['node_modules/', '/.snapshots/', '.env']);
    assert.deepEqual(protectPatterns(['node_modules/', '/pkg/cache/', '/pkg/', '/other/x', '/pkgs/y'], 'pkg'), ['node_modules/', '/cache/']);
    assert.deepEqual(protectPatterns(['/a/b/c', 'x'], 'a/b'), ['/c', 'x']);
  });

  it('a single-file restore has no left-alone line', () => {
    assert.equal(leftAloneText({ sourceType: 'file', excludes: EXCLUDES }), undefined);
    const many = leftAloneText({ sourceType: 'folder', excludes: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] });
    assert.equal(many, 'left alone: a, b, c, d, e, f and 2 more (not in the snapshots)');
  });
});
