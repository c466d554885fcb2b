import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../support/fixtures';
import { asNobody, cliPathForNobody, NOBODY, repoRoot, run, runCli } from '../support/proc';
import { HOSTILE, restoreFixture } from '../support/restoreFixture';
import { listSnapshots, readSnapshotMeta } from '../support/core';
import { RestorePlan } from '../../src/core/restore/types';

const cli = (args: string[]) => runCli(args);

describe('CLI restore', () => {
  const tmp = tempDirs();
  before(async function () {
    this.timeout(120000);
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
  });
  after(() => tmp.cleanup());

  it('--dry-run --json prints the plan and changes nothing; text lists the groups', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rc'));
    const r = await cli(['restore', root, 'latest', '.', ws, '--dry-run', '--delete', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as RestorePlan;
    assert.equal(plan.snapshot, snapshot);
    assert.deepEqual(plan.counts, { create: 2 + HOSTILE.length, overwrite: 2, delete: 3, mkdir: 2, symlink: 1 });
    assert.ok(plan.items.some((i) => i.path === 'nl\nname' && i.kind === 'create'));
    assert.equal(fs.readFileSync(path.join(ws, 'changed.txt'), 'utf8'), 'version two');
    assert.equal(fs.existsSync(path.join(ws, 'extra.txt')), true);
    const text = await cli(['restore', root, snapshot, '.', ws, '--dry-run']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^create \(\d+\):$/m);
    assert.match(text.stdout, /^ {2}"nl\\nname"$/m);
    assert.match(text.stdout, /^overwrite \(2\):\n {2}changed\.txt {2}\(size, time\)$/m);
    assert.match(text.stdout, /Nothing was changed/);
  });

  it('applies with a pre-restore snapshot into the same root, honoring --skip and --delete', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rc'));
    const r = await cli(['restore', root, snapshot, '.', ws, '--delete', '--skip', 'extra.txt', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { result } = JSON.parse(r.stdout) as { result: { restored: string[]; deleted: string[]; skipped: string[]; safetySnapshot: string; failed: unknown[] } };
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.skipped, ['extra.txt']);
    assert.deepEqual(result.deleted.sort(), ['extradir', 'extradir/x']);
    assert.equal(fs.readFileSync(path.join(ws, 'changed.txt'), 'utf8'), 'v1');
    assert.equal(fs.readFileSync(path.join(ws, 'nl\nname'), 'utf8'), `content of ${JSON.stringify('nl\nname')}`);
    assert.equal(fs.readFileSync(path.join(ws, 'extra.txt'), 'utf8'), 'new');
    assert.equal(fs.existsSync(path.join(ws, 'extradir')), false);
    assert.equal((await readSnapshotMeta(root, result.safetySnapshot))?.label, 'pre-restore');
    assert.equal(fs.readFileSync(path.join(root, result.safetySnapshot, 'changed.txt'), 'utf8'), 'version two');
    assert.equal((await listSnapshots(root)).latest?.name, result.safetySnapshot);
  });

  it('restores one file as a copy outside the workspace without a safety snapshot; text output says what it did', async () => {
    const { ws, root, snapshot } = await restoreFixture(tmp.make('rc'));
    const copy = path.join(tmp.make('rc-copy'), 'changed.restored.txt');
    const r = await cli(['restore', root, snapshot, 'changed.txt', copy]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restored 1, deleted 0/);
    assert.match(r.stdout, /restored changed\.restored\.txt/);
    assert.equal(fs.readFileSync(copy, 'utf8'), 'v1');
    assert.equal(fs.readFileSync(path.join(ws, 'changed.txt'), 'utf8'), 'version two');
    assert.equal((await listSnapshots(root)).snapshots.length, 1);
  });

  it('refuses, changing nothing, a restore outside the workspace that would replace a file in the way without a safety snapshot', async () => {
    const base = tmp.make('rc-type');
    const ws = path.join(base, 'ws');
    fs.mkdirSync(path.join(ws, 'x'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'x', 'inner.txt'), 'in folder x');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    const snap = await cli(['snapshot', ws, root, '--json']);
    assert.equal(snap.code, 0, snap.stderr);
    const other = path.join(base, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'x'), 'PRECIOUS');
    const r = await cli(['restore', root, 'latest', '.', other]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /--workspace|--no-safety-snapshot/);
    assert.equal(fs.readFileSync(path.join(other, 'x'), 'utf8'), 'PRECIOUS');
  });

  it('stops before changing anything when the safety snapshot is incomplete (an unreadable file would be overwritten unsaved)', async () => {
    // As nobody: root reads everything, so only another user meets an unreadable file.
    const base = tmp.make('rc-partial');
    fs.chmodSync(base, 0o755);
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    fs.mkdirSync(ws);
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(ws, 'secret.txt'), 'v1\n');
    for (const p of [ws, root, path.join(ws, 'secret.txt')]) fs.chownSync(p, NOBODY, NOBODY);
    const asNobodyCli = async (args: string[]) => {
      const [cmd, argv] = asNobody(process.execPath, [cliPathForNobody(), ...args]);
      return run(cmd, argv);
    };
    const snap = await asNobodyCli(['snapshot', ws, root, '--json']);
    assert.equal(snap.code, 0, snap.stderr);
    fs.writeFileSync(path.join(ws, 'secret.txt'), 'v2, never saved anywhere else\n');
    fs.chmodSync(path.join(ws, 'secret.txt'), 0o000);
    const r = await asNobodyCli(['restore', root, 'latest', 'secret.txt', path.join(ws, 'secret.txt'), '--workspace', ws]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /safety snapshot .* is incomplete.*Nothing was restored/s);
    assert.equal(fs.readFileSync(path.join(ws, 'secret.txt'), 'utf8'), 'v2, never saved anywhere else\n');
  });

  it('fails with a clear message and exit 1 on bad input (--json error object)', async () => {
    const { ws, root } = await restoreFixture(tmp.make('rc'));
    const r = await cli(['restore', root, 'latest', '../etc', ws, '--dry-run', '--json']);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'BAD_INPUT');
    const s = await cli(['restore', root, 'latest', '.', ws, '--skip', 'not-in-plan']);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /not in the plan/);
    assert.equal(fs.readFileSync(path.join(ws, 'changed.txt'), 'utf8'), 'version two');
  });
});
