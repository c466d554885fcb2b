import * as vscode from 'vscode';
import { checkForChanges } from '../../core/snapshot/changeCheck';
import type { ChangeTracker } from './changeTracker';
import { folderRoot, readSettings } from '../settings/settings';

export interface Unchanged {
  /** The snapshot the folder still equals. */
  latest: string;
  /** How that is known: the editor's file watcher saw nothing (no rsync run), or one rsync --dry-run found nothing to copy. */
  how: 'watcher' | 'rsync check';
  /** Why the watcher alone could not tell (with `rsync check`). */
  unsure?: string;
}

/**
 * Whether `folder` still equals its latest snapshot. When the watcher is sure and `latest` still names the snapshot it
 * counts from, no rsync runs (local root: one readdir; remote: one listing). When the watcher is
 * unsure (restart, failure, blind spots), one rsync --dry-run decides, and its "nothing" makes the watcher sure again.
 * Undefined: something changed, or there is no snapshot to compare with.
 */
export async function unchangedSince(folder: vscode.WorkspaceFolder, tracker: ChangeTracker): Promise<Unchanged | undefined> {
  const root = folderRoot(folder);
  const known = tracker.state(folder);
  if (known.since) {
    // latest may have moved meanwhile (a CLI or cron run, a restore's safety snapshot): then only rsync can tell.
    const listing = await root.list();
    if (listing.latest?.name === known.since) return known.changes > 0 ? undefined : { latest: known.since, how: 'watcher' };
    known.unsure = `latest is ${listing.latest?.name ?? 'gone'} now`;
  }
  const settings = readSettings(folder);
  const begunAt = Date.now();
  const token = tracker.begin(folder);
  const check = await checkForChanges(root, { source: folder.uri.fsPath, excludes: settings.excludes, oneFileSystem: settings.oneFileSystem });
  if (check.changed || !check.latest) return undefined;
  tracker.confirm(folder, token, check.latest.name, begunAt);
  return { latest: check.latest.name, how: 'rsync check', unsure: known.unsure };
}
