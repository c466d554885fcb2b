import * as vscode from 'vscode';
import { canStep, diffPosition } from './compare';
import { isSnapshotUri } from './snapshotUri';

/** What the older/newer buttons and Alt+, / Alt+. may do in the active tab. */
export interface SnapshotDiffState {
  inSnapshotDiff: boolean;
  hasOlder: boolean;
  hasNewer: boolean;
}

/**
 * Keeps the context keys of a diff whose left side is a snapshot version up to date with the active tab:
 * `rsyncSnapshots.inSnapshotDiff` shows the older/newer buttons and keys; `rsyncSnapshots.hasOlderVersion` /
 * `hasNewerVersion` enable them, so at either end of the history they are greyed out instead of answering with a
 * notification.
 */
export class SnapshotDiffContext implements vscode.Disposable {
  state: SnapshotDiffState = { inSnapshotDiff: false, hasOlder: false, hasNewer: false };
  private readonly subscriptions: vscode.Disposable[];
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<SnapshotDiffState>();
  /** Fires once the keys match the active tab. */
  readonly onDidChange = this.changed.event;

  constructor() {
    this.subscriptions = [vscode.window.tabGroups.onDidChangeTabs(() => this.update()), vscode.window.tabGroups.onDidChangeTabGroups(() => this.update()), this.changed];
    void this.update();
  }

  async update(): Promise<void> {
    const generation = ++this.generation;
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const inSnapshotDiff = input instanceof vscode.TabInputTextDiff && isSnapshotUri(input.original);
    // The buttons show at once; whether they are enabled follows once the file's history is read.
    await this.set({ inSnapshotDiff, hasOlder: false, hasNewer: false }, generation, !inSnapshotDiff);
    if (!inSnapshotDiff) return;
    const at = await diffPosition(input).catch(() => undefined);
    await this.set({ inSnapshotDiff, hasOlder: !!at && canStep(at, -1), hasNewer: !!at && canStep(at, 1) }, generation, true);
  }

  private async set(state: SnapshotDiffState, generation: number, final: boolean): Promise<void> {
    if (generation !== this.generation) return; // a newer tab change took over
    this.state = state;
    await Promise.all([
      vscode.commands.executeCommand('setContext', 'rsyncSnapshots.inSnapshotDiff', state.inSnapshotDiff),
      vscode.commands.executeCommand('setContext', 'rsyncSnapshots.hasOlderVersion', state.hasOlder),
      vscode.commands.executeCommand('setContext', 'rsyncSnapshots.hasNewerVersion', state.hasNewer),
    ]);
    if (final && generation === this.generation) this.changed.fire(state);
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
  }
}
