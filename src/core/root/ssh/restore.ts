import path from 'node:path';
import type { ItemInfo } from '../../restore/types';
import { SnapshotError } from '../../util/errors';
import { nameBytes } from '../../util/nameBytes';
import type { RestoreAccess } from '../backupRoot';
import { checkSnapshotName } from '../files';
import { RemoteRootLocation } from '../location';
import { REMOTE_EXIT, remotePath, remoteSpec, rootProblem } from './list';
import type { Ssh } from './ssh';
import type { SshTransport } from './transport';

const posix = path.posix;

/**
 * "$1" = snapshot folder, "$2" = relative path ('.' for all), every byte written as printf's \ooo (so a name that is
 * not UTF-8 arrives byte for byte; the trailing x keeps a final newline). Exit 3 when missing, 7 when the path leads through a
 * symlink inside the snapshot (its parent's real path is not the snapshot's real path + parent); else prints d or f.
 */
const SOURCE_SCRIPT = `
rel=$(printf "$2x") && rel=\${rel%x}
set -- "$1" "$rel"
cd "$1" 2>/dev/null || exit ${REMOTE_EXIT.missing}
base=$(pwd -P)
[ -e "$2" ] || [ -L "$2" ] || exit ${REMOTE_EXIT.missing}
if [ "$2" != . ]; then
  dir=$(dirname -- "$2")
  real=$(cd -- "$dir" 2>/dev/null && pwd -P) || exit ${REMOTE_EXIT.missing}
  if [ "$dir" = . ]; then want=$base; else want="$base/$dir"; fi
  [ "$real" = "$want" ] || exit ${REMOTE_EXIT.outside}
fi
if [ -d "$2" ] && [ ! -L "$2" ]; then printf d; else printf f; fi
`;

/**
 * One ssh call: lstat of each path (absolute, NUL-separated on stdin, so names that are not UTF-8 arrive byte for
 * byte; xargs runs "$1", the per-path part, on them), NUL-separated per path: `-` when missing, else
 * `raw-mode-hex size mtime-seconds` and the link target (empty for non-links).
 */
const STAT_ITEMS_SCRIPT = `
printf 'rsync-snapshots-items\\0'
xargs -0 sh -c "$1" sh
`;

const STAT_EACH_SCRIPT = `
for p; do
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then printf -- '-\\0\\0'; continue; fi
  s=$(stat -c '%f %s %Y' -- "$p" 2>/dev/null) || { printf -- '-\\0\\0'; continue; }
  printf '%s\\0' "$s"
  if [ -L "$p" ]; then t=$(readlink -- "$p"; echo x); printf '%s\\0' "\${t%?x}"; else printf '\\0'; fi
done
`;

function kindOfMode(mode: number): ItemInfo['kind'] {
  const type = mode & 0o170000;
  return type === 0o040000 ? 'folder' : type === 0o120000 ? 'symlink' : type === 0o100000 ? 'file' : 'special file';
}

/** lstat of many paths on the host in one ssh call; undefined where missing. */
async function statRemoteItems(location: RemoteRootLocation, transport: SshTransport, paths: string[], signal?: AbortSignal): Promise<(ItemInfo | undefined)[]> {
  if (!paths.length) return [];
  const input = Buffer.concat(paths.flatMap((p) => [nameBytes(p), Buffer.alloc(1)]));
  const result = await transport.execScript(STAT_ITEMS_SCRIPT, [STAT_EACH_SCRIPT], { signal, input });
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  const fields = result.stdout.toString('utf8').split('\0');
  if (fields[0] !== 'rsync-snapshots-items' || fields.length < 1 + 2 * paths.length)
    throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while checking restored items against ${location.spec}.`);
  return paths.map((_, i) => {
    const line = fields[1 + 2 * i];
    if (line === '-') return undefined;
    const [modeHex, size, mtime] = line.split(' ');
    const mode = parseInt(modeHex, 16);
    return { kind: kindOfMode(mode), mode: mode & 0o7777, size: Number(size), mtimeSeconds: Number(mtime), linkTarget: fields[2 + 2 * i] || undefined };
  });
}

/** The source side of a restore from a remote root: checks and stats on the host, one ssh call each. */
export function sshRestore({ location, transport }: Ssh): RestoreAccess {
  return {
    async source(snapshot, rel, signal) {
      const escaped = [...nameBytes(rel)].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
      const check = await transport.execScript(SOURCE_SCRIPT, [remotePath(location, checkSnapshotName(snapshot)), escaped], { signal });
      if (check.exitCode === REMOTE_EXIT.missing)
        throw new SnapshotError('NOT_FOUND', `${rel} is not in snapshot ${snapshot} of ${location.spec}: pick another snapshot or check the path (relative to the snapshotted folder).`);
      if (check.exitCode === REMOTE_EXIT.outside)
        throw new SnapshotError('BAD_INPUT', `${rel} leads through a symlink inside snapshot ${snapshot}: give the path of the link itself or of a real folder.`);
      if (check.exitCode !== 0) throw rootProblem(location, check.exitCode, check.stderr);
      return { sourceType: check.stdout.toString() === 'd' ? 'folder' : 'file', sourcePath: rel === '.' ? remoteSpec(location, snapshot) : remoteSpec(location, snapshot, rel) };
    },
    items(plan, itemPaths, signal) {
      const source = plan.relativePath === '.' ? remotePath(location, plan.snapshot) : remotePath(location, plan.snapshot, plan.relativePath);
      return statRemoteItems(
        location,
        transport,
        itemPaths.map((p) => (plan.sourceType === 'file' || p === '.' ? source : posix.join(source, p))),
        signal,
      );
    },
    protectRoot: async () => [], // a remote root never lies inside a local target
  };
}
