import { SnapshotError } from '../../util/errors';
import type { PruneAccess } from '../backupRoot';
import { DELETING_PREFIX, LATEST_LINK, META_DIR } from '../format';
import { RemoteRootLocation } from '../location';
import { LIST_SCRIPT, listRemote, parseRemoteListing, REMOTE_EXIT, rootProblem } from './list';
import { acquireRemoteLock } from './lock';
import { readScriptAnswer } from './scriptAnswer';
import { REMOVE_SCRIPT } from './snapshot';
import type { Ssh } from './ssh';

/** One ssh call: `dev:ino mtime-seconds` of every snapshot-named folder ("$1" = root), then `/end` and the listing. */
const PLAN_SCRIPT = `
printf 'rsync-snapshots-prune\\0'
for top in "$1"/[0-9]*; do
  [ -d "$top" ] && [ ! -L "$top" ] || continue
  s=$(stat -c '%d:%i %Y' -- "$top") || continue
  printf '%s\\0%s\\0' "\${top##*/}" "$s"
done
printf '/end\\0'
${LIST_SCRIPT}`;

/**
 * Under the remote lock, one ssh call: "$1" = root, "$2" = sidecar folder, "$3" = the removal script of root/ssh/snapshot.ts
 * (run as `sh -c "$3" sh DIR`), "$4" = newest snapshot, "$5" = latest's snapshot, then pairs (name, planned dev:ino).
 * Removes leftover .deleting-* folders (printing each as NAME + `finished`), then per pair re-checks (a real folder, the same one as planned, not the newest,
 * not what latest resolves to), renames it to .deleting-NAME, removes its notes and the folder. Prints name + outcome.
 */
const APPLY_SCRIPT = `
cd "$1" 2>/dev/null || exit ${REMOTE_EXIT.missing}
meta=$2; remove=$3; newest=$4; latest=$5; shift 5
for d in ${DELETING_PREFIX}*; do
  case \${d#${DELETING_PREFIX}} in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]) ;;
    *) continue ;;
  esac
  [ -d "$d" ] && [ ! -L "$d" ] || continue
  sh -c "$remove" sh "$d"
  [ -e "$d" ] || printf '%s\\0finished\\0' "$d"
done
lr=$(cd ${LATEST_LINK} 2>/dev/null && pwd -P)
while [ $# -ge 2 ]; do
  n=$1; id=$2; shift 2
  printf '%s\\0' "$n"
  if [ -L "$n" ]; then printf 'a symlink, not a snapshot\\0'; continue; fi
  if [ ! -e "$n" ]; then printf 'already gone\\0'; continue; fi
  if [ ! -d "$n" ]; then printf 'not a directory\\0'; continue; fi
  if [ "$(stat -c '%d:%i' -- "$n")" != "$id" ]; then printf 'replaced by another directory since the preview\\0'; continue; fi
  if [ "$n" = "$newest" ]; then printf 'it is the newest snapshot\\0'; continue; fi
  if [ "$n" = "$latest" ]; then printf 'latest points at it\\0'; continue; fi
  if [ -n "$lr" ] && [ "$(cd -- "$n" && pwd -P)" = "$lr" ]; then printf 'latest points at it\\0'; continue; fi
  if ! mv -T -- "$n" "${DELETING_PREFIX}$n" 2>/dev/null; then printf 'could not be renamed (permission denied?)\\0'; continue; fi
  rm -f -- "$meta/$n.json" "$meta/$n.changes"
  sh -c "$remove" sh "${DELETING_PREFIX}$n"
  if [ -e "${DELETING_PREFIX}$n" ]; then printf 'partial\\0'; else printf 'deleted\\0'; fi
done
`;

function parsePlanAnswer(location: RemoteRootLocation, output: Buffer): { stats: Map<string, { id: string; mtime: Date }>; rest: Buffer } {
  const answer = readScriptAnswer(location, output, 'rsync-snapshots-prune', 'planning a prune of');
  const next = answer.text;
  const stats = new Map<string, { id: string; mtime: Date }>();
  for (;;) {
    const name = next();
    if (name === '/end') break;
    const [id, mtime] = next().split(' ');
    stats.set(name, { id, mtime: new Date(Number(mtime) * 1000) });
  }
  return { stats, rest: answer.rest() };
}

/**
 * A prune on a remote root. Scan: listing + stats in 1 ssh call. Remove: takes the remote flock lock (1 ssh process for
 * as long as it is held), lists the root under it (1 call), then re-checks and deletes every planned snapshot in ONE
 * call (rename to .deleting-NAME first, then the same removal script as a failed snapshot's cleanup). Never the newest,
 * latest, a symlink or a non-snapshot.
 */
export function sshPrune(ssh: Ssh): PruneAccess {
  const { location, transport } = ssh;
  return {
    async scan(signal) {
      const result = await transport.execScript(PLAN_SCRIPT, [location.path], { signal });
      if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
      const { stats, rest } = parsePlanAnswer(location, result.stdout);
      return { listing: parseRemoteListing(location, rest), stats };
    },
    async remove(entries, options) {
      const deleted: string[] = [];
      const skipped: { name: string; why: string }[] = [];
      const finished: string[] = [];
      const lock = await acquireRemoteLock(ssh, false, 'prune');
      try {
        const listing = await listRemote(ssh);
        const newest = listing.snapshots[listing.snapshots.length - 1]?.name ?? '';
        const pairs: string[] = [];
        for (const entry of entries) {
          if (options.signal?.aborted) skipped.push({ name: entry.name, why: 'cancelled' });
          else pairs.push(entry.name, entry.id);
        }
        {
          // Run even with nothing planned: it finishes the deletions an interrupted prune left.
          const result = await transport.execScript(APPLY_SCRIPT, [location.path, META_DIR, REMOVE_SCRIPT, newest, listing.latest?.name ?? '', ...pairs], { signal: options.signal });
          if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
          const fields = result.stdout.toString('utf8').split('\0');
          let done = 0;
          for (let i = 0; i + 1 < fields.length; i += 2) {
            const [name, outcome] = [fields[i], fields[i + 1]];
            if (outcome === 'finished') finished.push(name);
            else if (outcome === 'deleted') {
              deleted.push(name);
              options.onProgress?.(++done, entries.length, name);
            } else if (outcome === 'partial') {
              throw new SnapshotError(
                'ROOT_INVALID',
                `Snapshot ${name} was unlisted but could not be removed completely on ${location.host}: remove ${location.path}/${DELETING_PREFIX}${name} by hand (rm -rf) to free its space.`,
              );
            } else skipped.push({ name, why: outcome });
          }
        }
      } finally {
        await lock.release();
      }
      return { deleted, skipped, finished };
    },
  };
}
