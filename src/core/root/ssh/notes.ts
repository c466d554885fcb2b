import { SnapshotError } from '../../util/errors';
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

/**
 * One ssh call: "$1" = root, "$2" = sidecar folder, "$3" = snapshot name; the notes come on stdin, written under a temp
 * name and renamed over the old ones (a failed write leaves the old notes and no temp file).
 */
const WRITE_SCRIPT = `
cd "$1" 2>/dev/null || exit ${REMOTE_EXIT.missing}
mkdir -p -- "$2" || exit ${REMOTE_EXIT.notWritable}
{ cat > "$2/$3.json.tmp" && mv -f -- "$2/$3.json.tmp" "$2/$3.json"; } || { rm -f -- "$2/$3.json.tmp"; exit ${REMOTE_EXIT.notWritable}; }
`;

export function sshNotes({ location, transport }: Ssh): SnapshotNotes {
  return {
    /** One `cat` over ssh; undefined when missing or not JSON. */
    async read(name) {
      if (!isSnapshotName(name)) return undefined;
      const result = await transport.exec(['cat', '--', remotePath(location, META_DIR, `${name}.json`)]);
      return result.exitCode === 0 ? parseNotes(result.stdout.toString('utf8')) : undefined;
    },
    async write(name, meta) {
      if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `${name} is not a snapshot name: no notes written.`);
      const result = await transport.execScript(WRITE_SCRIPT, [location.path, META_DIR, name], { input: JSON.stringify(meta, null, 2) + '\n' });
      if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
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
