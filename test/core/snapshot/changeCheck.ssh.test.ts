import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { startSshd, TestSshd } from '../../support/sshd';
import { changeCheckSuite } from './changeCheck.suite';

describe('change check and snapshot --if-changed (remote root, real sshd)', function () {
  this.timeout(120_000);
  let sshd: TestSshd;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
  });
  changeCheckSuite({ spec: (dir) => `${sshd.host}:${dir}`, reach: () => ({ sshCommand: sshd.sshCommand }), cliArgs: () => ['--ssh-command', sshd.sshCommand] });
});
