import assert from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RsyncSnapshotsApi } from '../../src/extension/extension';
import type { SnapshotsNode } from '../../src/extension/snapshots/snapshotsTree';
import type { AutoOutcome } from '../../src/extension/automatic/autoSnapshot';

export const EXTENSION_ID = 'rsync-snapshots.rsync-snapshots';

/** Activates the extension (through its view, as a user would) and returns its test API. */
export async function activateExtension(): Promise<RsyncSnapshotsApi> {
  const ext = vscode.extensions.getExtension<RsyncSnapshotsApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  await vscode.commands.executeCommand('rsyncSnapshots.snapshots.focus');
  const api = ext.isActive ? ext.exports : await ext.activate();
  answerTakeAnyway(api);
  return api;
}

/** Suites that take snapshots back to back (nothing changed between them) answer "take one anyway?" with yes unless a test says otherwise. */
export function answerTakeAnyway(api: RsyncSnapshotsApi): void {
  api.hooks.takeAnyway ??= () => true;
}

export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace has no folder');
  return folder;
}

/** The backup root the tests use: the configured one, or a fresh temp folder set in user settings (never the real default under ~). */
export async function testBackupRoot(): Promise<string> {
  const config = vscode.workspace.getConfiguration('rsyncSnapshots');
  let root = config.get<string>('backupRoot', '');
  if (!root) {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ext-')), 'backups');
    await config.update('backupRoot', root, vscode.ConfigurationTarget.Global);
  }
  return root;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The Snapshots view's top rows with its time groups opened: what a test looking for a snapshot reads, whether the
 * root holds few snapshots (a flat list) or more than GROUP_AFTER (grouped by time).
 */
export async function treeRows(api: RsyncSnapshotsApi): Promise<SnapshotsNode[]> {
  const rows: SnapshotsNode[] = [];
  for (const node of await api.tree.getChildren()) rows.push(...(node.kind === 'group' ? await api.tree.getChildren(node) : [node]));
  return rows;
}

/**
 * One automatic run of `folder` after a change to `file` (written here): the file watcher reports the write a moment
 * later, so a run that still finds "nothing changed" is retried (with the file written again) for up to 15 s.
 */
export async function automaticRunAfterChange(api: RsyncSnapshotsApi, folder: vscode.WorkspaceFolder, file: string): Promise<AutoOutcome> {
  const start = Date.now();
  for (let i = 0; ; i++) {
    fs.writeFileSync(file, `changed ${Date.now()} ${i}\n`);
    await sleep(200);
    const outcome = await api.auto.run(folder, 'interval');
    if (!('unchanged' in outcome) || Date.now() - start > 15_000) return outcome;
  }
}
