import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../../../src/core/root/local/lock';
import { tempDirs, writeTree } from '../../support/fixtures';
import { kernelFsType } from '../../support/mounts';
import { run } from '../../support/proc';
import { buildCli } from '../../support/cliBundle';
import { doctor, listSnapshots, takeSnapshot } from '../../support/core';
import { writeSnapshotMeta } from '../../../src/core/root/local/notes';

describe('doctor', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  async function healthyRoot() {
    const base = tmp.make('rs-doctor');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'alpha' });
    fs.mkdirSync(root);
    const snap = await takeSnapshot({ source, root });
    return { base, source, root, snap };
  }
  const check = (report: Awaited<ReturnType<typeof doctor>>, name: string) => {
    const found = report.checks.find((c) => c.name === name);
    assert.ok(found, `check ${name} in ${report.checks.map((c) => c.name).join(', ')}`);
    return found;
  };

  it('passes every check on a healthy root', async () => {
    const { root } = await healthyRoot();
    const report = await doctor(root);
    assert.equal(report.ok, true, JSON.stringify(report.checks, null, 2));
    assert.match(check(report, 'rsync').detail, /version \d+\.\d+\.\d+/);
    assert.match(check(report, 'filesystem and hard links').detail, /hard links work/);
    // The kernel's name (ext4 on ext4), not `stat -f`'s "ext2/ext3".
    assert.equal(check(report, 'filesystem and hard links').detail.split(';')[0], kernelFsType(root));
    assert.match(check(report, 'lock').detail, /^free/);
    assert.match(check(report, 'latest').detail, /latest → 20/);
    assert.match(check(report, 'free space').detail, /free; the last snapshot/);
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.includes('probe')),
      [],
      'no probe files left',
    );
  });

  it('reports a dangling latest, leftovers, a held lock and too little free space', async () => {
    const { root, snap } = await healthyRoot();
    fs.rmSync(path.join(root, 'latest'));
    fs.symlinkSync('2001-01-01T00-00-00', path.join(root, 'latest'));
    fs.mkdirSync(path.join(root, '.inprogress-2030-01-01T00-00-00'));
    await writeSnapshotMeta(root, snap.name, { bytesTransferred: 2 ** 60 });
    const lock = await acquireLock(root);
    let report;
    try {
      report = await doctor(root);
    } finally {
      await lock.release();
    }
    assert.equal(report.ok, false);
    const latest = check(report, 'latest');
    assert.equal(latest.ok, false);
    assert.match(latest.fix!, /^ln -sfn /);
    execFileSync('sh', ['-c', latest.fix!]); // the fix can be pasted as it is: it repairs latest
    assert.equal((await listSnapshots(root)).latest?.name, snap.name);
    assert.match(check(report, 'leftovers').detail, /\.inprogress-2030/);
    assert.match(check(report, 'lock').detail, /^held/);
    assert.equal(check(report, 'free space').ok, false);
  });

  it('fails clearly on a missing root, and the CLI exits 1', async () => {
    const missing = path.join(tmp.make('rs-doctor'), 'nope');
    const report = await doctor(missing);
    assert.equal(report.ok, false);
    assert.match(check(report, 'root exists').fix!, /mkdir -p/);
    const cliDir = tmp.make('rs-cli');
    const cli = await buildCli(cliDir);
    const r = await run(process.execPath, [cli, 'doctor', missing]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL {2}root exists/);
    const { root } = await healthyRoot();
    const ok = await run(process.execPath, [cli, 'doctor', root, '--json']);
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(JSON.parse(ok.stdout).ok, true);
  });
});
