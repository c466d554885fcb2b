import path from 'node:path';
import * as vscode from 'vscode';
import type { Feature, Services } from '../services';
import type { SnapshotsNode } from '../snapshots/snapshotsTree';
import { compareWithPreviousVersion, compareWithSnapshot, stepVersion } from './compare';
import { compareVersionWithWorking, copyVersionPath, openVersion, showBlockChange, showFileHistory, showSelectionHistory, showVersionChanges } from './fileHistoryCommands';
import { FileHistoryProvider } from './fileHistoryView';
import { SnapshotDiffContext } from './snapshotDiffContext';
import { SnapshotFileSystemProvider } from './snapshotFileSystem';
import { SNAPSHOT_SCHEME, toSnapshotUri } from './snapshotUri';
import { compareSnapshotWithWorkspace, findDeletedFiles, openSnapshotChanges } from './workspaceChanges';

/** File History, compare (with a snapshot, the previous version, the workspace), older/newer, and the rsync-snapshot: file system. */
export function registerHistory(s: Services): Feature & { history: FileHistoryProvider; historyView: vscode.TreeView<unknown>; diffContext: SnapshotDiffContext } {
  const history = new FileHistoryProvider();
  const historyView = vscode.window.createTreeView('rsyncSnapshots.fileHistory', { treeDataProvider: history });
  history.onDidRetarget = (target, selection) => {
    historyView.description = target ? path.basename(target.rel) : undefined;
    historyView.message = selection ? `Versions in which lines ${selection.lines.start}–${selection.lines.end} changed, newest first` : undefined;
    vscode.commands.executeCommand('setContext', 'rsyncSnapshots.selectionHistory', Boolean(selection));
  };
  history.follow(vscode.window.activeTextEditor?.document.uri);
  const diffContext = new SnapshotDiffContext();
  return {
    history,
    historyView: historyView as vscode.TreeView<unknown>,
    diffContext,
    disposables: [
      history,
      historyView,
      diffContext,
      vscode.window.onDidChangeActiveTextEditor((editor) => history.follow(editor?.document.uri)),
      vscode.workspace.onDidSaveTextDocument((doc) => history.saved(doc.uri)),
      vscode.workspace.registerFileSystemProvider(SNAPSHOT_SCHEME, new SnapshotFileSystemProvider(), { isReadonly: true, isCaseSensitive: true }),
      s.onRefreshViews(() => history.invalidate()),
      s.onSettingsChanged(() => history.invalidate()),
    ],
    commands: [
      { id: 'rsyncSnapshots.showFileHistory', run: (uri?: vscode.Uri) => showFileHistory(history, uri instanceof vscode.Uri ? uri : undefined) },
      { id: 'rsyncSnapshots.showSelectionHistory', run: () => showSelectionHistory(history) },
      { id: 'rsyncSnapshots.history.wholeFile', run: () => history.showWholeFile() },
      { id: 'rsyncSnapshots.history.showChanges', run: (node?: unknown) => showVersionChanges(node) },
      { id: 'rsyncSnapshots.history.compareWithWorking', run: (node?: unknown) => compareVersionWithWorking(node) },
      { id: 'rsyncSnapshots.history.open', run: (node?: unknown) => openVersion(node) },
      { id: 'rsyncSnapshots.history.copyPath', run: (node?: unknown) => copyVersionPath(node) },
      { id: 'rsyncSnapshots.history.showBlock', run: (node?: unknown) => showBlockChange(node) },
      { id: 'rsyncSnapshots.compareWithSnapshot', run: (uri?: vscode.Uri) => compareWithSnapshot(uri instanceof vscode.Uri ? uri : undefined, s.hooks) },
      { id: 'rsyncSnapshots.compareWithPreviousVersion', run: (arg?: vscode.Uri | SnapshotsNode) => compareWithPreviousVersion(nodeUri(arg)) },
      { id: 'rsyncSnapshots.olderVersion', run: () => stepVersion(-1) },
      { id: 'rsyncSnapshots.newerVersion', run: () => stepVersion(1) },
      { id: 'rsyncSnapshots.compareWithWorkspace', run: (node?: SnapshotsNode) => compareSnapshotWithWorkspace(node) },
      { id: 'rsyncSnapshots.openChanges', run: (node?: SnapshotsNode) => openSnapshotChanges(node) },
      { id: 'rsyncSnapshots.findDeletedFiles', run: () => findDeletedFiles(undefined, s.hooks) },
    ],
  };
}

/** A tree item or a URI, as menus pass them, to the snapshot URI it stands for. */
function nodeUri(arg?: vscode.Uri | SnapshotsNode): vscode.Uri | undefined {
  if (!arg || arg instanceof vscode.Uri) return arg;
  return arg.kind === 'entry' || arg.kind === 'changed' ? toSnapshotUri({ root: arg.root, snapshot: arg.snapshot.name, path: arg.path }) : undefined;
}
