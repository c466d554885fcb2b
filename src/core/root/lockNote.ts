import { SnapshotError } from '../util/errors';
import { FileKind, fileKindPhrase, removeCommand } from './fileKind';

/**
 * What holds a root's lock, written into the lock file as `PID OPERATION` (flock(1) never reads the file's content, so
 * `flock -n LOCK …` and the cron line work as before): a busy message names the holder's operation and pid.
 */
export type LockOperation = 'snapshot' | 'restore' | 'prune' | 'doctor';

/** "A prune of ROOT", "A snapshot into ROOT", … — the holder of a busy lock, for a person. */
export function lockHolderPhrase(operation: string | undefined, root: string): string {
  switch (operation) {
    case 'snapshot':
      return `A snapshot into ${root}`;
    case 'restore':
      return `A restore (its safety snapshot into ${root})`;
    case 'prune':
      return `A prune of ${root}`;
    case 'doctor':
      return `A doctor check of ${root}`;
    default:
      return `Another run on ${root}`;
  }
}

/** `PID OPERATION` as written in a lock file (older versions wrote only the pid). */
export function parseLockNote(text: string): { pid?: number; operation?: string } {
  const [pidText, operation] = text.trim().split(/\s+/, 2);
  const pid = Number(pidText);
  return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, operation: operation || undefined };
}

/**
 * The lock file is a symlink, a FIFO, a folder, …: it is never opened through (a symlink could point anywhere, a FIFO
 * would block), so the run stops at once and says how to clear it. `host`: where the path is, for a remote root.
 */
export function lockNotAFile(lockPath: string, kind: FileKind, host?: string): SnapshotError {
  const where = host ? ` on ${host}` : '';
  return new SnapshotError('ROOT_INVALID', `${lockPath}${where} is ${fileKindPhrase(kind)}, not a lock file: remove it${where} (${removeCommand(kind, lockPath)}) and retry.`);
}
