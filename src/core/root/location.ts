import path from 'node:path';
import { SnapshotError } from '../util/errors';

/** A backup root on this machine. */
export interface LocalRootLocation {
  kind: 'local';
  /** Absolute path. */
  path: string;
}

/** A backup root on another host, written `[user@]host:/absolute/path` as rsync writes it. */
export interface RemoteRootLocation {
  kind: 'remote';
  /** Host name, ssh config alias or IP address (an IPv6 address without its brackets). */
  host: string;
  user?: string;
  /** Absolute, normalized path on the host (no trailing slash). */
  path: string;
  /** Canonical spec, `[user@]host:/path` (IPv6 hosts in brackets): what listings report as the root. */
  spec: string;
}

export type RootLocation = LocalRootLocation | RemoteRootLocation;

// C0 controls and DEL, plus C1 controls: never part of a host, user or remote path we pass to ssh.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Tells a remote root from a local one the way rsync does: a `:` before any `/` makes `host:path`.
 * So `./a:b` and `/x/a:b` stay local. `host::module` (rsync daemon) and `rsync://` are refused.
 * Refuses specs that begin with `-` (they would be read as options), control characters and relative remote paths.
 */
export function parseRootLocation(spec: string): RootLocation {
  if (typeof spec !== 'string' || spec.trim() === '') throw new SnapshotError('BAD_INPUT', 'No backup root given: pass a folder or user@host:/absolute/path.');
  if (spec.startsWith('-'))
    throw new SnapshotError(
      'BAD_INPUT',
      `Backup root "${printable(spec)}" starts with "-", which ssh and rsync would read as an option; it is refused. For a local folder with such a name write ./${printable(spec)}.`,
    );
  if (/^rsync:\/\//i.test(spec) || /^[^/[\]]*::/.test(spec))
    throw new SnapshotError('BAD_INPUT', `Backup root "${printable(spec)}" is an rsync daemon address; only local folders and [user@]host:/absolute/path (over ssh) are supported.`);

  const remote = splitRemote(spec);
  if (!remote) return { kind: 'local', path: path.resolve(spec) };

  const { user, host, rawPath, bracketed } = remote;
  if (CONTROL.test(spec)) throw new SnapshotError('BAD_INPUT', `Remote backup root "${printable(spec)}" contains control characters; it is refused.`);
  if (user !== undefined) {
    if (user === '') throw new SnapshotError('BAD_INPUT', `Remote backup root "${spec}" has an empty user name before "@": write user@host:/path or host:/path.`);
    if (user.startsWith('-')) throw new SnapshotError('BAD_INPUT', `Remote backup root "${spec}": the user name "${user}" starts with "-", which ssh would read as an option; it is refused.`);
    if (/\s/.test(user)) throw new SnapshotError('BAD_INPUT', `Remote backup root "${spec}": the user name "${user}" contains white space.`);
  }
  if (host === '') throw new SnapshotError('BAD_INPUT', `Remote backup root "${spec}" has no host name before ":": write [user@]host:/absolute/path.`);
  if (host.startsWith('-')) throw new SnapshotError('BAD_INPUT', `Remote backup root "${spec}": the host "${host}" starts with "-", which ssh would read as an option; it is refused.`);
  if (/[\s'"`$;&|<>\\()@]/.test(host)) throw new SnapshotError('BAD_INPUT', `Remote backup root "${spec}": "${host}" is not a valid host name.`);
  if (!rawPath.startsWith('/'))
    throw new SnapshotError(
      'BAD_INPUT',
      `Remote backup root "${spec}": the path "${rawPath}" must be absolute (start with "/"), e.g. ${user ? `${user}@` : ''}${bracketed ? `[${host}]` : host}:/srv/backups/project.`,
    );

  let remotePath = path.posix.normalize(rawPath);
  if (remotePath.length > 1) remotePath = remotePath.replace(/\/+$/, '');
  const hostPart = bracketed ? `[${host}]` : host;
  return { kind: 'remote', host, user, path: remotePath, spec: `${user !== undefined ? `${user}@` : ''}${hostPart}:${remotePath}` };
}

/**
 * True when `spec` is not a plain local path and must go through the remote module, which validates it with
 * parseRootLocation: `[user@]host:path`, and anything starting with `-` (refused there, before any process runs).
 */
export function isRemoteRootSpec(spec: string): boolean {
  return typeof spec === 'string' && (spec.startsWith('-') || /^rsync:\/\//i.test(spec) || splitRemote(spec) !== undefined);
}

/** `[user@]host` as ssh takes it on its command line. */
export function sshDestination(location: RemoteRootLocation): string {
  return location.user !== undefined ? `${location.user}@${location.host}` : location.host;
}

/** `[user@]host:PATH` for rsync (IPv6 hosts in brackets). */
export function rsyncRemoteArg(location: RemoteRootLocation, remotePath: string): string {
  const host = location.host.includes(':') ? `[${location.host}]` : location.host;
  return `${location.user !== undefined ? `${location.user}@` : ''}${host}:${remotePath}`;
}

function splitRemote(spec: string): { user?: string; host: string; rawPath: string; bracketed: boolean } | undefined {
  const colon = spec.indexOf(':');
  if (colon < 0) return undefined;
  const slash = spec.indexOf('/');
  // user@[v6::addr]:/path — the colons inside brackets do not count.
  const at = spec.lastIndexOf('@', colon);
  const afterUser = at >= 0 ? at + 1 : 0;
  if (spec[afterUser] === '[') {
    const close = spec.indexOf(']', afterUser);
    if (close > 0 && spec[close + 1] === ':' && (slash < 0 || slash > close)) {
      return { user: at >= 0 ? spec.slice(0, at) : undefined, host: spec.slice(afterUser + 1, close), rawPath: spec.slice(close + 2), bracketed: true };
    }
  }
  if (slash >= 0 && slash < colon) return undefined;
  const hostPart = spec.slice(0, colon);
  const userAt = hostPart.lastIndexOf('@');
  return {
    user: userAt >= 0 ? hostPart.slice(0, userAt) : undefined,
    host: userAt >= 0 ? hostPart.slice(userAt + 1) : hostPart,
    rawPath: spec.slice(colon + 1),
    bracketed: false,
  };
}

/** For messages: control characters shown as escapes so they cannot forge output. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
