import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { startSshd, TestSshd } from '../../support/sshd';
import { selectionHistorySuite } from './selectionHistory.suite';

describe('history of a selection (remote root, real sshd)', function () {
  this.timeout(120_000);
  let sshd: TestSshd;
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
  });
  selectionHistorySuite(async () => {
    sshd = await startSshd();
    return { spec: (root) => `${sshd.host}:${root}`, reach: { sshCommand: sshd.sshCommand } };
  });
});
