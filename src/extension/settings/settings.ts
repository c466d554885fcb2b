import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_STRATEGY, type PrunePolicy } from '../../core/prune/policy';
import type { BackupRoot } from '../../core/root/backupRoot';
import { closeRoots, openRoot } from '../../core/root/open';
import { Logger, silentLogger } from '../../core/util/logger';

export const SECTION = 'rsyncSnapshots';

export interface FolderSettings {
  /** The root as configured, resolved: an absolute local path or the canonical `[user@]host:/path` (as given when it cannot be read). */
  backupRoot: string;
  /** True when the root is the zero-configuration default (created on first use). */
  defaultRoot: boolean;
  excludes: string[];
  oneFileSystem: boolean;
  autoSnapshotMinutes: number;
  snapshotAfterSaveIdleSeconds: number;
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
  'retention.thinAutomaticHistory',
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
  const trusted = vscode.workspace.isTrusted;
  const { spec, configured } = configuredRoot(folder);
  let backupRoot = spec;
  try {
    backupRoot = folderRoot(folder).spec;
  } catch {
    // not a valid root: kept as written, so the error shows where it is used
  }
  return {
    backupRoot,
    defaultRoot: !configured,
    excludes: restricted<string[]>(config, 'excludes', []),
    oneFileSystem: restricted(config, 'oneFileSystem', false),
    // Nothing runs on its own in Restricted Mode, whoever set the schedule.
    autoSnapshotMinutes: trusted ? restricted(config, 'autoSnapshotMinutes', 0) : 0,
    snapshotAfterSaveIdleSeconds: trusted ? restricted(config, 'snapshotAfterSaveIdleSeconds', 0) : 0,
  };
}

/** A program setting (machine-scoped; ignored in an untrusted workspace): undefined → the default. */
function programSetting(key: 'rsyncPath' | 'sshCommand'): string | undefined {
  if (!vscode.workspace.isTrusted) return undefined;
  return vscode.workspace.getConfiguration(SECTION).get<string>(key, '').trim() || undefined;
}

let rootLogger: Logger = silentLogger;
const opened = new Map<string, BackupRoot>();

/** Where opened roots log (the extension's output channel). */
export function setRootLogger(logger: Logger): void {
  rootLogger = logger;
}

/**
 * The opened root for a spec — a folder's setting, or the root a snapshot URI names — with this machine's rsync path
 * and ssh command (both ignored in Restricted Mode). One opened root per spec and programs: its ssh connection is shared.
 * A relative local spec is taken relative to `relativeTo` (the workspace folder). Throws BAD_INPUT for a spec that is
 * no root.
 */
export function openedRoot(spec: string, relativeTo?: string): BackupRoot {
  const rsyncPath = programSetting('rsyncPath');
  const sshCommand = programSetting('sshCommand');
  const key = JSON.stringify([spec, relativeTo ?? '', rsyncPath ?? '', sshCommand ?? '']);
  let root = opened.get(key);
  if (!root) {
    root = openRoot(spec, { rsyncPath, sshCommand, logger: rootLogger, relativeTo });
    opened.set(key, root);
  }
  return root;
}

/** The opened root of a workspace folder's settings (the one place settings become a root). */
export function folderRoot(folder: vscode.WorkspaceFolder): BackupRoot {
  return openedRoot(configuredRoot(folder).spec, folder.uri.fsPath);
}

/** rsyncSnapshots.backupRoot as the folder's settings give it (`~` expanded), or the per-folder default. */
function configuredRoot(folder: vscode.WorkspaceFolder): { spec: string; configured: boolean } {
  const configured = restricted(vscode.workspace.getConfiguration(SECTION, folder.uri), 'backupRoot', '').trim();
  return { spec: configured ? expandHome(configured) : defaultBackupRoot(folder.uri), configured: Boolean(configured) };
}

/** Ends the shared connections of every opened root (deactivate). */
export async function closeOpenedRoots(): Promise<void> {
  opened.clear();
  await closeRoots();
}

export interface RetentionSettings {
  /** The policy of rsyncSnapshots.retention.*, or undefined when no rule is set. */
  policy?: PrunePolicy;
  /** Prune after each snapshot without asking (never in Restricted Mode). */
  applyAfterSnapshot: boolean;
  /** The strategy that thins automatic history after each automatic snapshot; undefined: keep every one. */
  thinning?: string;
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
    thinning: restricted(config, 'retention.thinAutomaticHistory', DEFAULT_STRATEGY).trim() || undefined,
  };
}
