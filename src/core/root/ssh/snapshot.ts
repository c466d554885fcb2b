import { SnapshotError } from '../../util/errors';
import type { SnapshotAccess } from '../backupRoot';
import type { FilesystemSpace } from '../../snapshot/spaceFloor';
import { latestNotMoved } from '../../snapshot/run';
import { DELETING_PREFIX, IN_PROGRESS_PREFIX, LATEST_LINK, LATEST_TEMP_PREFIX, META_DIR } from '../format';
import { rsyncRemoteArg } from '../location';
import { REMOTE_EXIT, remotePath, remoteSpec } from './list';
import type { Ssh } from './ssh';

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
 * (symlink under a temp name, then mv -T over), write the sidecar notes from stdin, remove crashed leftovers (also temp
 * latest links and half-written notes of runs killed in this script) and an interrupted prune's .deleting-* folders.
 * "$1" = root, "$2" = name, "$3" = sidecar folder, then leftovers.
 */
const FINISH_SCRIPT = `
cd "$1" || exit ${REMOTE_EXIT.missing}
name=$2; meta=$3; shift 3
if [ -e "$name" ] || [ -L "$name" ]; then echo "$name already exists" >&2; exit 10; fi
mv -T -- "${IN_PROGRESS_PREFIX}$name" "$name" || exit 11
touch -- "$name"
for f in ${LATEST_TEMP_PREFIX}*; do [ -L "$f" ] && rm -f -- "$f"; done
for f in "$meta"/????-??-??T??-??-??.json.tmp; do [ -f "$f" ] && rm -f -- "$f"; done
tmp="${LATEST_TEMP_PREFIX}$$"
ln -s -- "$name" "$tmp" || exit 12
mv -T -f -- "$tmp" ${LATEST_LINK} || { rm -f -- "$tmp"; exit 13; }
{ mkdir -p -- "$meta" && cat > "$meta/$name.json.tmp" && mv -f -- "$meta/$name.json.tmp" "$meta/$name.json"; } || { rm -f -- "$meta/$name.json.tmp"; echo "could not write the snapshot notes" >&2; }
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
 * A snapshot into a remote root, the seed's remote workflow made crash-safe like the local one: the lock script
 * checks or creates the root; mkdir ROOT/.inprogress-NAME (1 ssh); rsync pushes through the shared connection; one ssh
 * call renames, touches, swings latest and writes the notes.
 */
export function sshSnapshots(ssh: Ssh): SnapshotAccess {
  const { location, transport, logger } = ssh;
  const inProgress = (name: string) => remotePath(location, IN_PROGRESS_PREFIX + name);
  return {
    async prepare() {
      // The lock script checks (or creates) the root on the host, in the same ssh call that takes the lock.
    },
    async tidy() {
      // The finish script removes stale temp links and half-written notes in the same ssh call.
    },
    async checkLatestReplaceable(listing) {
      if (listing.latestState === 'not-a-snapshot' && listing.latestTarget === undefined)
        throw new SnapshotError('ROOT_INVALID', `${remoteSpec(location, LATEST_LINK)} is a real file or folder, not a symlink: move it away so latest can be updated.`);
    },
    nameTaken: async () => false, // the listing saw every entry of the root
    selfExcludes: async () => [], // a remote root never lies inside a local source
    async space() {
      // GNU stat: fundamental block size, blocks in all, blocks available, inodes in all, inodes free.
      const r = await transport.exec(['stat', '-f', '-c', '%S %b %a %c %d', '--', location.path]).catch(() => undefined);
      return r && r.exitCode === 0 ? parseStatFs(r.stdout.toString()) : undefined;
    },
    async begin(name) {
      const mkdir = await transport.exec(['mkdir', '--', inProgress(name)]);
      if (mkdir.exitCode !== 0) throw new SnapshotError('ROOT_INVALID', `Could not create ${rsyncRemoteArg(location, inProgress(name))}: ${mkdir.stderr.trim() || `exit ${mkdir.exitCode}`}.`);
    },
    async abort(name) {
      // When the host cannot be reached any more, the unfinished copy stays there (the next run reuses it).
      return transport.execScript(REMOVE_SCRIPT, [inProgress(name)]).then(
        (r) => r.exitCode === 0,
        (err) => (logger.warn(`could not remove ${inProgress(name)} on ${location.host}: ${err}`), false),
      );
    },
    async finish(name, meta, leftovers, listing) {
      const finish = await transport.execScript(FINISH_SCRIPT, [location.path, name, META_DIR, ...leftovers.map((n) => remotePath(location, n))], { input: JSON.stringify(meta, null, 2) + '\n' });
      if (finish.stderr.trim()) logger.warn(finish.stderr.trim());
      if (finish.exitCode !== 0) {
        const why = finish.stderr.trim() || `exit ${finish.exitCode}`;
        if (finish.exitCode >= 12) throw new SnapshotError('ROOT_INVALID', latestNotMoved(location.path, name, listing.latest?.name, why, /No space left|Disk quota/i.test(why), location.host));
        await transport.execScript(REMOVE_SCRIPT, [inProgress(name)]).catch(() => {});
        throw new SnapshotError('ROOT_INVALID', `Could not finish snapshot ${name} on ${location.host}: ${why}. Nothing was kept; latest is unchanged.`);
      }
    },
  };
}

/** `stat -f -c '%S %b %a %c %d'` output as space; undefined when it is not five numbers. */
function parseStatFs(stdout: string): FilesystemSpace | undefined {
  const n = stdout.trim().split(/\s+/).map(Number);
  if (n.length !== 5 || n.some((v) => !Number.isFinite(v))) return undefined;
  const [blockSize, blocks, avail, inodes, freeInodes] = n;
  return { blockSize, totalBytes: blocks * blockSize, freeBytes: avail * blockSize, totalInodes: inodes, freeInodes };
}
