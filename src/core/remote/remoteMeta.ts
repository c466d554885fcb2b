import { isSnapshotName } from '../snapshotName';
import type { SnapshotMeta } from '../snapshotMeta';
import { remoteLocation, remotePath } from './remoteRoot';
import { SshTransport } from './sshTransport';

/** Same folder as snapshotMeta's META_DIR (not imported: snapshotMeta imports this module). */
const NOTES_DIR = '.rsync-snapshots.d';

/** The sidecar notes ROOT/.rsync-snapshots.d/NAME.json on the host (one `cat` over ssh); undefined when missing or not JSON. */
export async function readRemoteSnapshotMeta(root: string, name: string, options: { sshCommand?: string } = {}): Promise<SnapshotMeta | undefined> {
  if (!isSnapshotName(name)) return undefined;
  const location = remoteLocation(root);
  const result = await new SshTransport(location, { sshCommand: options.sshCommand }).exec(['cat', '--', remotePath(location, NOTES_DIR, `${name}.json`)]);
  if (result.exitCode !== 0) return undefined;
  try {
    return JSON.parse(result.stdout.toString('utf8')) as SnapshotMeta;
  } catch {
    return undefined;
  }
}
