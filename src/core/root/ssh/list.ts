import path from 'node:path';
import { SnapshotError } from '../../util/errors';
import { LATEST_LINK } from '../format';
import { classifyRootEntries, LatestState, RootEntry, RootListing, Snapshot } from '../listing';
import { RemoteRootLocation, rsyncRemoteArg } from '../location';
import type { Ssh } from './ssh';

const posix = path.posix;

/** Absolute path of `name` on the host. */
export function remotePath(location: RemoteRootLocation, ...names: string[]): string {
  return posix.join(location.path, ...names);
}

/** `[user@]host:/root/NAME`: how listings name a remote snapshot (never a local path, so no local fs call can use it by mistake). */
export function remoteSpec(location: RemoteRootLocation, ...names: string[]): string {
  return rsyncRemoteArg(location, remotePath(location, ...names));
}

/** Exit codes of our remote scripts, for messages. */
export const REMOTE_EXIT = { missing: 3, notDirectory: 4, unreadable: 5, notFile: 6, outside: 7, notWritable: 8, noTool: 9, notRegular: 10, busy: 75 } as const;

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
if [ -L ${LATEST_LINK} ]; then
  t=$(readlink ${LATEST_LINK}; echo x); t=\${t%?x}
  printf 'symlink\\0%s\\0' "$t"
  if [ -e ${LATEST_LINK} ]; then printf 'exists\\0'; else printf 'dangling\\0'; fi
  if [ "$(cd "$(dirname -- "$t")" 2>/dev/null && pwd -P)" = "$(pwd -P)" ]; then printf 'inroot\\0'; else printf 'elsewhere\\0'; fi
elif [ -e ${LATEST_LINK} ]; then printf 'real\\0'
else printf 'none\\0'
fi
`;

/**
 * Lists a remote backup root in ONE ssh call (one process when the shared connection is warm): the same
 * RootListing as a local listing, with `root` = the spec and each snapshot's `path` = `[user@]host:/root/NAME`.
 */
export async function listRemote({ location, transport }: Ssh, signal?: AbortSignal): Promise<RootListing> {
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
