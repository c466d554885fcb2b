import path from 'node:path';
import { classifyRootEntries, LatestState, ListOptions, RootEntry, RootListing, Snapshot } from '../listing';
import { SnapshotError } from '../../util/errors';
import { Logger } from '../../util/logger';
import { checkRelativePath } from '../../util/relativePath';
import { EntryKind, SnapshotEntry } from '../local/files';
import { isSnapshotName } from '../format';
import { parseRootLocation, RemoteRootLocation, rsyncRemoteArg } from '../location';
import { SshTransport } from './transport';

const posix = path.posix;

export interface RemoteOptions extends ListOptions {
  connectTimeoutSeconds?: number;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Parses a spec that must be remote (throws BAD_INPUT for hostile specs, before anything runs). */
export function remoteLocation(spec: string | RemoteRootLocation): RemoteRootLocation {
  if (typeof spec !== 'string') return spec;
  const location = parseRootLocation(spec);
  if (location.kind !== 'remote') throw new SnapshotError('BAD_INPUT', `${spec} is a local path, not [user@]host:/absolute/path.`);
  return location;
}

/** A transport for the location, or the one given. */
export function transportFor(location: RemoteRootLocation, transportOrOptions?: SshTransport | RemoteOptions): SshTransport {
  return transportOrOptions instanceof SshTransport ? transportOrOptions : new SshTransport(location, transportOrOptions ?? {});
}

/** Absolute path of `name` on the host. */
export function remotePath(location: RemoteRootLocation, ...names: string[]): string {
  return posix.join(location.path, ...names);
}

/** `[user@]host:/root/NAME`: how listings name a remote snapshot (never a local path, so no local fs call can use it by mistake). */
export function remoteSpec(location: RemoteRootLocation, ...names: string[]): string {
  return rsyncRemoteArg(location, remotePath(location, ...names));
}

/** Exit codes of our remote scripts, for messages. */
export const REMOTE_EXIT = { missing: 3, notDirectory: 4, unreadable: 5, notFile: 6, outside: 7, notWritable: 8, noTool: 9, busy: 75 } as const;

export function rootProblem(location: RemoteRootLocation, exitCode: number, stderr: string): SnapshotError {
  switch (exitCode) {
    case REMOTE_EXIT.missing:
      return new SnapshotError('ROOT_INVALID', `Backup root ${location.spec} does not exist on ${location.host}: create it (ssh ${location.host} mkdir -p '${location.path}') or pass --create.`);
    case REMOTE_EXIT.notDirectory:
      return new SnapshotError('ROOT_INVALID', `Backup root ${location.spec} is not a folder on ${location.host}: choose a folder.`);
    case REMOTE_EXIT.unreadable:
      return new SnapshotError('ROOT_INVALID', `Backup root ${location.spec} cannot be read on ${location.host} (permission denied): fix its permissions.`);
    case REMOTE_EXIT.notWritable:
      return new SnapshotError('ROOT_INVALID', `Backup root ${location.spec} is not writable on ${location.host}: fix its permissions or choose another folder.`);
    default:
      return new SnapshotError('SSH_FAILED', `A command on ${location.host} failed (exit ${exitCode})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}.`);
  }
}

/**
 * One ssh round trip: prints a marker, then type + name of every top-level entry of the root, then what `latest`
 * is — all NUL-separated so any file name survives. "$1" is the root; nothing of it is ever parsed as code.
 */
export const LIST_SCRIPT = `
cd "$1" 2>/dev/null || { [ -e "$1" ] || exit ${REMOTE_EXIT.missing}; [ -d "$1" ] || exit ${REMOTE_EXIT.notDirectory}; exit ${REMOTE_EXIT.unreadable}; }
printf 'rsync-snapshots-list\\0'
for e in * .[!.]* ..?*; do
  if [ -L "$e" ]; then printf 'l\\0%s\\0' "$e"
  elif [ -d "$e" ]; then printf 'd\\0%s\\0' "$e"
  elif [ -e "$e" ]; then printf 'f\\0%s\\0' "$e"
  fi
done
printf 'latest\\0'
if [ -L latest ]; then
  t=$(readlink latest; echo x); t=\${t%?x}
  printf 'symlink\\0%s\\0' "$t"
  if [ -e latest ]; then printf 'exists\\0'; else printf 'dangling\\0'; fi
  if [ "$(cd "$(dirname -- "$t")" 2>/dev/null && pwd -P)" = "$(pwd -P)" ]; then printf 'inroot\\0'; else printf 'elsewhere\\0'; fi
elif [ -e latest ]; then printf 'real\\0'
else printf 'none\\0'
fi
`;

/**
 * Lists a remote backup root in ONE ssh call (one process when the shared connection is warm): the same
 * RootListing as listSnapshots, with `root` = the spec and each snapshot's `path` = `[user@]host:/root/NAME`.
 */
export async function listRemoteSnapshots(root: string | RemoteRootLocation, transportOrOptions?: SshTransport | RemoteOptions): Promise<RootListing> {
  const location = remoteLocation(root);
  const transport = transportFor(location, transportOrOptions);
  const signal = transportOrOptions instanceof SshTransport ? undefined : transportOrOptions?.signal;
  const result = await transport.execScript(LIST_SCRIPT, [location.path], { signal });
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  return parseRemoteListing(location, result.stdout);
}

/** Pure: the list script's output → RootListing (exported for tests). */
export function parseRemoteListing(location: RemoteRootLocation, output: Buffer): RootListing {
  const fields = output.toString('utf8').split('\0');
  if (fields[0] !== 'rsync-snapshots-list')
    throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while listing ${location.spec} (is the login shell printing text? make it quiet for non-interactive sessions).`);
  const entries: RootEntry[] = [];
  let i = 1;
  for (; i + 1 < fields.length && fields[i] !== 'latest'; i += 2) entries.push({ name: fields[i + 1], isDirectory: fields[i] === 'd' });
  const kind = fields[i + 1];
  const { snapshots, inProgress } = classifyRootEntries(entries, (name) => remoteSpec(location, name));
  const names = new Set(snapshots.map((s) => s.name));
  let latestState: LatestState = 'missing';
  let latestTarget: string | undefined;
  let latest: Snapshot | undefined;
  if (kind === 'symlink') {
    latestTarget = fields[i + 2];
    const exists = fields[i + 3] === 'exists';
    const resolved = posix.resolve(location.path, latestTarget.replace(/\/+$/, ''));
    const base = posix.basename(resolved);
    const inRoot = posix.dirname(resolved) === location.path || fields[i + 4] === 'inroot';
    if (inRoot && names.has(base)) {
      latestState = 'ok';
      latest = snapshots.find((s) => s.name === base);
      if (latest) latest.latest = true;
    } else latestState = exists ? 'not-a-snapshot' : 'dangling';
  } else if (kind === 'real') latestState = 'not-a-snapshot';
  return { root: location.spec, snapshots, latest, latestState, latestTarget, inProgress };
}

/**
 * Resolves `relativePath` inside snapshot `name` on the host and refuses what leads outside it (through `..` or
 * symlinks): prints nothing and exits 7. "$1" = snapshot folder, "$2" = relative path.
 */
const RESOLVE = `
cd "$1" 2>/dev/null || exit ${REMOTE_EXIT.missing}
base=$(pwd -P)
f=$(realpath -e -- "./$2" 2>/dev/null) || exit ${REMOTE_EXIT.missing}
case $f in "$base"|"$base"/*) ;; *) exit ${REMOTE_EXIT.outside};; esac
`;

const READ_SCRIPT = `${RESOLVE}
[ -d "$f" ] && exit ${REMOTE_EXIT.notFile}
[ -f "$f" ] || exit ${REMOTE_EXIT.notFile}
exec cat -- "$f"
`;

const STAT_SCRIPT = `${RESOLVE}
exec stat -L -c '%F|%s|%Y' -- "$f"
`;

function snapshotName(snapshot: string | Snapshot): string {
  const name = typeof snapshot === 'string' ? snapshot : snapshot.name;
  if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `"${name}" is not a snapshot name (expected YYYY-MM-DDTHH-MM-SS).`);
  return name;
}

function pathProblem(location: RemoteRootLocation, name: string, rel: string, exitCode: number, stderr: string): SnapshotError {
  if (exitCode === REMOTE_EXIT.missing) return new SnapshotError('NOT_FOUND', `${rel || name} does not exist in snapshot ${name} of ${location.spec}.`);
  if (exitCode === REMOTE_EXIT.outside) return new SnapshotError('BAD_INPUT', `${rel} leads outside snapshot ${name} (through a symlink); it is not served.`);
  if (exitCode === REMOTE_EXIT.notFile) return new SnapshotError('BAD_INPUT', `${rel} is not a regular file in snapshot ${name} (a folder or special file).`);
  return rootProblem(location, exitCode, stderr);
}

/** Content of a file in a remote snapshot, streamed through `ssh cat` (one ssh call). Refuses paths leaving the snapshot. */
export async function readRemoteFile(
  root: string | RemoteRootLocation,
  transport: SshTransport | RemoteOptions | undefined,
  snapshot: string | Snapshot,
  relativePath: string,
  options: { signal?: AbortSignal } = {},
): Promise<Buffer> {
  const location = remoteLocation(root);
  const name = snapshotName(snapshot);
  const rel = checkRelativePath(relativePath);
  const result = await transportFor(location, transport).execScript(READ_SCRIPT, [remotePath(location, name), rel || '.'], { signal: options.signal });
  if (result.exitCode !== 0) throw pathProblem(location, name, rel, result.exitCode, result.stderr);
  return result.stdout;
}

/** stat of a path in a remote snapshot (symlinks inside the snapshot followed), one ssh call. */
export async function statRemoteEntry(
  root: string | RemoteRootLocation,
  transport: SshTransport | RemoteOptions | undefined,
  snapshot: string | Snapshot,
  relativePath: string,
): Promise<SnapshotEntry> {
  const location = remoteLocation(root);
  const name = snapshotName(snapshot);
  const rel = checkRelativePath(relativePath);
  const result = await transportFor(location, transport).execScript(STAT_SCRIPT, [remotePath(location, name), rel || '.']);
  if (result.exitCode !== 0) throw pathProblem(location, name, rel, result.exitCode, result.stderr);
  const [type, size, mtime] = result.stdout.toString('utf8').trim().split('|');
  const kind: EntryKind = type === 'directory' ? 'directory' : /regular/.test(type) ? 'file' : type === 'symbolic link' ? 'symlink' : 'other';
  return { name: rel ? posix.basename(rel) : name, kind, size: Number(size), mtimeMs: Number(mtime) * 1000 };
}
