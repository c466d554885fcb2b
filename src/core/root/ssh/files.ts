import { SnapshotError } from '../../util/errors';
import { decodeNameBytes } from '../../util/nameBytes';
import type { SnapshotFiles } from '../backupRoot';
import { checkPathInSnapshot, checkSnapshotName, EntryKind, SnapshotEntry, sortEntries } from '../files';
import { RemoteRootLocation } from '../location';
import { REMOTE_EXIT, remotePath, remoteSpec, rootProblem } from './list';
import type { Ssh } from './ssh';

/**
 * "$1" = snapshot folder, "$2" = relative path; refuses (exit 7) what resolves outside the snapshot through `..` or
 * symlinks, using realpath on the host. Leaves the resolved path in $f.
 */
const RESOLVE = `
cd "$1" 2>/dev/null || exit ${REMOTE_EXIT.missing}
base=$(pwd -P)
f=$(realpath -e -- "./$2" 2>/dev/null) || exit ${REMOTE_EXIT.missing}
case $f in "$base"|"$base"/*) ;; *) exit ${REMOTE_EXIT.outside};; esac
`;

/** One ssh call: the entries of a folder in a snapshot, NUL-separated records: type, size, mtime (s.ns), name. Symlinks are not followed (GNU find %y). */
const LIST_DIR_SCRIPT = `${RESOLVE}
[ -d "$f" ] || exit ${REMOTE_EXIT.notDirectory}
printf 'rsync-snapshots-dir\\0'
exec find "$f" -mindepth 1 -maxdepth 1 -printf '%y\\0%s\\0%T@\\0%f\\0'
`;

const STAT_SCRIPT = `${RESOLVE}
exec stat -L -c '%F|%s|%.9Y' -- "$f"
`;

/** "$3": at most this many bytes from the start (empty: all). */
const READ_SCRIPT = `${RESOLVE}
[ -d "$f" ] && exit ${REMOTE_EXIT.notFile}
[ -f "$f" ] || exit ${REMOTE_EXIT.notFile}
[ -n "$3" ] && exec head -c "$3" -- "$f"
exec cat -- "$f"
`;

function problem(location: RemoteRootLocation, name: string, rel: string, exitCode: number, stderr: string): SnapshotError {
  if (exitCode === REMOTE_EXIT.missing) return new SnapshotError('NOT_FOUND', `${rel || name} does not exist in snapshot ${name} of ${location.spec}.`);
  if (exitCode === REMOTE_EXIT.outside) return new SnapshotError('BAD_INPUT', `${rel} leads outside snapshot ${name} (through a symlink); it is not served.`);
  if (exitCode === REMOTE_EXIT.notDirectory) return new SnapshotError('BAD_INPUT', `${rel || name} is not a folder in snapshot ${name}.`);
  if (exitCode === REMOTE_EXIT.notFile) return new SnapshotError('BAD_INPUT', `${rel} is not a regular file in snapshot ${name} (a folder or special file).`);
  return rootProblem(location, exitCode, stderr);
}

function kindOfFindType(type: string): EntryKind {
  return type === 'd' ? 'directory' : type === 'f' ? 'file' : type === 'l' ? 'symlink' : 'other';
}

/** Pure: the list script's output → entries, sorted like a local listing (exported for tests). */
export function parseDirListing(location: RemoteRootLocation, output: Buffer): SnapshotEntry[] {
  const fields: string[] = [];
  for (let at = 0; at < output.length;) {
    const end = output.indexOf(0, at);
    fields.push(decodeNameBytes(output.subarray(at, end < 0 ? output.length : end)));
    at = end < 0 ? output.length : end + 1;
  }
  if (output.length && output[output.length - 1] === 0) fields.push('');
  if (fields[0] !== 'rsync-snapshots-dir')
    throw new SnapshotError(
      'SSH_FAILED',
      `Unexpected answer from ${location.host} while listing a folder of ${location.spec} (is the login shell printing text? make it quiet for non-interactive sessions).`,
    );
  const entries: SnapshotEntry[] = [];
  for (let i = 1; i + 3 < fields.length; i += 4) {
    entries.push({ name: fields[i + 3], kind: kindOfFindType(fields[i]), size: Number(fields[i + 1]), mtimeMs: Math.round(Number(fields[i + 2]) * 1000) });
  }
  return sortEntries(entries);
}

/** Files of remote snapshots: each call is one ssh call on the shared connection; paths are checked on the host (realpath). */
export function sshFiles({ location, transport }: Ssh): SnapshotFiles {
  const run = async (script: string, name: string, relativePath: string, signal?: AbortSignal, extra: string[] = []) => {
    checkSnapshotName(name);
    const rel = checkPathInSnapshot(relativePath);
    const result = await transport.execScript(script, [remotePath(location, name), rel || '.', ...extra], { signal });
    if (result.exitCode !== 0) throw problem(location, name, rel, result.exitCode, result.stderr);
    return { rel, stdout: result.stdout };
  };
  return {
    /** `[user@]host:/root/NAME/REL` — never a local path. */
    async resolve(name, relativePath, signal) {
      const { rel } = await run(RESOLVE, name, relativePath, signal);
      return rel ? remoteSpec(location, name, rel) : remoteSpec(location, name);
    },
    async stat(name, relativePath, signal) {
      const { rel, stdout } = await run(STAT_SCRIPT, name, relativePath, signal);
      const [type, size, mtime] = stdout.toString('utf8').trim().split('|');
      const kind: EntryKind = type === 'directory' ? 'directory' : /regular/.test(type) ? 'file' : type === 'symbolic link' ? 'symlink' : 'other';
      return { name: rel ? rel.slice(rel.lastIndexOf('/') + 1) : name, kind, size: Number(size), mtimeMs: Math.round(Number(mtime) * 1000) };
    },
    async listDir(name, relativePath, signal) {
      return parseDirListing(location, (await run(LIST_DIR_SCRIPT, name, relativePath, signal)).stdout);
    },
    async read(name, relativePath, signal, maxBytes) {
      return (await run(READ_SCRIPT, name, relativePath, signal, [maxBytes === undefined ? '' : String(Math.max(0, Math.floor(maxBytes)))])).stdout;
    },
  };
}
