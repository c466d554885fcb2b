import { useSshd } from '../../support/sshd';
import { pinSuite } from './pinSuite';

describe('pin (remote root, real sshd)', function () {
  this.timeout(120_000);
  const sshd = useSshd();
  pinSuite({ reach: () => ({ sshCommand: sshd.sshCommand }), specOf: (root) => `${sshd.host}:${root}` });
});
