import * as vscode from 'vscode';
import type { RestoreResult } from '../../core/restore/apply';
import type { UndoRestore } from '../../core/restore/undo';
import { plural } from '../../core/util/format';
import { restoreArgument } from '../history/fileHistoryCommands';
import type { Feature, Services } from '../services';
import { snapshotDateTime } from '../timeFormat';
import { restoreFromSnapshot, undoRestore } from './restoreCommands';
import { RestorePanel } from './restorePanel';

/** Restore / Restore as copy / Undo restore, from the Explorer, the Snapshots view, File History and the palette. */
export function registerRestore(s: Services): Feature & { restorePanel(): RestorePanel | undefined } {
  const onApplied = (result: RestoreResult) => {
    s.refreshViews();
    const summary = `Restored ${plural(result.restored.length, 'item')}${result.deleted.length ? `, deleted ${result.deleted.length}` : ''}${result.failed.length ? `; ${result.failed.length} failed (see the restore panel)` : ''}.`;
    const note = result.safetySnapshot ? `${summary} The previous state is in safety snapshot ${snapshotDateTime(result.safetySnapshot)}.` : summary;
    const actions = [...(result.undo ? ['Undo Restore'] : []), ...(result.safetySnapshot ? ['Show Safety Snapshot'] : [])];
    const show = result.failed.length ? vscode.window.showErrorMessage(note, ...actions) : vscode.window.showInformationMessage(note, ...actions);
    show.then((choice) => {
      if (choice === 'Undo Restore') vscode.commands.executeCommand('rsyncSnapshots.undoRestore', result.undo);
      else if (choice) vscode.commands.executeCommand('rsyncSnapshots.revealSnapshot', result.safetySnapshotRoot, result.safetySnapshot);
    });
  };
  const restoreContext = { extensionUri: s.context.extensionUri, logger: s.logger, hooks: s.hooks, onApplied };
  return {
    restorePanel: () => RestorePanel.latest,
    disposables: [],
    commands: [
      { id: 'rsyncSnapshots.restore', run: (arg?: unknown) => restoreFromSnapshot(arg, restoreContext, false) },
      { id: 'rsyncSnapshots.restoreAsCopy', run: (arg?: unknown) => restoreFromSnapshot(arg, restoreContext, true) },
      { id: 'rsyncSnapshots.history.restore', run: (node?: unknown) => restoreFromSnapshot(restoreArgument(node), restoreContext, false) },
      { id: 'rsyncSnapshots.undoRestore', run: (undo?: UndoRestore) => undoRestore(undo, restoreContext) },
    ],
  };
}
