import * as vscode from 'vscode';
import { SnapshotError } from '../../core/util/errors';

/** The folder a command acts on: the one given, the only one, the active editor's, or the user's pick. */
export async function pickWorkspaceFolder(given?: vscode.WorkspaceFolder | vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
  if (given && 'uri' in given) return given;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (given instanceof vscode.Uri) return vscode.workspace.getWorkspaceFolder(given);
  if (folders.length === 0) throw new SnapshotError('BAD_INPUT', 'Open a folder first: snapshots are taken of workspace folders.');
  if (folders.length === 1) return folders[0];
  const picked = await vscode.window.showQuickPick(
    folders.map((folder) => ({ label: folder.name, description: folder.uri.fsPath, folder })),
    { placeHolder: 'Which workspace folder?' },
  );
  return picked?.folder;
}
