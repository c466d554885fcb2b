import type { Logger } from '../../util/logger';
import type { RemoteRootLocation } from '../location';
import type { SshTransport } from './transport';

/** What every part of an ssh root shares: where the root is and the one transport (one shared connection). */
export interface Ssh {
  location: RemoteRootLocation;
  transport: SshTransport;
  logger: Logger;
}
