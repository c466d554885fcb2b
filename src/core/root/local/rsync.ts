import { SnapshotError } from '../../util/errors';
import { Logger } from '../../util/logger';
import { describeRsyncFailure, runRsync } from '../../util/rsync';
import { findExecutable } from '../../util/tools';
import type { RsyncAccess } from '../backupRoot';

/** rsync between local folders: no transport options, paths as they are. */
export function localRsync(rsyncPath: string | undefined, logger: Logger): RsyncAccess {
  const program = () => findExecutable('rsync', rsyncPath);
  return {
    program,
    transportArgs: () => [],
    arg: (hostPath) => hostPath,
    run: async (args, options) => runRsync(await program(), args, { ...options, logger }),
    failure: (run, what) => new SnapshotError('RSYNC_FAILED', `${what}: ${describeRsyncFailure(run)}.`, run.stderr.split('\n').filter(Boolean)),
  };
}
