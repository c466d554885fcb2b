import * as vscode from 'vscode';
import { toAbortSignal } from '../cancellation';
import type { SnapshotUsage, UsageReport } from '../../core/usage/model';
import { usage } from '../../core/usage/usage';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { showReport } from './reportDocument';
import { folderRoot } from '../settings/settings';
import { usageMarkdown } from './usageReport';

/** Per-root usage figures the Snapshots view shows in descriptions and tooltips once measured. */
export class UsageFigures {
  private readonly byRoot = new Map<string, Map<string, SnapshotUsage>>();

  set(report: UsageReport): void {
    this.byRoot.set(report.root, new Map(report.snapshots.map((s) => [s.name, s])));
  }

  get(root: string, snapshot: string): SnapshotUsage | undefined {
    return this.byRoot.get(root)?.get(snapshot);
  }
}

/** "Show space usage": one pass over the root (hard links counted once; cached per finished snapshot), progress and cancel; then the report. */
export async function showSpaceUsage(figures: UsageFigures, refresh: () => void, given?: vscode.WorkspaceFolder): Promise<UsageReport | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const root = folderRoot(folder);
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Measuring snapshot space', cancellable: true }, (progress, token) => {
    const signal = toAbortSignal(token);
    let last = 0;
    return usage(root, {
      signal,
      onProgress: (p) => {
        const pct = (100 * p.done) / Math.max(1, p.total);
        progress.report({ message: `${p.done}/${p.total} snapshots${p.name ? ` · ${p.name}` : ''}`, increment: pct - last });
        last = pct;
      },
    });
  });
  figures.set(report);
  refresh();
  const { notes } = await root.notes.readAll().catch(() => ({ notes: new Map() }));
  await showReport('Snapshot space', usageMarkdown(report, notes));
  return report;
}
