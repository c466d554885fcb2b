import * as vscode from 'vscode';
import { SnapshotRunner } from './snapshotRunner';
import { SnapshotsTreeProvider } from './snapshotsTree';
import { relativeAge, shortDateTime } from './timeFormat';

/** Time since the last snapshot; click to take one; a spinner while one runs. */
export class SnapshotStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rsyncSnapshots.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly runner: SnapshotRunner,
    private readonly tree: SnapshotsTreeProvider,
  ) {
    this.item.name = 'Rsync Snapshots';
    this.item.command = 'rsyncSnapshots.snapshotWorkspace';
    this.disposables.push(
      runner.onDidChange(() => this.update()),
      tree.onDidList(() => this.update()),
    );
    this.timer = setInterval(() => this.update(), 60_000);
    this.update();
    this.item.show();
  }

  private lastSnapshotTime(): Date | undefined {
    let newest: Date | undefined;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const listing = this.tree.cachedListing(folder);
      const time = listing?.snapshots[listing.snapshots.length - 1]?.time;
      if (time && (!newest || time > newest)) newest = time;
    }
    return newest;
  }

  update(): void {
    if (this.runner.isRunning) {
      this.item.text = '$(sync~spin) Snapshot…';
      this.item.tooltip = 'A snapshot is running';
      return;
    }
    const last = this.lastSnapshotTime();
    this.item.text = `$(history) ${last ? relativeAge(last) : 'no snapshot'}`;
    this.item.tooltip = last ? `Last snapshot ${shortDateTime(last, true)} — click to take one now` : 'No snapshot yet — click to take one';
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
