import assert from 'node:assert/strict';
import path from 'node:path';
import { closeAllSshConnections, sshCounters } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { checkForChanges, takeSnapshot } from '../../support/core';
import { startSshd, TestSshd } from '../../support/sshd';
import { changeCheckSuite } from './changeCheck.suite';

describe('change check and snapshot --if-changed (remote root, real sshd)', function () {
  this.timeout(120_000);
  let sshd: TestSshd;
  const tmp = tempDirs();
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });
  changeCheckSuite({ spec: (dir) => `${sshd.host}:${dir}`, reach: () => ({ sshCommand: sshd.sshCommand }), cliArgs: () => ['--ssh-command', sshd.sshCommand] });

  it('costs two ssh processes on a warm connection: the listing and the rsync dry run', async () => {
    const base = tmp.make('rs-changecheck-count');
    const source = path.join(base, 'src');
    writeTree(source, { 'a.txt': 'alpha', 'sub/b.txt': 'bravo' });
    const spec = `${sshd.host}:${path.join(base, 'root')}`;
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true });
    const before = sshCounters.processesStarted;
    const result = await checkForChanges({ source, root: spec, sshCommand: sshd.sshCommand });
    assert.equal(result.changed, false, result.sample.join('\n'));
    assert.equal(sshCounters.processesStarted - before, 2);
  });
});
