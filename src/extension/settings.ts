import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { PrunePolicy } from '../core/prune/policy';
import { isRemoteRootSpec } from '../core/root/location';

export const SECTION = 'rsyncSnapshots';

export interface FolderSettings {
  /** Absolute local path or `[user@]host:/path`. */
  backupRoot: string;
  /** True when the root is the zero-configuration default (created on first use). */
  defaultRoot: boolean;
  excludes: string[];
  oneFileSystem: boolean;
  autoSnapshotMinutes: number;
  snapshotAfterSaveIdleSeconds: number;
  /** Program paths: only honored in a trusted workspace. */
  rsyncPath?: string;
  sshCommand?: string;
}

/** `~/.local/share/rsync-snapshots/<folder name>-<short hash of its path>` (XDG_DATA_HOME honored). */
export function defaultBackupRoot(folder: vscode.Uri): string {
  const dataHome = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  const hash = createHash('sha256').update(folder.fsPath).digest('hex').slice(0, 8);
  const name = path.basename(folder.fsPath).replace(/[^\w.-]+/g, '_') || 'workspace';
  return path.join(dataHome, 'rsync-snapshots', `${name}-${hash}`);
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/**
 * Settings that decide where we write or what we delete. Declared in package.json's restrictedConfigurations: in an
 * untrusted workspace (Restricted Mode) only their user values and defaults count, never the folder's own
 * `.vscode/settings.json`, so a cloned repository cannot aim us at someone's backups.
 */
export const RESTRICTED_SETTINGS = [
  'backupRoot',
  'excludes',
  'oneFileSystem',
  'autoSnapshotMinutes',
  'snapshotAfterSaveIdleSeconds',
  'retention.keepLast',
  'retention.olderThan',
  'retention.strategy',
  'retention.applyAfterSnapshot',
] as const;
type RestrictedSetting = (typeof RESTRICTED_SETTINGS)[number];

/**
 * A restricted setting's value: everything when the workspace is trusted; else the user value or the default. (VS Code
 * itself hides workspace values of declared restricted settings in Restricted Mode; this holds even if it did not.)
 */
function restricted<T>(config: vscode.WorkspaceConfiguration, key: RestrictedSetting, fallback: T): T {
  if (vscode.workspace.isTrusted) return config.get<T>(key, fallback);
  const values = config.inspect<T>(key);
  return values?.globalValue ?? values?.defaultValue ?? fallback;
}

export function readSettings(folder: vscode.WorkspaceFolder): FolderSettings {
  const config = vscode.workspace.getConfiguration(SECTION, folder.uri);
  const configured = restricted(config, 'backupRoot', '').trim();
  const trusted = vscode.workspace.isTrusted;
  const program = (key: string) => (trusted ? config.get<string>(key, '').trim() || undefined : undefined);
  let backupRoot = configured ? expandHome(configured) : defaultBackupRoot(folder.uri);
  // A relative local root is taken relative to the workspace folder.
  if (configured && !path.isAbsolute(backupRoot) && !isRemoteRootSpec(backupRoot)) backupRoot = path.resolve(folder.uri.fsPath, backupRoot);
  return {
    backupRoot,
    defaultRoot: !configured,
    excludes: restricted<string[]>(config, 'excludes', []),
    oneFileSystem: restricted(config, 'oneFileSystem', false),
    // Nothing runs on its own in Restricted Mode, whoever set the schedule.
    autoSnapshotMinutes: trusted ? restricted(config, 'autoSnapshotMinutes', 0) : 0,
    snapshotAfterSaveIdleSeconds: trusted ? restricted(config, 'snapshotAfterSaveIdleSeconds', 0) : 0,
    rsyncPath: program('rsyncPath'),
    sshCommand: program('sshCommand'),
  };
}

/** The ssh command for remote roots (machine-scoped; ignored in an untrusted workspace): undefined → $RSYNC_RSH, then ssh. */
export function sshCommandSetting(): string | undefined {
  if (!vscode.workspace.isTrusted) return undefined;
  return vscode.workspace.getConfiguration(SECTION).get<string>('sshCommand', '').trim() || undefined;
}

export interface RetentionSettings {
  /** The policy of rsyncSnapshots.retention.*, or undefined when no rule is set. */
  policy?: PrunePolicy;
  /** Prune after each snapshot without asking (never in Restricted Mode). */
  applyAfterSnapshot: boolean;
}

export function readRetention(folder: vscode.WorkspaceFolder): RetentionSettings {
  const config = vscode.workspace.getConfiguration(SECTION, folder.uri);
  const policy: PrunePolicy = {
    keepLast: restricted(config, 'retention.keepLast', 0) || undefined,
    olderThan: restricted(config, 'retention.olderThan', '').trim() || undefined,
    strategy: restricted(config, 'retention.strategy', '').trim() || undefined,
  };
  return {
    policy: policy.keepLast || policy.olderThan || policy.strategy ? policy : undefined,
    applyAfterSnapshot: vscode.workspace.isTrusted && restricted(config, 'retention.applyAfterSnapshot', false),
  };
}
