import path from 'node:path';
import { SnapshotError } from './util/errors';

/** Refuses a remote root (`host:/path`, `rsync://…`) for work that reads snapshot files directly (versions, changes). */
export function requireLocalRoot(listedRoot: string, what: string): void {
  if (!path.isAbsolute(listedRoot))
    throw new SnapshotError('BAD_INPUT', `${what} needs a backup root on this machine; ${listedRoot} is remote. Mount it locally (e.g. sshfs) or run the command on that host.`);
}
