import { kernelFsType } from '../../support/mounts';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { closedPort, startSshd, TestSshd } from '../../support/sshd';
import { doctor, readSnapshotMeta, takeSnapshot } from '../../support/core';
import { writeSnapshotMeta } from '../../../src/core/root/local/notes';

describe('doctor and snapshot notes on a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let root: string;
  let spec: string;
  let name: string;

  before(async () => {
    sshd = await startSshd();
    const source = tmp.make('rs-rd-src');
    writeTree(source, { 'a.txt': 'alpha' });
    root = path.join(tmp.make('rs-rd-remote'), 'root');
    spec = `${sshd.host}:${root}`;
    name = (await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, label: 'first', now: new Date(2026, 6, 1) })).name;
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  const byName = (report: Awaited<ReturnType<typeof doctor>>) => new Map(report.checks.map((c) => [c.name, c]));

  it('reads the sidecar notes over ssh; missing notes are undefined', async () => {
    const meta = await readSnapshotMeta(spec, name, { sshCommand: sshd.sshCommand });
    assert.equal(meta?.label, 'first');
    assert.equal(meta?.filesTotal !== undefined, true);
    assert.equal(await readSnapshotMeta(spec, '2020-01-01T00-00-00', { sshCommand: sshd.sshCommand }), undefined);
    assert.equal(await readSnapshotMeta(spec, '../../etc/passwd', { sshCommand: sshd.sshCommand }), undefined);
  });

  it('a healthy remote root: connection, tools, writable, hard links, latest, lock free, free space', async () => {
    const report = await doctor(spec, { sshCommand: sshd.sshCommand });
    assert.equal(report.root, spec);
    const checks = byName(report);
    for (const check of ['rsync', 'ssh connection', 'tools on the host', 'root writable', 'filesystem and hard links', 'latest', 'leftovers', 'lock', 'free space'])
      assert.equal(checks.get(check)?.ok, true, `${check}: ${checks.get(check)?.detail}`);
    assert.ok(report.ok);
    assert.match(checks.get('filesystem and hard links')!.detail, /hard links work/);
    assert.equal(checks.get('filesystem and hard links')!.detail.split(';')[0], kernelFsType(root), "the kernel's name of the filesystem (ext4, not ext2/ext3)");
    assert.match(checks.get('free space')!.detail, /free; the last snapshot/);
    assert.deepEqual(
      fs.readdirSync(root).filter((e) => e.includes('probe')),
      [],
      'probe files removed',
    );
  });

  it('free space and inodes come from the host (df -Pk, df -Pi); a next snapshot like a recent big one that would not fit is a warning', async () => {
    const detail = () => doctor(spec, { sshCommand: sshd.sshCommand }).then((r) => byName(r).get('free space')!);
    // The host is this machine: its own df must agree with what came over ssh (within what changed meanwhile).
    const dfColumn = (flag: string) => Number(execFileSync('df', [flag, root], { encoding: 'utf8' }).trim().split('\n').pop()!.trim().split(/\s+/)[3]);
    const healthy = await detail();
    assert.equal(healthy.ok, true, healthy.detail);
    const inodesText = /; ([\d,]+) inodes free$/.exec(healthy.detail)?.[1] ?? '';
    assert.ok(inodesText, healthy.detail);
    // Other processes make and remove files meanwhile: agree within 1 %.
    assert.ok(Math.abs(Number(inodesText.replace(/,/g, '')) - dfColumn('-Pi')) < dfColumn('-Pi') / 100, `${inodesText} vs df -Pi ${dfColumn('-Pi')}`);
    assert.match(healthy.detail, new RegExp(`the last snapshot \\(${name}\\) transferred`));

    // An older snapshot among the last five transferred more than the disk holds: the estimate takes the largest.
    const older = '2026-06-30T00-00-00';
    fs.mkdirSync(path.join(root, older));
    await writeSnapshotMeta(root, older, { bytesTransferred: dfColumn('-Pk') * 1024 * 4, filesTransferred: 3 });
    const full = await detail();
    assert.equal(full.ok, false);
    assert.match(full.detail, /may not fit/);
    await writeSnapshotMeta(root, older, { bytesTransferred: 1, filesTransferred: dfColumn('-Pi') * 4 });
    const noInodes = await detail();
    assert.equal(noInodes.ok, false);
    assert.match(noInodes.detail, /too few inodes/);
    fs.rmSync(path.join(root, older), { recursive: true });
    fs.rmSync(path.join(root, '.rsync-snapshots.d', `${older}.json`));
  });

  it('problems: a dangling latest, leftovers, a missing root, a host that is down', async () => {
    fs.unlinkSync(path.join(root, 'latest'));
    fs.symlinkSync('2030-01-01T00-00-00', path.join(root, 'latest'));
    fs.mkdirSync(path.join(root, '.inprogress-2026-07-02T00-00-00'));
    fs.mkdirSync(path.join(root, '.deleting-2026-06-01T00-00-00'));
    const report = await doctor(spec, { sshCommand: sshd.sshCommand });
    const checks = byName(report);
    assert.equal(report.ok, false);
    assert.equal(checks.get('latest')?.ok, false);
    // The repair is an ssh line for the host, not a local command.
    assert.match(checks.get('latest')!.fix!, new RegExp(`^ssh ${sshd.host} .*ln.*-sfn`));
    assert.match(checks.get('leftovers')!.detail, /\.inprogress-2026-07-02T00-00-00.*\.deleting-2026-06-01T00-00-00/);

    const missing = await doctor(`${sshd.host}:${root}-missing`, { sshCommand: sshd.sshCommand });
    assert.equal(byName(missing).get('root exists')?.ok, false);
    assert.match(byName(missing).get('root exists')!.fix!, /mkdir -p/);

    const down = await doctor(spec, { sshCommand: sshd.variant('down', { port: await closedPort() }) });
    assert.equal(byName(down).get('ssh connection')?.ok, false);
    assert.match(byName(down).get('ssh connection')!.detail, /connection refused/);
  });
});
