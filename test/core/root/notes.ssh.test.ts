import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { startSshd, TestSshd } from '../../support/sshd';
import { notesSuite } from './notesSuite';

describe('snapshot notes: hostile or damaged (remote root, real sshd)', function () {
  this.timeout(120_000);
  let sshd: TestSshd;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
  });
  notesSuite({ reach: () => ({ sshCommand: sshd.sshCommand }), specOf: (root) => `${sshd.host}:${root}`, where: (file) => `${file} on ${sshd.host}` });
});
