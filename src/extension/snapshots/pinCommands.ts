import * as vscode from 'vscode';
import { PinResult, setPinned } from '../../core/pin/pin';
import { SnapshotError } from '../../core/util/errors';
import { openedRoot } from '../settings/settings';
import { snapshotDateTime } from '../timeFormat';
import type { SnapshotsNode } from './snapshotsTree';

/** "Pin (keep forever)" / "Unpin" on a snapshot of the Snapshots view: sets `pinned` in its notes, then refreshes the view. */
export async function pinSnapshot(node: SnapshotsNode | undefined, pinned: boolean, refresh: () => void): Promise<PinResult> {
  if (node?.kind !== 'snapshot') throw new SnapshotError('BAD_INPUT', `${pinned ? 'Pin' : 'Unpin'} a snapshot from the Snapshots view (right-click it).`);
  const result = await setPinned(openedRoot(node.root), node.snapshot.name, pinned);
  refresh();
  vscode.window.setStatusBarMessage(
    pinned ? `Pinned ${snapshotDateTime(result.snapshot)}: prune and retention keep it.` : `Unpinned ${snapshotDateTime(result.snapshot)}: prune and retention may delete it again.`,
    5000,
  );
  return result;
}
