import fs from 'node:fs';
import * as vscode from 'vscode';
import { folderRoot } from '../settings/settings';

/** Watches each local backup root's top level (not its tree) and calls onChange, debounced: new snapshots from cron or another window show up. */
export class RootWatcher implements vscode.Disposable {
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onChange: () => void) {
    this.rewatch();
  }

  /** (Re)creates the watchers, e.g. after the settings changed or a root was created. */
  rewatch(): void {
    this.close();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      let root: string | undefined;
      try {
        root = folderRoot(folder).localPath;
      } catch {
        continue; // not a valid root: the view says so
      }
      if (!root) continue; // remote: refreshed on demand (one ssh call)
      try {
        const watcher = fs.watch(root, { persistent: false }, () => this.fire());
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // root does not exist yet: watched after the first snapshot
      }
    }
  }

  private fire(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onChange, 300);
  }

  private close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.close();
  }
}
