import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { startSshd, TestSshd } from '../../support/sshd';
import { pinSuite } from './pinSuite';

describe('pin (remote root, real sshd)', function () {
  this.timeout(120_000);
  let sshd: TestSshd;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
  });
  pinSuite({ reach: () => ({ sshCommand: sshd.sshCommand }), specOf: (root) => `${sshd.host}:${root}` });
});
