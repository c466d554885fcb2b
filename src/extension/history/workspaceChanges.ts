import path from 'node:path';
import * as vscode from 'vscode';
import { toAbortSignal } from '../cancellation';
import type { Snapshot } from '../../core/root/listing';
import { changes } from '../../core/changes/changes';
import { SnapshotError } from '../../core/util/errors';
import { showBytes } from '../../core/util/nameBytes';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { folderRoot, openedRoot, readSettings } from '../settings/settings';
import type { SnapshotsNode } from '../snapshots/snapshotsTree';
import { toSnapshotUri, toSnapshotUriShownAt } from './snapshotUri';
import { shortDateTime, snapshotDateTime } from '../timeFormat';
import { snapshotFileTitle, WORKING_TREE } from './titles';
import { plural } from '../../core/util/format';

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

type ChangeRow = [resource: vscode.Uri, original: vscode.Uri | undefined, modified: vscode.Uri | undefined];

/** VS Code's multi-diff editor, as Git's "Open Changes": one row per file, original → modified (no side where the file does not exist). */
async function openChangesEditor(title: string, rows: ChangeRow[]): Promise<void> {
  await vscode.commands.executeCommand('vscode.changes', title, rows);
}

/**
 * "Compare with workspace" on a snapshot: every file that differs between it and the working folder, in one
 * multi-diff editor (A = only in the workspace, M = different, D = only in the snapshot).
 */
export async function compareSnapshotWithWorkspace(node: SnapshotsNode | undefined): Promise<PathPickItem[]> {
  if (!node || node.kind !== 'snapshot') throw new SnapshotError('BAD_INPUT', 'Run "Compare with Workspace" on a snapshot in the Snapshots view.');
  const folder = node.folder;
  const settings = readSettings(folder);
  const when = snapshotDateTime(node.snapshot.name);
  const set = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Comparing snapshot ${when} with ${folder.name}…`, cancellable: true },
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
    vscode.window.showInformationMessage(`${folder.name} is identical to snapshot ${when}, compared by content (excluded files aside).`);
    return items;
  }
  const rows = [...items]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((item): ChangeRow => {
      const working = vscode.Uri.joinPath(folder.uri, item.path);
      const inSnapshot = toSnapshotUriShownAt({ root: node.root, snapshot: item.snapshot, path: item.path }, working.path);
      return item.change === 'D' ? [inSnapshot, inSnapshot, undefined] : [working, item.change === 'M' ? inSnapshot : undefined, working];
    });
  await openChangesEditor(workspaceChangesTitle(node.snapshot.name), rows);
  return items;
}

/** The multi-diff editor's title for "Compare with workspace" (the editor adds the file count). */
export function workspaceChangesTitle(snapshot: string): string {
  return `${snapshotDateTime(snapshot)} ↔ ${WORKING_TREE}`;
}

/** The multi-diff editor's title for "Changed in this snapshot" (the editor adds the file count). */
export function snapshotChangesTitle(previous: string, snapshot: string): string {
  return `Changed in ${snapshotDateTime(snapshot)} since ${snapshotDateTime(previous)}`;
}

/** "Open changes" on "Changed in this snapshot": what changed since the previous snapshot, in one multi-diff editor. */
export async function openSnapshotChanges(node: SnapshotsNode | undefined): Promise<number> {
  if (!node || node.kind !== 'changes') throw new SnapshotError('BAD_INPUT', 'Run "Open Changes" on "Changed in this snapshot" in the Snapshots view.');
  const set = await changes(openedRoot(node.root), node.previous.name, node.snapshot.name);
  const at = (snapshot: string, p: string) => toSnapshotUri({ root: node.root, snapshot, path: p });
  const rows: [string, ChangeRow][] = [
    ...set.added.map((p): [string, ChangeRow] => [p, [at(node.snapshot.name, p), undefined, at(node.snapshot.name, p)]]),
    ...set.modified.map((p): [string, ChangeRow] => [p, [at(node.snapshot.name, p), at(node.previous.name, p), at(node.snapshot.name, p)]]),
    ...set.deleted.map((p): [string, ChangeRow] => [p, [at(node.previous.name, p), at(node.previous.name, p), undefined]]),
  ];
  if (!rows.length) {
    vscode.window.showInformationMessage(`No file changed between snapshots ${snapshotDateTime(node.previous.name)} and ${snapshotDateTime(node.snapshot.name)}.`);
    return 0;
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  await openChangesEditor(
    snapshotChangesTitle(node.previous.name, node.snapshot.name),
    rows.map(([, row]) => row),
  );
  return rows.length;
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
      progress.report({ message: `${snapshotDateTime(snapshot.name)} (${i + 1}/${newestFirst.length})`, increment: 100 / newestFirst.length });
      const set = await changes(root, snapshot.name, { working: folder.uri.fsPath }, { exclude: settings.excludes, signal });
      for (const p of set.deleted) if (!lastSeen.has(p)) lastSeen.set(p, snapshot);
    }
  });
  const items: PathPickItem[] = [...lastSeen.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([p, snapshot]) => ({
      label: `$(trash) ${showBytes(path.basename(p))}`,
      description: `${showBytes(p)} · last in ${shortDateTime(snapshot.time, true)}`,
      path: p,
      change: 'D',
      snapshot: snapshot.name,
    }));
  if (!items.length) {
    vscode.window.showInformationMessage(`No deleted files: every file in the snapshots of ${folder.name} still exists.`);
    return items;
  }
  const picked = await choose(items, `${plural(items.length, 'file')} exist only in snapshots — pick one to open`, hooks);
  if (picked) {
    const uri = toSnapshotUri({ root: listing.root, snapshot: picked.snapshot, path: picked.path });
    await vscode.commands.executeCommand('vscode.open', uri, { preview: true }, snapshotFileTitle(picked.path, picked.snapshot));
    vscode.window.showInformationMessage(`${picked.path} was deleted from the workspace. Restore it from snapshot ${snapshotDateTime(picked.snapshot)}?`, 'Restore…').then((choice) => {
      if (choice) vscode.commands.executeCommand('rsyncSnapshots.restore', uri);
    });
  }
  return items;
}
