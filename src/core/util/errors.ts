/** What went wrong, as a stable code a caller can branch on; the message is for a person. */
export type SnapshotErrorCode =
  'BAD_INPUT' | 'SOURCE_INVALID' | 'ROOT_INVALID' | 'NOT_FOUND' | 'RSYNC_NOT_FOUND' | 'TOOL_NOT_FOUND' | 'LOCKED' | 'RSYNC_FAILED' | 'CANCELLED' | 'SSH_FAILED' | 'CHANGED_SINCE_PREVIEW' | 'NO_ROOM';

/** Every failure the engine reports: a message that says what to do next, plus details (e.g. file names). */
export class SnapshotError extends Error {
  constructor(
    readonly code: SnapshotErrorCode,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export function isSnapshotError(err: unknown, code?: SnapshotErrorCode): err is SnapshotError {
  return err instanceof SnapshotError && (code === undefined || err.code === code);
}

/** errno code of a Node fs error, if any. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The backup root itself does not exist yet (local or remote): callers may offer to create it. */
export function isMissingRoot(err: unknown): err is SnapshotError {
  return isSnapshotError(err, 'ROOT_INVALID') && / does not exist/.test(err.message);
}

/** An empty path would silently mean the current folder (an unset $ROOT in a cron line): refuse it, never resolve it. */
export function refuseEmptyPath(value: string, what: string): void {
  if (!value.trim()) throw new SnapshotError('BAD_INPUT', `The ${what} is empty: give a path (use . for the current folder). In a script, check that the variable holding it is set.`);
}
