import * as vscode from 'vscode';

/** The AbortSignal the engine takes, aborted when VS Code's token is cancelled (the Cancel of a progress notification). */
export function toAbortSignal(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
