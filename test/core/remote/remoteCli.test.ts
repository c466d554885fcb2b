import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { runCli } from '../../support/proc';
import { startSshd, TestSshd } from '../../support/sshd';
import { takeSnapshot } from '../../support/core';

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
    assert.deepEqual(prune.plan.delete.map((d: { name: string }) => d.name), ['2026-08-01T00-00-00']);
    const plan = await cli(['restore', spec, '2026-08-01T00-00-00', 'a.txt', path.join(source, 'a.txt'), '--dry-run']);
    assert.deepEqual(plan.items.map((i: { path: string; kind: string }) => [i.path, i.kind]), [['a.txt', 'overwrite']]);
    assert.equal(fs.readFileSync(path.join(source, 'a.txt'), 'utf8'), 'two!');
  });
});
