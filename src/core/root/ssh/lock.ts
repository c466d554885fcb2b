import { SnapshotError } from '../../util/errors';
import type { RootLock } from '../backupRoot';
import { LOCK_FILE, PROBE_PREFIX } from '../format';
import { parseFileKind, SH_FILE_KIND } from '../fileKind';
import { lockHolderPhrase, lockNotAFile, LockOperation, parseLockNote } from '../lockNote';
import { REMOTE_EXIT, remotePath, rootProblem } from './list';
import type { Ssh } from './ssh';
import type { SpawnedRemote } from './transport';

/**
 * Checks (or creates) the root, then holds the same flock(2) lock file as local runs and the cron line. The lock file
 * is refused unless it is a regular file (`[ -L ]`, `[ -f ]` before it is opened, and the opened descriptor checked
 * again, so nothing is followed through a symlink or blocks on a FIFO); it is opened as fd 9 with `<>` (never
 * truncated on open), `flock -n -E 75 9` locks that descriptor, and `cat` then holds it with its stdin fed by our ssh
 * child. When we exit or die, ssh's stdin closes, the remote cat and shell end and the kernel drops the lock — a killed
 * run never blocks the root. The note (`PID OPERATION`) is written and emptied through fd 9 as well (`/dev/fd/9`).
 */
const LOCK_SCRIPT = `
root=$1
if [ ! -d "$root" ]; then
  [ -e "$root" ] && exit ${REMOTE_EXIT.notDirectory}
  [ "$2" = create ] || exit ${REMOTE_EXIT.missing}
  mkdir -p -- "$root" || exit ${REMOTE_EXIT.notWritable}
fi
[ -r "$root" ] && [ -x "$root" ] || exit ${REMOTE_EXIT.unreadable}
probe="$root/${PROBE_PREFIX}$$"
{ : > "$probe"; } 2>/dev/null || exit ${REMOTE_EXIT.notWritable}
rm -f -- "$probe"
command -v flock >/dev/null 2>&1 || exit ${REMOTE_EXIT.noTool}
lock="$root/$3"
${SH_FILE_KIND}
file_kind "$lock"
[ $kind = file ] || [ $kind = none ] || { echo "kind: $kind" >&2; exit ${REMOTE_EXIT.notRegular}; }
exec 9<>"$lock"
# Replaced between the test and the open: refused all the same (nothing was written).
if [ -L "$lock" ]; then kind=link; elif [ -f /dev/fd/9 ] || [ ! -e /dev/fd/9 ]; then kind=file; else file_kind "$lock"; fi
[ $kind = file ] || { echo "kind: $kind" >&2; exit ${REMOTE_EXIT.notRegular}; }
flock -n -E ${REMOTE_EXIT.busy} 9
rc=$?
# Busy: the holder's note.
[ $rc = ${REMOTE_EXIT.busy} ] && { printf 'holder: ' >&2; head -c 200 <&9 >&2 2>/dev/null; }
[ $rc = 0 ] || exit $rc
# Held: "PID OPERATION" in the lock file (flock never reads it), emptied again when we let go.
truncate -s 0 /dev/fd/9 2>/dev/null
printf '%s %s\\n' "$$" "$4" >&9
cat
truncate -s 0 /dev/fd/9 2>/dev/null
exit 0
`;

/** The lock held on the host for as long as our ssh child lives; `create` makes a missing root first. */
export async function acquireRemoteLock({ location, transport }: Ssh, create = false, operation: LockOperation = 'snapshot'): Promise<RootLock> {
  const lockPath = remotePath(location, LOCK_FILE);
  let child: SpawnedRemote;
  let acquired: boolean;
  // Usually the first connection of a job: a busy server may turn it away before login, then it is tried again.
  for (let attempt = 1; ; attempt++) {
    const started = await transport.spawn(['sh', '-c', LOCK_SCRIPT, 'sh', location.path, create ? 'create' : 'no', LOCK_FILE, operation]);
    child = started;
    acquired = await new Promise<boolean>((resolve) => {
      // cat echoes our line only once flock holds the lock.
      started.stdout.once('data', () => resolve(true));
      started.exited.then(() => resolve(false));
      started.stdin.write('locked\n');
    });
    if (acquired || (await child.exited) !== 255 || !(await transport.retryAfterRefusal(child.stderr(), attempt))) break;
  }
  if (!acquired) {
    const code = await child.exited;
    if (code === 255) throw transport.failure(child.stderr());
    if (code === REMOTE_EXIT.busy) {
      const holder = parseLockNote(/holder: (.*)/.exec(child.stderr())?.[1] ?? '');
      if (holder.pid !== undefined)
        throw new SnapshotError(
          'LOCKED',
          `${lockHolderPhrase(holder.operation, location.spec)} is already running (pid ${holder.pid} on ${location.host}). Wait for it to finish, or stop that process.`,
        );
      throw new SnapshotError('LOCKED', `A snapshot into ${location.spec} is already running (another process, e.g. a cron job, holds ${lockPath} on ${location.host}). Wait for it to finish.`);
    }
    if (code === REMOTE_EXIT.notRegular) throw lockNotAFile(lockPath, parseFileKind(/^kind: (.*)$/m.exec(child.stderr())?.[1]), location.host);
    if (code === REMOTE_EXIT.noTool) throw new SnapshotError('TOOL_NOT_FOUND', `flock is not installed on ${location.host}: install it there ("sudo apt-get install util-linux").`);
    if (code === 127) throw new SnapshotError('TOOL_NOT_FOUND', `Could not run the ssh command: ${child.stderr().trim()}`);
    throw rootProblem(location, code ?? 1, child.stderr());
  }
  child.stdout.resume();
  return {
    path: lockPath,
    release: async () => {
      child.stdin.end();
      await child.exited;
    },
  };
}
