import { SnapshotError } from '../../util/errors';
import type { SnapshotNotes } from '../backupRoot';
import { isSnapshotName, META_DIR } from '../format';
import { FileKind, parseFileKind, SH_FILE_KIND } from '../fileKind';
import { NOTES_MAX_BYTES, notesFolderWarning, notesNotAFileWarning, notesNotWritable, notesTooBigWarning, notesWarning, parseNotes, SnapshotMeta } from '../notes';
import { LIST_SCRIPT, parseRemoteListing, REMOTE_EXIT, remotePath, rootProblem } from './list';
import { AnswerReader, readScriptAnswer } from './scriptAnswer';
import type { Ssh } from './ssh';

/** The notes files of snapshot names (ours and rsync-time-backup's start with a year), never the usage cache. */
const SNAPSHOT_NOTES_GLOB = '[0-9][0-9][0-9][0-9]-*.json';

/**
 * One ssh call: "$1" = root, "$2" = one snapshot name (or empty: all of them, and then the root listing after `/end`),
 * "$3" = `each` to read all notes the per-file way below (else the fast way: see FAST_NOTES).
 * Prints `/folder` + kind when the notes folder is not a real folder (nothing read through it); else per notes file its
 * name, its kind (file, link, fifo, …, or `big` over NOTES_MAX_BYTES, told by find's lstat) and, for a file only, its
 * content (at most the limit + 1 byte, NUL bytes dropped). Tested with `[ -L ]`, `[ -f ]` first: nothing is read
 * through a symlink, and no FIFO is opened. Only snapshot-shaped names (4 digits first), so never the usage cache.
 */
const NOTES_SCRIPT = `
cd "$1" 2>/dev/null || { [ -e "$1" ] || exit ${REMOTE_EXIT.missing}; [ -d "$1" ] || exit ${REMOTE_EXIT.notDirectory}; exit ${REMOTE_EXIT.unreadable}; }
printf 'rsync-snapshots-notes\\0'
${SH_FILE_KIND}
notes() {
  for f do
    file_kind "$f"
    [ $kind = none ] && continue
    n=\${f##*/}
    case $big in *"/$n/"*) kind=big ;; esac
    printf '%s\\0%s\\0' "\${n%.json}" "$kind"
    [ $kind = file ] || continue
    head -c ${NOTES_MAX_BYTES + 1} -- "$f" | tr -d '\\000'
    printf '\\0'
  done
}
file_kind ${META_DIR}
if [ $kind = folder ]; then
  if [ -n "$2" ]; then
    big=/$(find ${META_DIR} -mindepth 1 -maxdepth 1 -name "$2.json" -type f -size +${NOTES_MAX_BYTES}c -printf '%f/' 2>/dev/null)
    notes "${META_DIR}/$2.json"
  elif [ "$3" = each ]; then
    big=/$(find ${META_DIR} -mindepth 1 -maxdepth 1 -name '${SNAPSHOT_NOTES_GLOB}' -type f -size +${NOTES_MAX_BYTES}c -printf '%f/' 2>/dev/null)
    notes ${META_DIR}/${SNAPSHOT_NOTES_GLOB}
  else
    stats() { find ${META_DIR} -mindepth 1 -maxdepth 1 -name '${SNAPSHOT_NOTES_GLOB}' -printf '%f\\0%y\\0%s\\0%C@\\0' 2>/dev/null; printf '/cat\\0'; }
    printf '/stats\\0'
    stats
    find ${META_DIR} -mindepth 1 -maxdepth 1 -name '${SNAPSHOT_NOTES_GLOB}' -type f -size -${NOTES_MAX_BYTES + 1}c -exec cat -- {} + 2>/dev/null
    stats
  fi
elif [ $kind != none ]; then
  printf '/folder\\0%s\\0' "$kind"
fi
printf '/end\\0'
[ -n "$2" ] && exit 0
${LIST_SCRIPT}`;

/**
 * The fast way to read all notes (a listing of 10,000 snapshots: two processes, not two per notes file): `/stats`, then
 * find's lstat of each notes file (name, type letter, size, ctime; never following a symlink, never opening a FIFO),
 * `/cat`, then the regular files of at most NOTES_MAX_BYTES concatenated by one cat in the same order, then the lstats
 * again. The contents are split by the sizes; when the second lstats differ from the first (a notes file changed,
 * appeared or went while read), the split may be wrong and all notes are read again the per-file way.
 */
const FIND_KINDS: Record<string, FileKind> = { f: 'file', l: 'link', d: 'folder', p: 'fifo', s: 'socket', b: 'device', c: 'device' };

/**
 * One ssh call: "$1" = root, "$2" = sidecar folder, "$3" = snapshot name; the notes come on stdin, written under a temp
 * name created fresh (noclobber, after removing a leftover: never through a symlink) and renamed over the old notes
 * with mv -T (a symlink there is replaced, not followed; a folder there is refused, never moved into). A notes folder
 * that is a symlink or not a folder is refused too. Refusals: exit notRegular with `kind: KIND` and `path: PATH`.
 */
