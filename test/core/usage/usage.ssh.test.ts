import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseRootLocation, RemoteRootLocation } from '../../../src/core/root/location';
import { clearRemoteUsageCache } from '../../../src/core/root/ssh/usage';
import { closeAllSshConnections, SshTransport, sshCounters } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { measureUsage, takeSnapshot, usage } from '../../support/core';

describe('space usage of a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let root: string;
  let spec: string;

  before(async () => {
    sshd = await startSshd();
    const source = tmp.make('rs-ru-src');
    writeTree(source, { 'big.bin': Buffer.alloc(200_000, 1), 'small.txt': 'small', 'sub/mid.bin': Buffer.alloc(50_000, 2) });
    root = path.join(tmp.make('rs-ru-remote'), 'root');
    spec = `${sshd.host}:${root}`;
    const snap = (day: number) => takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 3, day) });
    await snap(1);
    fs.writeFileSync(path.join(source, 'sub', 'mid.bin'), Buffer.alloc(70_000, 3));
    await snap(2);
    fs.writeFileSync(path.join(source, 'new.bin'), Buffer.alloc(30_000, 4));
    await snap(3);
    // A hard link inside one snapshot, counted once.
    fs.linkSync(path.join(root, '2026-04-03T00-00-00', 'new.bin'), path.join(root, '2026-04-03T00-00-00', 'new-again.bin'));
    clearRemoteUsageCache();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  async function remoteDu(): Promise<number> {
    const transport = new SshTransport(parseRootLocation(spec) as RemoteRootLocation, { sshCommand: sshd.sshCommand });
    const r = await transport.execScript('du -s -B1 --total "$1"/20* | tail -n 1', [root]);
    assert.equal(r.exitCode, 0, r.stderr);
    return Number(r.stdout.toString().split('\t')[0]);
  }

  it('total equals remote du -s -B1 --total ROOT/20* (within 1%), per snapshot like the local report', async () => {
    const report = await usage(spec, { sshCommand: sshd.sshCommand });
    const du = await remoteDu();
    assert.ok(Math.abs(report.totalBytes - du) <= du * 0.01, `usage ${report.totalBytes} vs du ${du}`);
    assert.equal(report.root, spec);
    assert.deepEqual(
      report.snapshots.map((s) => s.name),
      ['2026-04-01T00-00-00', '2026-04-02T00-00-00', '2026-04-03T00-00-00'],
    );
    const local = await usage(root, { cache: false });
    assert.equal(report.totalBytes, local.totalBytes);
    assert.deepEqual(report.snapshots, local.snapshots);
    // The changed mid.bin is unique to each of the first two snapshots; the third holds new.bin (linked twice) alone.
    assert.ok(report.snapshots[0].uniqueBytes >= 50_000);
    assert.ok(report.snapshots[2].uniqueBytes >= 30_000 && report.snapshots[2].uniqueBytes < 30_000 + 30_000, 'new.bin counted once');
  });

  it('one ssh call per report; a second report walks nothing again; a new snapshot is walked alone', async () => {
    clearRemoteUsageCache();
    await usage(spec, { sshCommand: sshd.sshCommand });
    const before = sshCounters.processesStarted;
    const again = await usage(spec, { sshCommand: sshd.sshCommand });
    assert.equal(sshCounters.processesStarted - before, 1);
    assert.equal(again.scanned, 0);
    assert.equal(again.fromCache, 3);
    fs.cpSync(path.join(root, '2026-04-03T00-00-00'), path.join(root, '2026-04-04T00-00-00'), { recursive: true });
    const withNew = await usage(spec, { sshCommand: sshd.sshCommand });
    assert.equal(withNew.scanned, 1);
    assert.equal(withNew.totalBytes, await remoteDu());
  });

  it('freedBy (for prune) matches what deleting frees', async () => {
    const measured = await measureUsage(spec, { sshCommand: sshd.sshCommand });
    const local = await measureUsage(root, { cache: false });
    assert.equal(measured.freedBy(['2026-04-01T00-00-00', '2026-04-02T00-00-00']), local.freedBy(['2026-04-01T00-00-00', '2026-04-02T00-00-00']));
  });
});
