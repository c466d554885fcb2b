import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../support/fixtures';
import { cliPath, runCli, waitFor } from '../support/proc';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { startSshd, TestSshd } from '../support/sshd';
import { takeSnapshot } from '../support/core';

describe('CLI commands on a remote root pass --ssh-command through (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let source: string;
  let spec: string;
  let root: string;

  before(async () => {
    sshd = await startSshd();
    source = tmp.make('rs-rc-src');
    writeTree(source, { 'a.txt': 'one' });
    root = path.join(tmp.make('rs-rc-remote'), 'root');
    spec = `${sshd.host}:${root}`;
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 7, 1) });
    fs.writeFileSync(path.join(source, 'a.txt'), 'two!');
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, now: new Date(2026, 7, 2) });
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  const cli = async (args: string[]) => {
    const r = await runCli([...args, '--ssh-command', sshd.sshCommand, '--json']);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  it('versions, du, doctor, prune --dry-run, restore --dry-run', async () => {
    const history = await cli(['versions', spec, 'a.txt']);
    assert.equal(history.versions.length, 2);
    const du = await cli(['du', spec]);
    assert.equal(du.snapshots.length, 2);
    const doctor = await cli(['doctor', spec]);
    assert.equal(doctor.ok, true);
    const prune = await cli(['prune', spec, '--keep-last', '1', '--dry-run']);
    assert.deepEqual(
      prune.plan.delete.map((d: { name: string }) => d.name),
      ['2026-08-01T00-00-00'],
    );
    const plan = await cli(['restore', spec, '2026-08-01T00-00-00', 'a.txt', path.join(source, 'a.txt'), '--dry-run']);
    assert.deepEqual(
      plan.items.map((i: { path: string; kind: string }) => [i.path, i.kind]),
      [['a.txt', 'overwrite']],
    );
    assert.equal(fs.readFileSync(path.join(source, 'a.txt'), 'utf8'), 'two!');
  });
  it('snapshot into a remote root whose latest dangles: exit 0, a full copy with the reason, latest moved (link diagnostics never read host:/path as a local path)', async () => {
    const base = tmp.make('rs-rc-dangling');
    const danglingRoot = path.join(base, 'root');
    const danglingSpec = `${sshd.host}:${danglingRoot}`;
    await takeSnapshot({ source, root: danglingSpec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 7, 1) });
    fs.rmSync(path.join(danglingRoot, 'latest'));
    fs.symlinkSync('2026-01-01T00-00-00', path.join(danglingRoot, 'latest'));
    const cwd = tmp.make('rs-rc-cwd');
    const r = await runCli(['snapshot', source, danglingSpec, '--ssh-command', sshd.sshCommand], { cwd });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, /does not exist yet/);
    assert.match(r.stdout, /warning: Full copy: latest points at 2026-01-01T00-00-00, which does not exist/);
    const name = /^Snapshot (\S+) /.exec(r.stdout)![1];
    assert.equal(fs.readlinkSync(path.join(danglingRoot, 'latest')), name);
    assert.deepEqual(fs.readdirSync(cwd), [], 'nothing local was created or read as the root');
  });

  it('snapshot into a remote root where nearly nothing links: exit 0 and an honest note instead of a local diagnosis', async () => {
    const base = tmp.make('rs-rc-nolink');
    const src = path.join(base, 'src');
    for (let i = 0; i < 12; i++) writeTree(src, { [`f${i}.txt`]: `v1 ${i}` });
    const nolinkSpec = `${sshd.host}:${path.join(base, 'root')}`;
    await takeSnapshot({ source: src, root: nolinkSpec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 7, 1) });
    for (let i = 0; i < 12; i++) writeTree(src, { [`f${i}.txt`]: `v2 ${i}` });
    const r = await runCli(['snapshot', src, nolinkSpec, '--ssh-command', sshd.sshCommand, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.filesTransferred, 12);
    assert.match(result.linking.message, /12 of 12 files were copied, not hard-linked against .*diagnosed on local roots only/);
  });
  it('a remote run killed with -9 leaves its /tmp/rs-ssh-* control folder (its pid file names the dead process); the next run removes it', async () => {
    const base = os.tmpdir().length <= 40 ? os.tmpdir() : '/tmp';
    const child = spawn(process.execPath, [cliPath(), 'snapshot', source, spec, '--ssh-command', sshd.sshCommand], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const pidOf = (n: string) => {
      try {
        return Number(fs.readFileSync(path.join(base, n, 'pid'), 'utf8'));
      } catch {
        return undefined;
      }
    };
    const mine = () => fs.readdirSync(base).filter((n) => n.startsWith('rs-ssh-') && pidOf(n) === child.pid);
    await waitFor(() => mine().length > 0, 20000, 'the control folder of the run');
    child.kill('SIGKILL');
    await exited;
    const stale = mine();
    assert.equal(stale.length, 1, 'killed: it could not remove its folder');
    const next = await runCli(['list', spec, '--ssh-command', sshd.sshCommand]);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(mine(), [], `${stale[0]} removed by the next run`);
  });
  it("a restore from a remote root killed mid-apply leaves rsync's temporary file only in .rsync-snapshots-restore.tmp/; the next snapshot removes it", async () => {
    const base = tmp.make('rs-rc-killed');
    const ws = path.join(base, 'ws');
    const killedSpec = `${sshd.host}:${path.join(base, 'root')}`;
    writeTree(ws, { 'big.bin': Buffer.alloc(8 << 20, 1), 'sub/small.txt': 'v1' });
    const first = await takeSnapshot({ source: ws, root: killedSpec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 7, 1) });
    fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(8 << 20, 2));
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(ws, 'big.bin'), later, later);
    // The real rsync, slowed down for restores only (--itemize-changes), so the kill lands while big.bin is written.
    const slow = path.join(base, 'slow-rsync');
    fs.writeFileSync(slow, '#!/bin/sh\ncase "$*" in *--itemize-changes*) exec rsync --bwlimit=1000 "$@" ;; esac\nexec rsync "$@"\n', { mode: 0o755 });
    const tempFiles = () => {
      try {
        return (fs.readdirSync(ws, { recursive: true }) as string[]).filter((p) => /(^|\/)\.?big\.bin\.\w{6}$/.test(p) && fs.statSync(path.join(ws, p)).size > 0);
      } catch {
        return [];
      }
    };
    const child = spawn(process.execPath, [cliPath(), 'restore', killedSpec, first.name, '.', ws, '--workspace', ws, '--rsync-path', slow, '--ssh-command', sshd.sshCommand], {
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => tempFiles().length > 0, 60000, 'rsync writing big.bin');
    process.kill(-child.pid!, 'SIGKILL'); // the CLI, its rsync and ssh
    await exited;
    const left = tempFiles();
    assert.equal(left.length, 1, JSON.stringify(left));
    assert.match(left[0], /^\.rsync-snapshots-restore\.tmp\/\d+\/big\.bin\.\w{6}$/, 'in our folder, not beside the file');
    const snap = await runCli(['snapshot', ws, killedSpec, '--ssh-command', sshd.sshCommand]);
    assert.equal(snap.code, 0, snap.stderr);
    assert.deepEqual(fs.readdirSync(ws).sort(), ['big.bin', 'sub'], 'the next snapshot removed it');
    const latest = fs.readlinkSync(path.join(base, 'root', 'latest'));
    assert.deepEqual(fs.readdirSync(path.join(base, 'root', latest)).sort(), ['big.bin', 'sub'], 'never part of a snapshot');
  });
});
