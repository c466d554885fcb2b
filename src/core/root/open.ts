import path from 'node:path';
import { Logger, silentLogger } from '../util/logger';
import type { BackupRoot } from './backupRoot';
import { openLocalRoot } from './local/localRoot';
import { parseRootLocation } from './location';
import { openSshRoot } from './ssh/sshRoot';
import { closeAllSshConnections } from './ssh/transport';

export interface OpenRootOptions {
  /** ssh command for a remote root (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
  /** rsync program (default rsync on PATH). */
  rsyncPath?: string;
  logger?: Logger;
  /** A relative local root is taken relative to this folder (default: the current directory). */
  relativeTo?: string;
  /** Environment for ssh (tests). */
  env?: NodeJS.ProcessEnv;
  connectTimeoutSeconds?: number;
  /** Where change sets are cached when the root is not ours or not writable (default $XDG_CACHE_HOME/rsync-snapshots, else ~/.cache/rsync-snapshots). */
  cacheDir?: string;
}

/**
 * Opens a backup root: `/path` (or a relative path) is a folder of this machine, `[user@]host:/path` is on another host
 * over ssh. The ONE place that tells them apart: every feature works on the opened BackupRoot. Throws BAD_INPUT for an
 * empty spec and for hostile ones (a leading `-`, control characters, rsync daemon addresses) before anything runs.
 */
export function openRoot(spec: string, options: OpenRootOptions = {}): BackupRoot {
  const location = parseRootLocation(spec);
  const logger = options.logger ?? silentLogger;
  if (location.kind === 'remote')
    return openSshRoot(location, { sshCommand: options.sshCommand, rsyncPath: options.rsyncPath, logger, env: options.env, connectTimeoutSeconds: options.connectTimeoutSeconds });
  return openLocalRoot(options.relativeTo ? path.resolve(options.relativeTo, spec) : location.path, { rsyncPath: options.rsyncPath, logger, cacheDir: options.cacheDir });
}

/** Closes every shared connection opened roots keep (ssh ControlMaster): at the end of a CLI run, on deactivate, in tests. */
export function closeRoots(): Promise<void> {
  return closeAllSshConnections();
}
