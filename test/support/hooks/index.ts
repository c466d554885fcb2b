// Mocha root hooks for the core suite (.mocharc.json "require"): end what the whole run shares.
import { stopSharedSshd } from '../sshd';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedSshd();
  },
};
