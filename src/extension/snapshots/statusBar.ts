import * as vscode from 'vscode';
import type { SnapshotMeta } from '../../core/root/notes';
import { plural } from '../../core/util/format';
import type { ChangeTracker } from '../automatic/changeTracker';
import { folderRoot } from '../settings/settings';
import { SnapshotRunner } from './snapshotRunner';
import { relativeAge, shortDateTime } from '../timeFormat';

interface LastSnapshot {
  name: string;
  time: Date;
  meta?: SnapshotMeta;
}

/** Remote roots have no watcher: read again this often while the status bar shows. */
const REMOTE_REREAD_MS = 120_000;

/**
 * Time since the last snapshot, its label and — with automatic history on — how many paths changed since (the file
 * watcher); click to take one; a spinner while one runs. Reads each folder's root itself (latest and its notes), not
 * the view's cache: right with the view closed, after a CLI or cron snapshot into the same root (reload() from the root
 * watcher), and for remote roots (re-read every 2 minutes). Reads nothing until engage(): automatic history is on, the
 * view was opened, or a snapshot ran in this window.
 */
export class SnapshotStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rsyncSnapshots.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;
  private last = new Map<string, LastSnapshot | undefined>();
  private engaged = false;
  private lastRemoteRead = 0;
  private reading: Promise<void> | undefined;
  private readAgain = false;

  constructor(
    private readonly runner: SnapshotRunner,
    private readonly tracker: ChangeTracker,
    private readonly historyOn: (folder: vscode.WorkspaceFolder) => boolean,
  ) {
    this.item.name = 'Rsync Snapshots';
    this.item.command = 'rsyncSnapshots.snapshotWorkspace';
    this.disposables.push(
      runner.onDidChange(({ result }) => (result ? this.reload() : this.render())),
      tracker.onDidChange(() => this.render()),
    );
    this.timer = setInterval(() => {
      if (this.engaged && Date.now() - this.lastRemoteRead > REMOTE_REREAD_MS && this.hasRemoteRoot()) void this.reload();
      this.render();
    }, 60_000);
  }

  /** Shows the item and reads the roots (once; later reads come from reload()). */
  engage(): void {
    if (this.engaged) return;
    this.engaged = true;
    this.item.show();
    void this.reload();
  }

  /** Reads each folder's latest snapshot and its notes again (a new snapshot, another root, a CLI run). */
  reload(): Promise<void> {
    if (!this.engaged) return Promise.resolve();
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        await this.read();
      } while (this.readAgain);
    })().finally(() => {
      this.reading = undefined;
      this.render();
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    this.lastRemoteRead = Date.now();
    const last = new Map<string, LastSnapshot | undefined>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      try {
        const root = folderRoot(folder);
        const listing = await root.list();
        const newest = listing.latest ?? listing.snapshots[listing.snapshots.length - 1];
        last.set(folder.uri.toString(), newest && { name: newest.name, time: newest.time, meta: await root.notes.read(newest.name) });
      } catch {
        last.set(folder.uri.toString(), undefined); // no root yet, or unreachable: "no snapshot"
      }
    }
    this.last = last;
  }

  private hasRemoteRoot(): boolean {
    return (vscode.workspace.workspaceFolders ?? []).some((f) => {
      try {
        return folderRoot(f).kind === 'ssh';
      } catch {
        return false;
      }
    });
  }

  /** The text as it stands now (also read by the integration tests). */
  get text(): string {
    return this.item.text;
  }

  render(): void {
    if (!this.engaged) return;
    this.item.backgroundColor = undefined;
    if (this.runner.isRunning) {
      this.item.text = '$(sync~spin) Snapshot…';
      this.item.tooltip = 'A snapshot is running';
      return;
    }
    // Below the free-space floor: one warning that stays, instead of a toast per automatic run.
    const noRoom = [...this.runner.noRoom.values()][0];
    if (noRoom) {
      this.item.text = '$(warning) No room: history paused';
      this.item.tooltip = `${noRoom}\n\nAutomatic history resumes by itself once there is room. Click to try a snapshot now.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      return;
    }
    let newest: LastSnapshot | undefined;
    for (const last of this.last.values()) if (last && (!newest || last.time > newest.time)) newest = last;
    let changes: number | undefined;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (!this.historyOn(folder)) continue;
      const state = this.tracker.state(folder);
      if (state.since) changes = (changes ?? 0) + state.changes;
    }
    const label = newest?.meta?.label;
    const parts = [
      newest ? relativeAge(newest.time) : 'no snapshot',
      label ? (label.length > 30 ? `${label.slice(0, 29)}…` : label) : '',
      changes !== undefined ? `${changes} change${changes === 1 ? '' : 's'} since` : '',
    ];
    this.item.text = `$(history) ${parts.filter(Boolean).join(' · ')}`;
    this.item.tooltip = newest
      ? `Last snapshot ${shortDateTime(newest.time, true)}${label ? ` “${label}”` : ''}${changes !== undefined ? `; ${plural(changes, 'path')} changed since (automatic history on)` : ''} — click to take one now`
      : 'No snapshot yet — click to take one';
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
