import { SnapshotError } from '../../util/errors';
import { describeRsyncFailure, runRsync } from '../../util/rsync';
import { findExecutable } from '../../util/tools';
import type { RsyncAccess } from '../backupRoot';
import { rsyncRemoteArg } from '../location';
import type { Ssh } from './ssh';
import { sshCounters } from './transport';

/**
 * rsync -s sends a pull's source path to the remote rsync, which still expands wildcards in it (verified: with -s,
 * `host:/x/a*b` also pulls `aXb`). A backslash before `*`, `?`, `[` or `\` makes it literal.
 */
export function escapeRemoteSource(remoteAbsPath: string): string {
  return remoteAbsPath.replace(/[*?[\\]/g, '\\$&');
}

/**
 * rsync to and from the host over the shared ssh connection: `-s` (--protect-args: paths and options travel inside
 * rsync's protocol, not through the remote shell, so spaces, quotes, ; and $() arrive verbatim) and `-e <our ssh>`.
 */
export function sshRsync({ location, transport, logger }: Ssh, rsyncPath: string | undefined): RsyncAccess {
  const program = () => findExecutable('rsync', rsyncPath);
  return {
    program,
    transportArgs: () => ['-s', '-e', transport.rsyncShell()],
    arg: (hostPath, role) => rsyncRemoteArg(location, role === 'source' ? escapeRemoteSource(hostPath) : hostPath),
    async run(args, options) {
      const rsync = await program();
      for (let attempt = 1; ; attempt++) {
        sshCounters.processesStarted++; // rsync's own ssh (through the shared connection)
        const run = await runRsync(rsync, args, { ...options, logger });
        // Turned away before login (a busy server): nothing was transferred, the same run is tried again.
        if (run.exitCode !== 255 || run.cancelled || !(await transport.retryAfterRefusal(run.stderr, attempt, options?.signal))) return run;
      }
    },
    failure(run, what) {
      if (run.exitCode === 255 || /ssh: |Host key verification failed|Permission denied \(/.test(run.stderr)) {
        const ssh = transport.failure(run.stderr);
        return new SnapshotError('SSH_FAILED', `${what}: ${ssh.message}`, ssh.details);
      }
      return new SnapshotError('RSYNC_FAILED', `${what}: ${describeRsyncFailure(run)}.`, run.stderr.split('\n').filter(Boolean));
    },
  };
}
