import * as vscode from 'vscode';
import { isSnapshotError } from '../core/util/errors';

export interface CommandEntry {
  id: string;
  run: (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Messages the wrapper showed, newest last: read by the integration tests. */
export const shownErrors: string[] = [];

/**
 * Registers every command through one wrapper (git's commands.ts pattern): a failure becomes one clear
 * notification plus a log line, never a try/catch in each command. Cancellation is silent.
 */
export function registerCommandTable(entries: CommandEntry[], log: vscode.LogOutputChannel): vscode.Disposable[] {
  return entries.map(({ id, run }) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (err) {
        if (isSnapshotError(err, 'CANCELLED')) {
          log.info(err.message);
          vscode.window.showInformationMessage(err.message);
          return undefined;
        }
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${id}: ${err instanceof Error && !isSnapshotError(err) ? err.stack : message}`);
        shownErrors.push(message);
        const actions = isSnapshotError(err, 'ROOT_INVALID') || isSnapshotError(err, 'RSYNC_NOT_FOUND') ? ['Open Settings', 'Show Log'] : ['Show Log'];
        vscode.window.showErrorMessage(message, ...actions).then((choice) => {
          if (choice === 'Show Log') log.show();
          if (choice === 'Open Settings') vscode.commands.executeCommand('workbench.action.openSettings', 'rsyncSnapshots');
        });
        return undefined;
      }
    }),
  );
}
