import type { SnapshotNotes } from '../backupRoot';
import { isSnapshotName, META_DIR } from '../format';
import { parseNotes, SnapshotMeta } from '../notes';
import { LIST_SCRIPT, parseRemoteListing, REMOTE_EXIT, remotePath, rootProblem } from './list';
import { readScriptAnswer } from './scriptAnswer';
import type { Ssh } from './ssh';

/**
 * One ssh call: "$1" = root. Prints every sidecar note as name + content (NUL bytes dropped from the JSON, at most
 * 64 KiB each), then `/end` and the root listing.
 */
const NOTES_SCRIPT = `
cd "$1" 2>/dev/null || { [ -e "$1" ] || exit ${REMOTE_EXIT.missing}; [ -d "$1" ] || exit ${REMOTE_EXIT.notDirectory}; exit ${REMOTE_EXIT.unreadable}; }
printf 'rsync-snapshots-notes\\0'
for f in ${META_DIR}/*.json; do
  [ -f "$f" ] || continue
  n=\${f##*/}
  printf '%s\\0' "\${n%.json}"
  head -c 65536 -- "$f" | tr -d '\\000'
  printf '\\0'
done
printf '/end\\0'
${LIST_SCRIPT}`;

export function sshNotes({ location, transport }: Ssh): SnapshotNotes {
  return {
    /** One `cat` over ssh; undefined when missing or not JSON. */
    async read(name) {
      if (!isSnapshotName(name)) return undefined;
      const result = await transport.exec(['cat', '--', remotePath(location, META_DIR, `${name}.json`)]);
      return result.exitCode === 0 ? parseNotes(result.stdout.toString('utf8')) : undefined;
    },
    /** The listing and every note in one ssh call. */
    async readAll() {
      const result = await transport.execScript(NOTES_SCRIPT, [location.path]);
      if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
      const answer = readScriptAnswer(location, result.stdout, 'rsync-snapshots-notes', 'reading the notes of');
      const notes = new Map<string, SnapshotMeta>();
      for (let name = answer.text(); name !== '/end'; name = answer.text()) {
        const meta = parseNotes(answer.text());
        if (meta && isSnapshotName(name)) notes.set(name, meta);
      }
      return { listing: parseRemoteListing(location, answer.rest()), notes };
    },
  };
}
