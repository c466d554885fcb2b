import type { Logger } from '../../util/logger';
import type { BackupRoot } from '../backupRoot';
import type { RemoteRootLocation } from '../location';
import { sshChanges } from './changes';
import { sshDoctor } from './doctor';
import { sshFiles } from './files';
import { listRemote, remotePath, remoteSpec } from './list';
import { acquireRemoteLock } from './lock';
import { sshNotes } from './notes';
import { sshPrune } from './prune';
import { sshRestore } from './restore';
import { sshRsync } from './rsync';
import { sshSnapshots } from './snapshot';
import type { Ssh } from './ssh';
import { SshTransport } from './transport';
import { measureRemoteUsage } from './usage';
import { sshVersions } from './versions';
import { sshSearch } from './search';

export interface SshRootOptions {
  sshCommand?: string;
  rsyncPath?: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  connectTimeoutSeconds?: number;
}

/**
 * A backup root on another host, `[user@]host:/path`: every job is a small fixed number of ssh calls (POSIX sh scripts
 * on the host, arguments as "$1"…, never parsed as code) over ONE shared connection, which rsync rides too.
 */
export function openSshRoot(location: RemoteRootLocation, options: SshRootOptions): BackupRoot {
  const transport = new SshTransport(location, { sshCommand: options.sshCommand, logger: options.logger, env: options.env, connectTimeoutSeconds: options.connectTimeoutSeconds });
  const ssh: Ssh = { location, transport, logger: options.logger };
  const files = sshFiles(ssh);
  return {
    kind: 'ssh',
    spec: location.spec,
    location,
    host: location.host,
    logger: options.logger,
    cliArgs: options.sshCommand ? ['--ssh-command', options.sshCommand] : [],
    pathOf: (...names) => remoteSpec(location, ...names),
    hostPath: (...names) => remotePath(location, ...names),
    list: (o) => listRemote(ssh, o?.signal),
    lock: (o) => acquireRemoteLock(ssh, o?.create ?? false, o?.operation),
    files,
    notes: sshNotes(ssh),
    rsync: sshRsync(ssh, options.rsyncPath),
    snapshots: sshSnapshots(ssh),
    prune: sshPrune(ssh),
    versions: sshVersions(ssh, files),
    changes: sshChanges(ssh),
    restore: sshRestore(ssh),
    usage: { measure: (o) => measureRemoteUsage(ssh, o) },
    doctor: sshDoctor(ssh),
    search: sshSearch(ssh),
    close: () => transport.close(),
  };
}
