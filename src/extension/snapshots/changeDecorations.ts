import * as vscode from 'vscode';
import { ChangeKind, fromSnapshotUri, isSnapshotUri } from '../history/snapshotUri';

const DECORATION: Record<ChangeKind, vscode.FileDecoration> = {
  A: new vscode.FileDecoration('A', 'Added in this snapshot', new vscode.ThemeColor('gitDecoration.addedResourceForeground')),
  M: new vscode.FileDecoration('M', 'Modified in this snapshot', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground')),
  D: new vscode.FileDecoration('D', 'Deleted in this snapshot', new vscode.ThemeColor('gitDecoration.deletedResourceForeground')),
};

/** The usual A/M/D badges on the items of "Changed in this snapshot". */
export class ChangeDecorationProvider implements vscode.FileDecorationProvider {
  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (!isSnapshotUri(uri)) return undefined;
    try {
      const { change } = fromSnapshotUri(uri);
      return change ? DECORATION[change] : undefined;
    } catch {
      return undefined;
    }
  }
}
