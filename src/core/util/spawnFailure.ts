import { SnapshotError } from './errors';

/**
 * The error for a program that could not be started at all (Node's spawn error code, e.g. from execa's `code`):
 * what failed, why, and what to do. `what` completes "to …", e.g. "measure the snapshots in /backups".
 */
export function spawnFailure(program: string, code: string | undefined, what: string): SnapshotError {
  switch (code) {
    case 'ENOENT':
      return new SnapshotError(
        'TOOL_NOT_FOUND',
        `${program} was not found on PATH, so it could not be run to ${what}: install it (on Debian/Ubuntu it is in the package that provides ${program}) and try again.`,
      );
    case 'EACCES':
    case 'EPERM':
      return new SnapshotError('TOOL_NOT_FOUND', `${program} could not be run to ${what}: permission denied. Check that the ${program} on PATH is an executable you may run.`);
    case 'E2BIG':
      return new SnapshotError(
        'ROOT_INVALID',
        `${program} could not be started to ${what}: its argument list is longer than this system allows (E2BIG). Nothing was changed. This is a bug in rsync-snapshots: please report it with the number of snapshots in the root.`,
      );
    default:
      return new SnapshotError('ROOT_INVALID', `${program} could not be started to ${what}${code ? ` (${code})` : ''}. Nothing was changed; try again, and run with --verbose to see the command.`);
  }
}
