import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { isRemoteRootSpec } from '../core/remote/rootLocation';

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

export function readSettings(folder: vscode.WorkspaceFolder): FolderSettings {
  const config = vscode.workspace.getConfiguration(SECTION, folder.uri);
  const configured = config.get<string>('backupRoot', '').trim();
  const trusted = vscode.workspace.isTrusted;
  const program = (key: string) => (trusted ? config.get<string>(key, '').trim() || undefined : undefined);
  let backupRoot = configured ? expandHome(configured) : defaultBackupRoot(folder.uri);
  // A relative local root is taken relative to the workspace folder.
  if (configured && !path.isAbsolute(backupRoot) && !isRemoteRootSpec(backupRoot)) backupRoot = path.resolve(folder.uri.fsPath, backupRoot);
  return {
    backupRoot,
    defaultRoot: !configured,
    excludes: config.get<string[]>('excludes', []),
    oneFileSystem: config.get<boolean>('oneFileSystem', false),
    autoSnapshotMinutes: config.get<number>('autoSnapshotMinutes', 0),
    snapshotAfterSaveIdleSeconds: config.get<number>('snapshotAfterSaveIdleSeconds', 0),
    rsyncPath: program('rsyncPath'),
    sshCommand: program('sshCommand'),
  };
}

/** The ssh command for remote roots (machine-scoped; ignored in an untrusted workspace): undefined → $RSYNC_RSH, then ssh. */
export function sshCommandSetting(): string | undefined {
  if (!vscode.workspace.isTrusted) return undefined;
  return vscode.workspace.getConfiguration(SECTION).get<string>('sshCommand', '').trim() || undefined;
}