const WRITE_SCRIPT = `
cd "$1" 2>/dev/null || exit ${REMOTE_EXIT.missing}
${SH_FILE_KIND}
file_kind "$2"
[ $kind = folder ] || [ $kind = none ] || { printf 'kind: %s\\npath: %s\\n' "$kind" "$2" >&2; exit ${REMOTE_EXIT.notRegular}; }
mkdir -p -- "$2" || exit ${REMOTE_EXIT.notWritable}
f="$2/$3.json"
file_kind "$f"
[ $kind != folder ] || { printf 'kind: %s\\npath: %s\\n' "$kind" "$f" >&2; exit ${REMOTE_EXIT.notRegular}; }
rm -rf -- "$f.tmp"
{ (set -C; cat > "$f.tmp") && mv -fT -- "$f.tmp" "$f"; } || { rm -f -- "$f.tmp"; exit ${REMOTE_EXIT.notWritable}; }
`;

export function sshNotes({ location, transport, logger }: Ssh): SnapshotNotes {
  /** Reads NOTES_SCRIPT's per-file part up to `/end`: the usable notes, and a warning for each one that is not. */
  function readNotes(answer: AnswerReader): Map<string, SnapshotMeta> | undefined {
    const notes = new Map<string, SnapshotMeta>();
    for (let name = answer.text(); name !== '/end'; name = answer.text()) {
      if (name === '/stats') {
        if (!readFastNotes(answer, notes)) return undefined;
        continue;
      }
      if (name === '/folder') {
        logger.warn(notesFolderWarning(remotePath(location, META_DIR), parseFileKind(answer.text())));
        continue;
      }
      const kind = answer.text();
      useNote(notes, name, kind, kind === 'file' ? answer.next() : undefined);
    }
    return notes;
  }

  /** One note's content (or its kind when it is not a regular file within the limit), warned about as the per-file way does. */
  function useNote(notes: Map<string, SnapshotMeta>, name: string, kind: string, content: Buffer | undefined) {
    if (!isSnapshotName(name)) return;
    const file = remotePath(location, META_DIR, `${name}.json`);
    if (kind === 'big' || (content && content.length > NOTES_MAX_BYTES)) logger.warn(notesTooBigWarning(file, undefined));
    else if (!content) logger.warn(notesNotAFileWarning(file, parseFileKind(kind)));
    else {
      const meta = parseNotes(content.toString('utf8'), (what) => logger.warn(notesWarning(file, what)));
      if (meta) notes.set(name, meta);
    }
  }

  /** FAST_NOTES's answer after `/stats`: false when the lstats before and after the contents differ (read again the per-file way). */
  function readFastNotes(answer: AnswerReader, notes: Map<string, SnapshotMeta>): boolean {
    const readStats = () => {
      const fields: string[] = [];
      for (let field = answer.text(); field !== '/cat'; field = answer.text()) fields.push(field);
      return fields;
    };
    const before = readStats();
    if (before.length % 4) return false;
    const files: { name: string; kind: string; content?: Buffer }[] = [];
    for (let i = 0; i < before.length; i += 4) {
      const [file, type, size] = [before[i], before[i + 1], Number(before[i + 2])];
      const name = file.replace(/\.json$/, '');
      if (type !== 'f') files.push({ name, kind: FIND_KINDS[type] ?? 'other' });
      else if (size > NOTES_MAX_BYTES) files.push({ name, kind: 'big' });
      else {
        const content = answer.bytes(size);
        if (!content) return false;
        // NUL bytes dropped, as the per-file way's tr does (JSON never holds one).
        files.push({ name, kind: 'file', content: content.includes(0) ? Buffer.from(content.filter((b) => b !== 0)) : content });
      }
    }
    let after: string[];
    try {
      after = readStats();
    } catch {
      return false; // the contents were longer than the sizes said: no `/cat` where it should be
    }
    if (after.length !== before.length || after.some((field, i) => field !== before[i])) return false;
    for (const { name, kind, content } of files) useNote(notes, name, kind, content);
    return true;
  }

  return {
    /** One ssh call; undefined when missing, not a regular file, too big or not JSON. */
    async read(name) {
      if (!isSnapshotName(name)) return undefined;
      const result = await transport.execScript(NOTES_SCRIPT, [location.path, name]);
      if (result.exitCode !== 0) return undefined; // e.g. the root is gone: no notes, as a missing file
      return readNotes(readScriptAnswer(location, result.stdout, 'rsync-snapshots-notes', 'reading the notes of'))?.get(name);
    },
    async write(name, meta) {
      if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `${name} is not a snapshot name: no notes written.`);
      const result = await transport.execScript(WRITE_SCRIPT, [location.path, META_DIR, name], { input: JSON.stringify(meta, null, 2) + '\n' });
      if (result.exitCode === REMOTE_EXIT.notRegular) {
        const field = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(result.stderr)?.[1];
        throw notesNotWritable(remotePath(location, field('path') ?? META_DIR), parseFileKind(field('kind')), location.host);
      }
      if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
    },
    /** The listing and every note in one ssh call. */
    async readAll() {
      for (const way of ['', 'each']) {
        const result = await transport.execScript(NOTES_SCRIPT, [location.path, '', way]);
        if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
        const answer = readScriptAnswer(location, result.stdout, 'rsync-snapshots-notes', 'reading the notes of');
        const notes = readNotes(answer);
        if (notes) return { listing: parseRemoteListing(location, answer.rest()), notes };
      }
      throw new Error('unreachable: the per-file way always answers');
    },
  };
}
