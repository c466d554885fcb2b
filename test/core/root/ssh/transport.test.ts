import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isSnapshotError } from '../../../../src/core/util/errors';
import { parseRootLocation, RemoteRootLocation } from '../../../../src/core/root/location';
import { closeAllSshConnections, SshTransport, sshCounters } from '../../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../../support/fixtures';
import { childPids, cliPath, run, waitFor } from '../../../support/proc';
import { startSshd, TestSshd } from '../../../support/sshd';
import { listSnapshots, takeSnapshot } from '../../../support/core';

describe('ssh transport against a real sshd', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let base: string;
  const cleanups: (() => void)[] = [];

  before(async () => {
    sshd = await startSshd();
    base = tmp.make('rs-transport');
  });
  after(async () => {
    for (const c of cleanups.splice(0)) c();
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  const location = (dir = '/') => parseRootLocation(`${sshd.host}:${dir}`) as RemoteRootLocation;
  const lockIsFree = async (lockPath: string) => (await run('flock', ['-n', lockPath, 'true'])).code === 0;

  it('exec passes every argument verbatim through the remote shell (each quoted by shellQuote)', async () => {
    const marker = path.join(base, 'injected');
    const hostile = [
      'plain',
      'two words',
      `it's`,
      '"dq"',
      '$(touch ' + marker + ')',
      '`touch ' + marker + '`',
      ';touch ' + marker,
      '|cat',
      '&& x',
      '*',
      '~',
      '$HOME',
      '\\n',
      'ünïcödé',
      '',
      '-n',
      'new\nline',
      '\t',
    ];
    const transport = new SshTransport(location(), { sshCommand: sshd.sshCommand });
    const r = await transport.exec(['printf', '%s\\0', ...hostile]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.toString('utf8').split('\0').slice(0, -1), hostile);
    assert.equal(fs.existsSync(marker), false);
  });

  it('exec feeds input to stdin and returns non-zero exit codes (only 255 is an ssh failure)', async () => {
    const transport = new SshTransport(location(), { sshCommand: sshd.sshCommand });
    const echoed = await transport.exec(['cat'], { input: Buffer.from([0, 1, 2, 250]) });
    assert.deepEqual(echoed.stdout, Buffer.from([0, 1, 2, 250]));
    const failed = await transport.execScript('echo "oops $1" >&2; exit 7', ['x y']);
    assert.equal(failed.exitCode, 7);
    assert.equal(failed.stderr.trim(), 'oops x y');
  });

  it('rsync -e gets the same ssh command and options, so it reuses the shared connection', () => {
    const transport = new SshTransport(location(), { sshCommand: sshd.sshCommand });
    const shell = transport.rsyncShell();
    assert.ok(shell.startsWith(sshd.sshCommand + ' '), shell);
    for (const option of ['BatchMode=yes', 'ConnectTimeout=', 'ControlMaster=auto', 'ControlPath=', 'ControlPersist=']) assert.ok(shell.includes(option), `${option} missing in ${shell}`);
    assert.ok(!/StrictHostKeyChecking|UserKnownHostsFile=\/dev\/null/.test(shell), 'host key checking must never be weakened');
    const socketDir = /ControlPath=(\S+)\/%C/.exec(shell)![1];
    assert.equal(fs.statSync(path.dirname(socketDir)).mode & 0o777, 0o700, 'the socket folder is private');
  });

  it('a server that accepts but never answers fails with "timed out" within the connect timeout', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => silent.close());
    const port = (silent.address() as net.AddressInfo).port;
    const transport = new SshTransport(location(), { sshCommand: sshd.variant('silent', { port }), connectTimeoutSeconds: 2 });
    const started = Date.now();
    await assert.rejects(transport.exec(['true']), (err: unknown) => isSnapshotError(err, 'SSH_FAILED') && /timed out after 2 s/.test(err.message));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 6000, `took ${elapsed} ms`);
  });

  it('cancel (AbortSignal) during a remote snapshot removes the partial folder and leaves latest untouched', async () => {
    const source = tmp.make('rs-cancel-src');
    writeTree(source, { 'a.txt': 'a' });
    const root = path.join(base, 'cancel');
    const first = await takeSnapshot({ source, root: `${sshd.host}:${root}`, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 2, 1) });
    // An rsync that takes its time: the cancel lands while it runs.
    const slowRsync = path.join(tmp.make('rs-slow'), 'rsync');
    fs.writeFileSync(slowRsync, '#!/bin/sh\nsleep 3\nexec rsync "$@"\n', { mode: 0o755 });
    const controller = new AbortController();
    const run = takeSnapshot({ source, root: `${sshd.host}:${root}`, sshCommand: sshd.sshCommand, rsyncPath: slowRsync, signal: controller.signal, now: new Date(2026, 2, 2) });
    await waitFor(() => fs.existsSync(path.join(root, '.inprogress-2026-03-02T00-00-00')), 20_000, 'the partial folder');
    controller.abort();
    await assert.rejects(run, (err: unknown) => isSnapshotError(err, 'CANCELLED'));
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), first.name);
    assert.deepEqual(
      fs
        .readdirSync(root)
        .filter((e) => !e.startsWith('.rsync-snapshots'))
        .sort(),
      [first.name, 'latest'],
    );
    assert.equal(await lockIsFree(path.join(root, '.rsync-snapshots.lock')), true, 'the remote lock was released');
  });

  it('kill -9 of the CLI mid-run frees the remote lock by itself; the next run succeeds and removes the leftover', async () => {
    const source = tmp.make('rs-kill-src');
    writeTree(source, { 'a.txt': 'a', 'b.txt': 'b' });
    const root = path.join(base, 'killed');
    const spec = `${sshd.host}:${root}`;
    const first = await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 3, 1) });
    const slowRsync = path.join(tmp.make('rs-slow'), 'rsync');
    fs.writeFileSync(slowRsync, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    // Its TMPDIR is ours: the ssh socket folder that a killed process cannot remove is cleaned up with the test's.
    const cliTmp = tmp.make('rs-cli-tmp');
    const cli = spawn(process.execPath, [cliPath(), 'snapshot', source, spec, '--ssh-command', sshd.sshCommand, '--rsync-path', slowRsync], {
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: cliTmp },
    });
    const lockPath = path.join(root, '.rsync-snapshots.lock');
    await waitFor(() => fs.readdirSync(root).some((e) => e.startsWith('.inprogress-')), 20_000, 'the partial folder');
    await waitFor(() => childPids(cli.pid!, 'sleep').length > 0, 10_000, 'rsync (sleep) to start');
    assert.equal(await lockIsFree(lockPath), false, 'the run holds the remote lock');
    const sleeper = childPids(cli.pid!, 'sleep');
    cli.kill('SIGKILL');
    for (const pid of sleeper) process.kill(pid, 'SIGKILL');
    await waitFor(async () => lockIsFree(lockPath), 10_000, 'the remote lock to be released');
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), first.name, 'latest untouched by the killed run');
    assert.deepEqual(
      (await listSnapshots(spec, { sshCommand: sshd.sshCommand })).snapshots.map((s) => s.name),
      [first.name],
    );

    const next = await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand });
    assert.equal(next.linkDest, path.join(root, first.name));
    assert.deepEqual(
      fs.readdirSync(root).filter((e) => e.startsWith('.inprogress-')),
      [],
      'the leftover was removed',
    );
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), next.name);
  });

  it('counts ssh processes: a snapshot costs a fixed handful regardless of history, a warm list exactly one', async () => {
    const source = tmp.make('rs-count-src');
    writeTree(source, { 'a.txt': 'a' });
    const root = path.join(base, 'count');
    const spec = `${sshd.host}:${root}`;
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 1, 1) });
    for (let i = 0; i < 30; i++) fs.mkdirSync(path.join(root, `2025-01-${String(i + 1).padStart(2, '0')}T00-00-00`));
    let before = sshCounters.processesStarted;
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, now: new Date(2026, 1, 2) });
    // lock + list + mkdir + rsync's ssh + finish
    assert.equal(sshCounters.processesStarted - before, 5);
    before = sshCounters.processesStarted;
    const listing = await listSnapshots(spec, { sshCommand: sshd.sshCommand });
    assert.equal(listing.snapshots.length, 32);
    assert.equal(sshCounters.processesStarted - before, 1);
  });
});
