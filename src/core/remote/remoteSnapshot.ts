import path from 'node:path';
import { SnapshotError } from '../errors';
import { LOCK_FILE, lockHolderPhrase, LockOperation, parseLockNote } from '../lock';
import { silentLogger } from '../logger';
import { describeRsyncFailure, runRsync } from '../rsync';
import { checkSource, SnapshotOptions, SnapshotResult } from '../snapshot';
import { META_DIR } from '../snapshotMeta';
import { removeStaleRestoreTemp, RESTORE_TEMP_EXCLUDE } from '../restoreTemp';
import { DELETING_PREFIX, IN_PROGRESS_PREFIX } from '../snapshotName';
import { findExecutable } from '../tools';
import { listRemoteSnapshots, REMOTE_EXIT, remoteLocation, remotePath, remoteSpec, rootProblem } from './remoteRoot';
import { chooseLinkDest, exitWarnings, freshName, latestNotMoved, leftBehind, snapshotMetaOf, snapshotResult } from '../snapshotRun';
import { RemoteRootLocation, rsyncRemoteArg } from './rootLocation';
import { SshTransport, sshCounters } from './sshTransport';

/** The lock held on the host, for as long as our ssh child lives. */
export interface RemoteLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Checks (or creates) the root, then holds the same flock(2) lock file as local runs and the cron line:
 * `flock -n -E 75 ROOT/.rsync-snapshots.lock cat` with its stdin fed by our ssh child. When we exit or die, ssh's
 * stdin closes, the remote cat ends and the kernel drops the lock — a killed run never blocks the root.
 */
const LOCK_SCRIPT = `
root=$1
if [ ! -d "$root" ]; then
  [ -e "$root" ] && exit ${REMOTE_EXIT.notDirectory}
  [ "$2" = create ] || exit ${REMOTE_EXIT.missing}
  mkdir -p -- "$root" || exit ${REMOTE_EXIT.notWritable}
fi
[ -r "$root" ] && [ -x "$root" ] || exit ${REMOTE_EXIT.unreadable}
probe="$root/.rsync-snapshots.probe-$$"
{ : > "$probe"; } 2>/dev/null || exit ${REMOTE_EXIT.notWritable}
rm -f -- "$probe"
command -v flock >/dev/null 2>&1 || exit ${REMOTE_EXIT.noTool}
lock="$root/$3"
# Held: "PID OPERATION" in the lock file (flock never reads it), emptied again when we let go. Busy: the holder's note.
flock -n -E ${REMOTE_EXIT.busy} "$lock" sh -c 'printf "%s %s\\n" "$$" "$1" > "$2" 2>/dev/null; cat; : > "$2" 2>/dev/null' sh "$4" "$lock"
rc=$?
[ $rc = ${REMOTE_EXIT.busy} ] && { printf 'holder: ' >&2; head -c 200 -- "$lock" >&2 2>/dev/null; }
exit $rc
`;

