import { isSnapshotName } from '../format';
import type { SnapshotMeta } from '../notes';
import type { RootListing } from '../listing';
import { LIST_SCRIPT, parseRemoteListing, REMOTE_EXIT, remoteLocation, remotePath, rootProblem } from './list';
import { readScriptAnswer } from './scriptAnswer';
import { SshTransport } from './transport';

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

/**
 * One ssh call: "$1" = root. Prints every sidecar note as name + content (NUL bytes dropped from the JSON), then
 * `/end` and the root listing.
 */
const SOURCES_SCRIPT = `
cd "$1" 2>/dev/null || { [ -e "$1" ] || exit ${REMOTE_EXIT.missing}; [ -d "$1" ] || exit ${REMOTE_EXIT.notDirectory}; exit ${REMOTE_EXIT.unreadable}; }
printf 'rsync-snapshots-notes\\0'
for f in ${NOTES_DIR}/*.json; do
  [ -f "$f" ] || continue
  n=\${f##*/}
  printf '%s\\0' "\${n%.json}"
  head -c 65536 -- "$f" | tr -d '\\000'
  printf '\\0'
done
printf '/end\\0'
${LIST_SCRIPT}`;

/** The listing of a remote root and the notes of its snapshots, in one ssh call. */
export async function readRemoteNotes(root: string, options: { sshCommand?: string } = {}): Promise<{ listing: RootListing; notes: Map<string, SnapshotMeta> }> {
  const location = remoteLocation(root);
  const result = await new SshTransport(location, { sshCommand: options.sshCommand }).execScript(SOURCES_SCRIPT, [location.path]);
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  const answer = readScriptAnswer(location, result.stdout, 'rsync-snapshots-notes', 'reading the notes of');
  const notes = new Map<string, SnapshotMeta>();
  for (let name = answer.text(); name !== '/end'; name = answer.text()) {
    const text = answer.text();
    if (!isSnapshotName(name)) continue;
    try {
      notes.set(name, JSON.parse(text) as SnapshotMeta);
    } catch {
      // unreadable notes count as none
    }
  }
  return { listing: parseRemoteListing(location, answer.rest()), notes };
}
