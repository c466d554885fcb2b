import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, treeState, writeTree } from '../support/fixtures';
import { asNobody, cliPath, cliPathForNobody, NOBODY, repoRoot, run, runCli, waitFor } from '../support/proc';
import { execFileSync, spawn } from 'node:child_process';
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
  it("a restore killed mid-apply (kill -9) leaves rsync's temporary file only in .rsync-snapshots-restore.tmp/, which the next snapshot or restore removes", async function () {
    this.timeout(120000);
    const base = tmp.make('rc-killed');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(ws, 'sub'), { recursive: true });
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(8 << 20, 1));
    fs.writeFileSync(path.join(ws, 'sub', 'small.txt'), 'v1');
    assert.equal((await cli(['snapshot', ws, root])).code, 0);
    // The real rsync, slowed down for restores only (--itemize-changes), so the kill lands while big.bin is written.
    const slow = path.join(base, 'slow-rsync');
    fs.writeFileSync(slow, '#!/bin/sh\ncase "$*" in *--itemize-changes*) exec rsync --bwlimit=1000 "$@" ;; esac\nexec rsync "$@"\n', { mode: 0o755 });
    const tempFiles = () => (fs.readdirSync(ws, { recursive: true }) as string[]).filter((p) => /(^|\/)\.?big\.bin\.\w{6}$/.test(p)); // rsync's name for it: .big.bin.XXXXXX beside the file, big.bin.XXXXXX in --temp-dir

    const killedRestore = async () => {
      fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(8 << 20, 2));
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(path.join(ws, 'big.bin'), later, later); // another second: even rsync's quick check sees the change
      const child = spawn(process.execPath, [cliPath(), 'restore', root, (await listSnapshots(root)).snapshots[0].name, '.', ws, '--workspace', ws, '--rsync-path', slow], {
        stdio: 'ignore',
        detached: true,
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const writing = () => {
        try {
          return tempFiles().some((p) => fs.statSync(path.join(ws, p)).size > 0);
        } catch {
          return false; // renamed or removed while we looked
        }
      };
      await waitFor(writing, 60000, 'rsync writing big.bin');
      process.kill(-child.pid!, 'SIGKILL'); // the CLI and its rsync
      await exited;
      const left = tempFiles();
      assert.equal(left.length, 1, JSON.stringify(left));
      assert.match(left[0], /^\.rsync-snapshots-restore\.tmp\/\d+\/big\.bin\.\w{6}$/, 'in our folder, not beside the file');
      assert.deepEqual(fs.readdirSync(ws).sort(), ['.rsync-snapshots-restore.tmp', 'big.bin', 'sub']);
    };

    await killedRestore();
    const snap = await cli(['snapshot', ws, root, '--json']);
    assert.equal(snap.code, 0, snap.stderr);
    assert.deepEqual(fs.readdirSync(JSON.parse(snap.stdout).path).sort(), ['big.bin', 'sub'], 'never part of a snapshot');
    assert.deepEqual(fs.readdirSync(ws).sort(), ['big.bin', 'sub'], 'the next snapshot removed it');

    await killedRestore();
    const first = (await listSnapshots(root)).snapshots[0].name;
    const restore = await cli(['restore', root, first, '.', ws, '--workspace', ws, '--json']);
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    const { result } = JSON.parse(restore.stdout);
    assert.deepEqual(fs.readdirSync(ws).sort(), ['big.bin', 'sub'], 'the next restore removed it');
    assert.deepEqual(fs.readdirSync(path.join(root, result.safetySnapshot)).sort(), ['big.bin', 'sub'], 'not in the pre-restore snapshot');
    assert.ok(fs.readFileSync(path.join(ws, 'big.bin')).equals(Buffer.alloc(8 << 20, 1)), 'restored');
  });
  it('--exclude protects what a notes-less snapshot left out; the preview says what it leaves alone', async () => {
    const dir = tmp.make('rc-ex');
    const ws = path.join(dir, 'ws');
    writeTree(ws, { 'a.txt': 'v1', '.env': 'SECRET=1', 'node_modules/m/index.js': 'x' });
    const root = path.join(dir, 'root');
    const name = '2026-01-02T03-04-05';
    fs.mkdirSync(root);
    execFileSync('rsync', ['-a', '--exclude=node_modules/', '--exclude=.env', `${ws}/`, `${root}/${name}/`]);
    fs.symlinkSync(name, path.join(root, 'latest'));
    fs.writeFileSync(path.join(ws, 'a.txt'), 'v2');

    const bare = await cli(['restore', root, 'latest', '.', ws, '--delete', '--dry-run']);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /^ {2}\.env$/m);
    assert.doesNotMatch(bare.stdout, /left alone/);

    const preview = await cli(['restore', root, 'latest', '.', ws, '--delete', '--dry-run', '--exclude', 'node_modules/', '--exclude', '.env']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /^ {2}left alone: node_modules\/, \.env \(not in the snapshots\)$/m);
    assert.doesNotMatch(preview.stdout, /\.env$|node_modules\/m/m);

    const r = await cli(['restore', root, 'latest', '.', ws, '--delete', '--exclude', 'node_modules/', '--exclude', '.env', '--workspace', ws, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { result } = JSON.parse(r.stdout) as { result: { restored: string[]; deleted: string[]; safetySnapshot: string } };
    assert.deepEqual(result.deleted, []);
    assert.deepEqual(result.restored, ['a.txt']);
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'v1');
    assert.equal(fs.readFileSync(path.join(ws, '.env'), 'utf8'), 'SECRET=1');
    assert.ok(fs.existsSync(path.join(ws, 'node_modules/m/index.js')));
    // The pre-restore snapshot was taken with the same excludes: no node_modules/ copied just before a restore.
    assert.equal(fs.existsSync(path.join(root, result.safetySnapshot, 'node_modules')), false);
    assert.deepEqual((await readSnapshotMeta(root, result.safetySnapshot))?.excludes, ['node_modules/', '.env']);
  });
  describe('where the workspace now has a symlink to a folder outside it (issue 24)', () => {
    /** ws/dir was a folder when snapshotted (with the CLI: notes record ws; or with plain rsync: no notes) and is now a link to outside/. */
    async function linked(withNotes: boolean) {
      const base = tmp.make('rc-link');
      const ws = path.join(base, 'ws');
      const root = path.join(base, 'root');
      const outside = path.join(base, 'outside');
      writeTree(ws, { 'dir/evil.txt': 'from the snapshot', 'dir/other.txt': 'other' });
      fs.mkdirSync(root);
      if (withNotes) assert.equal((await cli(['snapshot', ws, root])).code, 0);
      else {
        execFileSync('rsync', ['-a', `${ws}/`, `${root}/2026-01-02T03-04-05/`]);
        fs.symlinkSync('2026-01-02T03-04-05', path.join(root, 'latest'));
      }
      fs.rmSync(path.join(ws, 'dir'), { recursive: true });
      writeTree(outside, { 'evil.txt': 'PRECIOUS', 'keep.txt': 'keep' });
      fs.symlinkSync(outside, path.join(ws, 'dir'));
      return { ws, root, outside, before: treeState(outside), snapshot: (await listSnapshots(root)).latest!.name };
    }
    const warning = (outside: string) => new RegExp(`^warning: dir is now a link to ${outside}; restoring replaces the link with the folder from the snapshot$`, 'm');

    it('a single file and a folder (--no-safety-snapshot --delete) replace the link, saying so; its target is never written', async () => {
      const { ws, root, outside, before, snapshot } = await linked(true);
      const dry = await cli(['restore', root, 'latest', 'dir/evil.txt', path.join(ws, 'dir', 'evil.txt'), '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, warning(outside));
      const file = await cli(['restore', root, 'latest', 'dir/evil.txt', path.join(ws, 'dir', 'evil.txt')]);
      assert.equal(file.code, 0, file.stdout + file.stderr);
      assert.match(file.stdout, /Safety snapshot \(pre-restore\)/);
      assert.equal(treeState(outside), before);
      assert.equal(fs.readFileSync(path.join(ws, 'dir', 'evil.txt'), 'utf8'), 'from the snapshot');

      fs.rmSync(path.join(ws, 'dir'), { recursive: true });
      fs.symlinkSync(outside, path.join(ws, 'dir'));
      const folder = await cli(['restore', root, snapshot, 'dir', path.join(ws, 'dir'), '--no-safety-snapshot', '--delete']);
      assert.equal(folder.code, 0, folder.stdout + folder.stderr);
      assert.match(folder.stdout, /^warning: dir was a link to .*: replaced with the folder from the snapshot \(what the link pointed at is untouched\)$/m);
      assert.equal(treeState(outside), before);
      assert.deepEqual(fs.readdirSync(path.join(ws, 'dir')).sort(), ['evil.txt', 'other.txt']);
      assert.ok(fs.lstatSync(path.join(ws, 'dir')).isDirectory());
    });

    it('a snapshot without notes: the workspace is where the target mirrors the snapshot; replacing the link wants a safety snapshot', async () => {
      const { ws, root, outside, before } = await linked(false);
      const target = path.join(ws, 'dir', 'evil.txt');
      const refused = await cli(['restore', root, 'latest', 'dir/evil.txt', target]);
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /--workspace DIR .* or --no-safety-snapshot\. Nothing was changed\./);
      assert.equal(fs.readlinkSync(path.join(ws, 'dir')), outside);
      const r = await cli(['restore', root, 'latest', 'dir/evil.txt', target, '--workspace', ws]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(treeState(outside), before);
      assert.equal(fs.readFileSync(target, 'utf8'), 'from the snapshot');
    });

    it('a link where the snapshot has no folder is refused with what to do (exit 1, no stack trace); nothing changes', async () => {
      const { ws, root, outside, before } = await linked(true);
      fs.symlinkSync(outside, path.join(ws, 'elsewhere'));
      const r = await cli(['restore', root, 'latest', 'dir/evil.txt', path.join(ws, 'elsewhere', 'evil.txt'), '--no-safety-snapshot']);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /elsewhere is a link to .* Remove or rename the link .* Nothing was changed\./);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(treeState(outside), before);
    });
  });
});