export async function acquireRemoteLock(location: RemoteRootLocation, transport: SshTransport, create = false, operation: LockOperation = 'snapshot'): Promise<RemoteLock> {
  const lockPath = remotePath(location, LOCK_FILE);
  const child = await transport.spawn(['sh', '-c', LOCK_SCRIPT, 'sh', location.path, create ? 'create' : 'no', LOCK_FILE, operation]);
  const acquired = await new Promise<boolean>((resolve) => {
    // cat echoes our line only once flock holds the lock.
    child.stdout.once('data', () => resolve(true));
    child.exited.then(() => resolve(false));
    child.stdin.write('locked\n');
  });
  if (!acquired) {
    const code = await child.exited;
    if (code === 255) throw transport.failure(child.stderr());
    if (code === REMOTE_EXIT.busy) {
      const holder = parseLockNote(/holder: (.*)/.exec(child.stderr())?.[1] ?? '');
      if (holder.pid !== undefined)
        throw new SnapshotError('LOCKED', `${lockHolderPhrase(holder.operation, location.spec)} is already running (pid ${holder.pid} on ${location.host}). Wait for it to finish, or stop that process.`);
      throw new SnapshotError('LOCKED', `A snapshot into ${location.spec} is already running (another process, e.g. a cron job, holds ${lockPath} on ${location.host}). Wait for it to finish.`);
    }
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

/**
 * "$@" = folders to remove (absolute): read-only or unreadable folders (rsync -a copies modes) are opened up first —
 * folders only, never files, whose inodes are shared with other snapshots. `-exec … \;` fixes each folder as it is
 * met, before find goes into it.
 */
export const REMOVE_SCRIPT = `
for d; do
  [ -d "$d" ] || continue
  find "$d" -type d ! -perm -u+rwx -exec chmod u+rwx {} \\; 2>/dev/null
  rm -rf -- "$d"
done
`;

/**
 * The final step in one ssh call, under the lock: rename .inprogress-NAME → NAME, touch it, swing latest atomically
 * (symlink under a temp name, then mv -T over), write the sidecar notes from stdin, remove crashed leftovers and an
 * interrupted prune's .deleting-<snapshot name> folders.
 * "$1" = root, "$2" = name, "$3" = sidecar folder, then leftovers.
 */
const FINISH_SCRIPT = `
cd "$1" || exit ${REMOTE_EXIT.missing}
name=$2; meta=$3; shift 3
if [ -e "$name" ] || [ -L "$name" ]; then echo "$name already exists" >&2; exit 10; fi
mv -T -- ".inprogress-$name" "$name" || exit 11
touch -- "$name"
tmp=".latest.tmp-$$"
ln -s -- "$name" "$tmp" || exit 12
mv -T -f -- "$tmp" latest || { rm -f -- "$tmp"; exit 13; }
{ mkdir -p -- "$meta" && cat > "$meta/$name.json.tmp" && mv -f -- "$meta/$name.json.tmp" "$meta/$name.json"; } || echo "could not write the snapshot notes" >&2
for d in ${DELETING_PREFIX}*; do
  case \${d#${DELETING_PREFIX}} in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]) ;;
    *) continue ;;
  esac
  [ -d "$d" ] && [ ! -L "$d" ] && set -- "$@" "$PWD/$d"
done
${REMOVE_SCRIPT}
exit 0
`;

/**
 * takeSnapshot for a remote root `[user@]host:/path`, the seed's remote workflow made crash-safe like the local one:
 * lock (ssh flock) → list (1 ssh) → mkdir ROOT/.inprogress-NAME (1 ssh) →
 * rsync -a -s -e '<ssh…>' --link-dest=<remote absolute latest target> SRC/ host:ROOT/.inprogress-NAME/ →
 * one ssh call that renames, touches, swings latest and writes the notes. All ssh calls share one connection.
 * On failure or cancel the partial folder is removed and latest is untouched.
 */
export async function takeRemoteSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const started = Date.now();
  const location = remoteLocation(options.root);
  const logger = options.logger ?? silentLogger;
  const source = path.resolve(options.source);
  await checkSource(source);
  const rsync = await findExecutable('rsync', options.rsyncPath);
  const transport = new SshTransport(location, { sshCommand: options.sshCommand, logger });

  const lock = await acquireRemoteLock(location, transport, options.createRoot ?? false, options.label === 'pre-restore' ? 'restore' : 'snapshot');
  try {
    await removeStaleRestoreTemp(source).catch((err) => logger.warn(`could not remove a killed restore's temporary files in ${source}: ${err}`));
    const listing = await listRemoteSnapshots(location, transport);
    if (listing.latestState === 'not-a-snapshot' && listing.latestTarget === undefined)
      throw new SnapshotError('ROOT_INVALID', `${remoteSpec(location, 'latest')} is a real file or folder, not a symlink: move it away so latest can be updated.`);
    const name = await freshName(listing, options.now ?? new Date());
    const partialName = IN_PROGRESS_PREFIX + name;
    const partialDir = remotePath(location, partialName);
    const leftovers = listing.inProgress.map((n) => remotePath(location, n));
    const { linkDest, fullCopyReason } = chooseLinkDest(listing, (n) => remotePath(location, n));
    const warnings: string[] = [];
    if (fullCopyReason) warnings.push(fullCopyReason);

    const mkdir = await transport.exec(['mkdir', '--', partialDir]);
    if (mkdir.exitCode !== 0) throw new SnapshotError('ROOT_INVALID', `Could not create ${rsyncRemoteArg(location, partialDir)}: ${mkdir.stderr.trim() || `exit ${mkdir.exitCode}`}.`);

    // -s (--protect-args / --secluded-args): paths and options travel inside rsync's protocol, not through the
    // remote shell, so spaces, quotes, ; and $() in the root arrive verbatim.
    const args = ['-a', '-s', '--modify-window=-1', '--no-human-readable', '--info=progress2', '--stats', '-e', transport.rsyncShell()];
    if (options.oneFileSystem) args.push('--one-file-system');
    for (const pattern of options.excludes ?? []) args.push(`--exclude=${pattern}`);
    args.push(RESTORE_TEMP_EXCLUDE); // a killed restore's temporary files are never part of a snapshot
    if (linkDest) args.push(`--link-dest=${linkDest}`);
    for (const leftover of leftovers.slice(-19)) args.push(`--link-dest=${leftover}`);
    args.push('--', `${source}/`, rsyncRemoteArg(location, `${partialDir}/`));

    sshCounters.processesStarted++; // rsync's own ssh (through the shared connection)
    const run = await runRsync(rsync, args, { signal: options.signal, onProgress: options.onProgress, logger });
    const ok = run.exitCode === 0 || run.exitCode === 23 || run.exitCode === 24;
    if (run.cancelled || !ok) {
      // When the host cannot be reached any more, the unfinished copy stays there: say so (the next run reuses it).
      const removed = await transport.execScript(REMOVE_SCRIPT, [partialDir]).then((r) => r.exitCode === 0, (err) => (logger.warn(`could not remove ${partialDir} on ${location.host}: ${err}`), false));
      const tail = leftBehind(location.path, listing.latest?.name, [...listing.inProgress, ...(removed ? [] : [partialName])], location.host);
      if (run.cancelled) throw new SnapshotError('CANCELLED', `Snapshot cancelled. ${tail}`);
      if (run.exitCode === 255 || /ssh: |Host key verification failed|Permission denied \(/.test(run.stderr)) {
        const ssh = transport.failure(run.stderr);
        throw new SnapshotError('SSH_FAILED', `Snapshot failed: ${ssh.message} ${tail}`, ssh.details);
      }
      throw new SnapshotError('RSYNC_FAILED', `Snapshot failed: ${describeRsyncFailure(run)}. ${tail}`, run.stderr.split('\n').filter(Boolean));
    }

    const { unreadable, warnings: exitNotes } = exitWarnings(run);
    warnings.push(...exitNotes);

    const result = snapshotResult({ name, path: remoteSpec(location, name), root: location.spec, linkDest, fullCopyReason, durationMs: Date.now() - started, unreadable, warnings }, run);
    const meta = snapshotMetaOf(result, { label: options.label, source });
    const finish = await transport.execScript(FINISH_SCRIPT, [location.path, name, META_DIR, ...leftovers], { input: JSON.stringify(meta, null, 2) + '\n' });
    if (finish.stderr.trim()) logger.warn(finish.stderr.trim());
    if (finish.exitCode !== 0) {
      const why = finish.stderr.trim() || `exit ${finish.exitCode}`;
      if (finish.exitCode >= 12)
        throw new SnapshotError('ROOT_INVALID', latestNotMoved(location.path, name, listing.latest?.name, why, /No space left|Disk quota/i.test(why), location.host));
      await transport.execScript(REMOVE_SCRIPT, [partialDir]).catch(() => {});
      throw new SnapshotError('ROOT_INVALID', `Could not finish snapshot ${name} on ${location.host}: ${why}. Nothing was kept; latest is unchanged.`);
    }
    result.durationMs = Date.now() - started;
    logger.info(`snapshot ${location.spec}/${name}: ${result.filesTransferred} files copied, ${result.filesUnchanged} unchanged (linked), ${result.durationMs} ms`);
    return result;
  } finally {
    await lock.release();
  }
}

