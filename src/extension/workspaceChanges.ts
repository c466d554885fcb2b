import path from 'node:path';
import * as vscode from 'vscode';
import { toAbortSignal } from './cancellation';
import type { Snapshot } from '../core/root/listing';
import { changes } from '../core/changes/changes';
import { SnapshotError } from '../core/util/errors';
import { parseSnapshotName } from '../core/root/format';
import { showBytes } from '../core/util/nameBytes';
import { openDiff } from './compare';
import { pickWorkspaceFolder } from './pickFolder';
import { folderRoot, openedRoot, readSettings } from './settings';
import type { SnapshotsNode } from './snapshotsTree';
import { toSnapshotUri } from './snapshotUri';
import { shortDateTime } from './timeFormat';

export interface PathPickItem extends vscode.QuickPickItem {
  path: string;
  change: 'A' | 'M' | 'D';
  snapshot: string;
}

/** Lets the integration tests choose in these quick picks (and read their items) without a person. */
export interface PathPickHooks {
  pickPath?: (items: PathPickItem[]) => PathPickItem | undefined;
}

const ICON = { A: '$(diff-added)', M: '$(diff-modified)', D: '$(diff-removed)' };

async function choose(items: PathPickItem[], placeHolder: string, hooks: PathPickHooks): Promise<PathPickItem | undefined> {
  return hooks.pickPath ? hooks.pickPath(items) : vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
}

/**
 * "Compare with workspace" on a snapshot: what differs between it and the working folder (A = only in the
 * workspace, M = different, D = only in the snapshot); a modified file opens as a diff.
 */
export async function compareSnapshotWithWorkspace(node: SnapshotsNode | undefined, hooks: PathPickHooks): Promise<PathPickItem[]> {
  if (!node || node.kind !== 'snapshot') throw new SnapshotError('BAD_INPUT', 'Run "Compare with workspace" on a snapshot in the Snapshots view.');
  const folder = node.folder;
  const settings = readSettings(folder);
  const set = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Comparing ${node.snapshot.name} with ${folder.name}…`, cancellable: true },
    async (progress, token) => {
      const signal = toAbortSignal(token);
      const compare = (checksum: boolean) => changes(openedRoot(node.root), node.snapshot.name, { working: folder.uri.fsPath }, { exclude: settings.excludes, signal, checksum });
      const quick = await compare(false);
      if (quick.added.length || quick.modified.length || quick.deleted.length) return quick;
      // "Identical" is only said after the bytes were compared: an edit that kept size and mtime is invisible to the quick check.
      progress.report({ message: 'comparing contents…' });
      return compare(true);
    },
  );
  const items: PathPickItem[] = [
    ...set.modified.map((p) => ({ p, change: 'M' as const, what: 'changed since the snapshot' })),
    ...set.added.map((p) => ({ p, change: 'A' as const, what: 'only in the workspace' })),
    ...set.deleted.map((p) => ({ p, change: 'D' as const, what: 'only in the snapshot (deleted since)' })),
  ].map(({ p, change, what }) => ({ label: `${ICON[change]} ${showBytes(p)}`, description: what, path: p, change, snapshot: node.snapshot.name }));
  if (!items.length) {
    vscode.window.showInformationMessage(`${folder.name} is identical to snapshot ${node.snapshot.name}, compared by content (excluded files aside).`);
    return items;
  }
  const picked = await choose(items, `${items.length} differences between ${node.snapshot.name} and ${folder.name}`, hooks);
  if (picked) await openPath(node.root, picked, folder);
  return items;
}

/** "Find deleted files in snapshots…": files some snapshot holds that the workspace no longer has; open one. */
export async function findDeletedFiles(given: vscode.WorkspaceFolder | undefined, hooks: PathPickHooks): Promise<PathPickItem[]> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return [];
  const settings = readSettings(folder);
  const root = folderRoot(folder);
  const listing = await root.list();
  const lastSeen = new Map<string, Snapshot>();
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Looking for deleted files in snapshots', cancellable: true }, async (progress, token) => {
    const signal = toAbortSignal(token);
    const newestFirst = [...listing.snapshots].reverse();
    for (const [i, snapshot] of newestFirst.entries()) {
      if (token.isCancellationRequested) break;
      progress.report({ message: `${snapshot.name} (${i + 1}/${newestFirst.length})`, increment: 100 / newestFirst.length });
      const set = await changes(root, snapshot.name, { working: folder.uri.fsPath }, { exclude: settings.excludes, signal });
      for (const p of set.deleted) if (!lastSeen.has(p)) lastSeen.set(p, snapshot);
    }
  });
  const items: PathPickItem[] = [...lastSeen.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([p, snapshot]) => ({
      label: `$(trash) ${showBytes(path.basename(p))}`,
      description: `${showBytes(p)} · last in ${shortDateTime(snapshot.time)}`,
      path: p,
      change: 'D',
      snapshot: snapshot.name,
    }));
  if (!items.length) {
    vscode.window.showInformationMessage(`No deleted files: every file in the snapshots of ${folder.name} still exists.`);
    return items;
  }
  const picked = await choose(items, `${items.length} files exist only in snapshots — pick one to open`, hooks);
  if (picked) {
    await openPath(listing.root, picked, folder);
    const uri = toSnapshotUri({ root: listing.root, snapshot: picked.snapshot, path: picked.path });
    vscode.window.showInformationMessage(`${picked.path} was deleted from the workspace. Restore it from snapshot ${picked.snapshot}?`, 'Restore…').then((choice) => {
      if (choice) vscode.commands.executeCommand('rsyncSnapshots.restore', uri);
    });
  }
  return items;
}

async function openPath(root: string, item: PathPickItem, folder: vscode.WorkspaceFolder): Promise<void> {
  const snapshotUri = toSnapshotUri({ root, snapshot: item.snapshot, path: item.path });
  const working = vscode.Uri.joinPath(folder.uri, item.path);
  if (item.change === 'M') {
    const name = path.basename(item.path);
    const time = parseSnapshotName(item.snapshot)?.time;
    await openDiff(snapshotUri, working, `${name} (${time ? shortDateTime(time) : item.snapshot}) ↔ ${name}`, (await vscode.workspace.fs.stat(snapshotUri)).size);
  } else {
    await vscode.commands.executeCommand('vscode.open', item.change === 'A' ? working : snapshotUri, { preview: true });
  }
}
