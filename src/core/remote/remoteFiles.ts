import { SnapshotError } from '../errors';
import { decodeNameBytes } from '../nameBytes';
import { checkRelativePath } from '../relativePath';
import type { EntryKind, SnapshotEntry } from '../snapshotFiles';
import { isSnapshotName } from '../snapshotName';
import { REMOTE_EXIT, remoteLocation, RemoteOptions, remotePath, remoteSpec, rootProblem, transportFor } from './remoteRoot';
import { RemoteRootLocation } from './rootLocation';

/**
 * Same check as remoteRoot's reads: "$1" = snapshot folder, "$2" = relative path; refuses (exit 7) what resolves
 * outside the snapshot through `..` or symlinks, using realpath on the host.
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

function checkName(name: string): string {
  if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `"${name}" is not a snapshot name (expected YYYY-MM-DDTHH-MM-SS).`);
  return name;
}

/** '' (or '/', '.') is the snapshot folder itself; anything else must be a clean relative path. */
function checkRel(relativePath: string): string {
  return /^\/*\.?\/*$/.test(relativePath) ? '' : checkRelativePath(relativePath);
}

function problem(location: RemoteRootLocation, name: string, rel: string, exitCode: number, stderr: string): SnapshotError {
  if (exitCode === REMOTE_EXIT.missing) return new SnapshotError('NOT_FOUND', `${rel || name} does not exist in snapshot ${name} of ${location.spec}.`);
  if (exitCode === REMOTE_EXIT.outside) return new SnapshotError('BAD_INPUT', `${rel} leads outside snapshot ${name} (through a symlink); it is not served.`);
  if (exitCode === REMOTE_EXIT.notDirectory) return new SnapshotError('BAD_INPUT', `${rel || name} is not a folder in snapshot ${name}.`);
  return rootProblem(location, exitCode, stderr);
}

/** resolveInSnapshot for a remote root: checks on the host (one ssh call) and returns `[user@]host:/root/NAME/REL` — never a local path. */
export async function resolveRemoteInSnapshot(root: string, name: string, relativePath: string, options: RemoteOptions = {}): Promise<string> {
  const location = remoteLocation(root);
  checkName(name);
  const rel = checkRel(relativePath);
  const result = await transportFor(location, options).execScript(RESOLVE, [remotePath(location, name), rel || '.'], { signal: options.signal });
  if (result.exitCode !== 0) throw problem(location, name, rel, result.exitCode, result.stderr);
  return rel ? remoteSpec(location, name, rel) : remoteSpec(location, name);
}

const STAT_SCRIPT = `${RESOLVE}
exec stat -L -c '%F|%s|%.9Y' -- "$f"
`;

/** statInSnapshot for a remote root (follows symlinks inside the snapshot, like the local one). One ssh call. */
export async function statRemoteInSnapshot(root: string, name: string, relativePath: string, options: RemoteOptions = {}): Promise<SnapshotEntry> {
  const location = remoteLocation(root);
  checkName(name);
  const rel = checkRel(relativePath);
  const result = await transportFor(location, options).execScript(STAT_SCRIPT, [remotePath(location, name), rel || '.'], { signal: options.signal });
  if (result.exitCode !== 0) throw problem(location, name, rel, result.exitCode, result.stderr);
  const [type, size, mtime] = result.stdout.toString('utf8').trim().split('|');
  const kind: EntryKind = type === 'directory' ? 'directory' : /regular/.test(type) ? 'file' : type === 'symbolic link' ? 'symlink' : 'other';
  return { name: rel ? rel.slice(rel.lastIndexOf('/') + 1) : name, kind, size: Number(size), mtimeMs: Math.round(Number(mtime) * 1000) };
}

function kindOfFindType(type: string): EntryKind {
  return type === 'd' ? 'directory' : type === 'f' ? 'file' : type === 'l' ? 'symlink' : 'other';
}

/** listSnapshotDir for a remote root: one ssh call, symlinks reported as links (never followed), folders first, then by name. */
export async function listRemoteSnapshotDir(root: string, name: string, relativePath: string, options: RemoteOptions = {}): Promise<SnapshotEntry[]> {
  const location = remoteLocation(root);
  checkName(name);
  const rel = checkRel(relativePath);
  const result = await transportFor(location, options).execScript(LIST_DIR_SCRIPT, [remotePath(location, name), rel || '.'], { signal: options.signal });
  if (result.exitCode !== 0) throw problem(location, name, rel, result.exitCode, result.stderr);
  return parseDirListing(location, result.stdout);
}

/** Pure: the list script's output → entries, sorted like listSnapshotDir (exported for tests). */
export function parseDirListing(location: RemoteRootLocation, output: Buffer): SnapshotEntry[] {
  const fields: string[] = [];
  for (let at = 0; at < output.length; ) {
    const end = output.indexOf(0, at);
    fields.push(decodeNameBytes(output.subarray(at, end < 0 ? output.length : end)));
    at = end < 0 ? output.length : end + 1;
  }
  if (output.length && output[output.length - 1] === 0) fields.push('');
  if (fields[0] !== 'rsync-snapshots-dir')
    throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while listing a folder of ${location.spec} (is the login shell printing text? make it quiet for non-interactive sessions).`);
  const entries: SnapshotEntry[] = [];
  for (let i = 1; i + 3 < fields.length; i += 4) {
    entries.push({ name: fields[i + 3], kind: kindOfFindType(fields[i]), size: Number(fields[i + 1]), mtimeMs: Math.round(Number(fields[i + 2]) * 1000) });
  }
  return entries.sort((a, b) => Number(b.kind === 'directory') - Number(a.kind === 'directory') || a.name.localeCompare(b.name));
}
