import { useSshd } from '../../support/sshd';
import { notesSuite } from './notesSuite';

describe('snapshot notes: hostile or damaged (remote root, real sshd)', function () {
  this.timeout(120_000);
  const sshd = useSshd();
  notesSuite({ reach: () => ({ sshCommand: sshd.sshCommand }), specOf: (root) => `${sshd.host}:${root}`, where: (file) => `${file} on ${sshd.host}` });
});
