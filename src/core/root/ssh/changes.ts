import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FIND_FORMAT, makeDev, readFindRecord } from '../../changes/findListing';
import { diffTrees, ListedEntry, listingSide, localSide, RawTreeDiff, TreeSide } from '../../changes/treeDiff';
import { mapLimit } from '../../util/concurrency';
import { errnoCode, SnapshotError } from '../../util/errors';
import type { ChangesAccess } from '../backupRoot';
import { isSnapshotName, LATEST_LINK } from '../format';
import { RootListing, snapshotInListing } from '../listing';
import { RemoteRootLocation } from '../location';
import { LIST_SCRIPT, parseRemoteListing, REMOTE_EXIT, remotePath, rootProblem } from './list';
import { readScriptAnswer } from './scriptAnswer';
import type { Ssh } from './ssh';
import type { SshTransport } from './transport';

/**
 * One ssh call: every entry of the snapshot folders named "$2" (and "$3"), then the root listing. "$1" = root.
 * Prints a marker, then per name: the name (`latest` resolved to the name it points at), then `absent`,
 * `unreadable` or `ok` followed by one NUL-separated record per entry (GNU find -printf: `%y` type, or `U` for a
 * folder that cannot be listed, whose content is not walked) and `R` records (major, minor in hex, ./path) giving
 * the device number of block/char devices, ended by a `/` field (no type is "/"); then `/end`, then the listing
 * script's output. NUL-separated fields, nothing escaped: names come back byte for byte, newlines included.
 */
const CHANGES_SCRIPT = `
root=$1
find / -maxdepth 0 -readable -executable -printf '' 2>/dev/null || exit ${REMOTE_EXIT.noTool}
printf 'rsync-snapshots-changes\\0'
k=0
for n; do
  k=$((k + 1))
  [ $k -eq 1 ] && continue
  if [ "$n" = ${LATEST_LINK} ]; then
    n=$(readlink -- "$root/${LATEST_LINK}" 2>/dev/null; echo x); n=\${n%?x}; n=\${n%/}; n=\${n##*/}
  fi
  printf '%s\\0' "$n"
  d=$root/$n
  if [ -z "$n" ] || [ ! -d "$d" ] || [ -L "$d" ]; then printf 'absent\\0'; continue; fi
  if [ ! -r "$d" ] || [ ! -x "$d" ]; then printf 'unreadable\\0'; continue; fi
  printf 'ok\\0'
  (cd -- "$d" && find . -mindepth 1 \\
    \\( -type d ! \\( -readable -executable \\) -printf 'U${FIND_FORMAT}' -prune \\) \\
    -o \\( \\( -type b -o -type c \\) -exec stat --printf 'R\\0%t\\0%T\\0%n\\0' -- {} + -false \\) \\
    -o -printf '%y${FIND_FORMAT}')
  printf '/\\0'
done
printf '/end\\0'
${LIST_SCRIPT}`;

/**
 * One ssh call for all content comparisons between two snapshot folders ("$1", "$2"): the relative paths arrive on
 * stdin, NUL-separated (no command-line length limit); prints s (same) or d (different or unreadable) per path.
 */
const CMP_SCRIPT = `
A=$1 B=$2
export A B
xargs -0 sh -c 'for p; do if cmp -s -- "$A/$p" "$B/$p"; then printf s; else printf d; fi; done' sh
`;

/** One ssh call: sha256 of each regular file (relative paths on stdin, NUL-separated) in folder "$1"; `x` when unreadable. */
const HASH_SCRIPT = `
command -v sha256sum >/dev/null 2>&1 || exit ${REMOTE_EXIT.noTool}
D=$1
export D
xargs -0 sh -c 'for p; do if [ -f "$D/$p" ] && [ ! -L "$D/$p" ] && h=$(sha256sum < "$D/$p" 2>/dev/null); then printf "%s\\0" "\${h%% *}"; else printf "x\\0"; fi; done' sh
`;

/** One snapshot folder as the script listed it. */
export interface ListedTree {
  /** The name the script resolved (for `latest`: the snapshot it pointed at), '' when there was none. */
  name: string;
  status: 'absent' | 'unreadable' | 'ok';
  /** Relative path (latin1 text of its bytes) → entry. */
  entries: Map<string, ListedEntry>;
}

/** Pure: the changes script's output → one ListedTree per requested name, and the root listing after them. */
export function parseChangesOutput(location: RemoteRootLocation, output: Buffer, count: number): { trees: ListedTree[]; listing: RootListing } {
  const answer = readScriptAnswer(location, output, 'rsync-snapshots-changes', 'comparing snapshots in');
  const next = answer.next;
  const text = () => next().toString('latin1');
  const trees: ListedTree[] = [];
  for (let t = 0; t < count; t++) {
    const name = next().toString('utf8');
    const status = text();
    const entries = new Map<string, ListedEntry>();
    trees.push({ name, status: status === 'ok' ? 'ok' : status === 'unreadable' ? 'unreadable' : 'absent', entries });
    if (status !== 'ok') continue;
    const devices = new Map<string, bigint>();
    for (;;) {
      const type = text();
      if (type === '/') break;
      if (type === 'R') {
        const [major, minor] = [BigInt(`0x${text() || '0'}`), BigInt(`0x${text() || '0'}`)];
        devices.set(text().replace(/^\.\//, ''), makeDev(major, minor));
        continue;
      }
      const [rel, entry] = readFindRecord(type, text);
      entries.set(rel, entry);
    }
    for (const [rel, rdev] of devices) {
      const entry = entries.get(rel);
      if (entry) entry.stat = { ...entry.stat, rdev };
    }
  }
  if (text() !== '/end') throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while comparing snapshots in ${location.spec}; try again.`);
  return { trees, listing: parseRemoteListing(location, answer.rest()) };
}

/**
 * The raw diff between two snapshots of a remote root, or a remote snapshot and a LOCAL working folder (an absolute
 * path, already checked). ssh calls: one listing both snapshot folders (and the root, to resolve names), plus one
 * for all content checks if any file has the same size but another mtime (`cmp` on the host between snapshots;
 * sha256 on both sides against the working folder, so no content crosses the network). The comparison itself is
 * diffTrees, the same rules as for a local root; against the working folder inode numbers are never compared.
 */
export function sshChanges({ location, transport }: Ssh): ChangesAccess {
  return { diff: (a, b, options) => diffRemote(location, transport, a, b, options) };
}

async function diffRemote(
  location: RemoteRootLocation,
  transport: SshTransport,
  snapshotA: string,
  target: string | { working: string },
  options: Parameters<ChangesAccess['diff']>[2],
): Promise<{ from: string; to: string; raw: RawTreeDiff }> {
  const names = typeof target === 'string' ? [snapshotA, target] : [snapshotA];
  // Only real snapshot names (or latest) reach the host as folder names; anything else fails below as NOT_FOUND.
  const asked = names.map((n) => (n === LATEST_LINK || isSnapshotName(n) ? n : ''));
  const result = await transport.execScript(CHANGES_SCRIPT, [location.path, ...asked], { signal: options.signal });
  if (result.exitCode === REMOTE_EXIT.noTool)
    throw new SnapshotError('TOOL_NOT_FOUND', `Comparing snapshots on ${location.host} needs GNU find (findutils) there: install it ("sudo apt-get install findutils").`);
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  const { trees, listing } = parseChangesOutput(location, result.stdout, names.length);
  const sides: TreeSide[] = names.map((name, i) => {
    const snapshot = snapshotInListing(listing, name);
    const tree = trees[i];
    if (tree.name !== snapshot.name) throw new SnapshotError('SSH_FAILED', `"${LATEST_LINK}" in ${location.spec} changed while comparing (a snapshot was just taken?): try again.`);
    if (tree.status === 'absent')
      throw new SnapshotError(
        'NOT_FOUND',
        `Snapshot ${snapshot.name} disappeared from ${location.spec} while comparing (pruned meanwhile?). Run "rsync-snapshots list ${location.spec}" to see the snapshots.`,
      );
    return listingSide(tree.entries, tree.status === 'unreadable');
  });
  const [from, to] = [trees[0].name, typeof target === 'string' ? trees[1].name : target.working];
  const dirA = remotePath(location, from);
  let raw: RawTreeDiff;
  if (typeof target === 'string') {
    const dirB = remotePath(location, to);
    raw = await diffTrees(sides[0], sides[1], {
      exclude: options.exclude,
      signal: options.signal,
      checksum: options.checksum,
      sameContent: async (rels) => {
        const answer = await runWithPaths(transport, location, CMP_SCRIPT, [dirA, dirB], rels, options.signal);
        const text = answer.toString('latin1');
        if (text.length !== rels.length || /[^sd]/.test(text))
          throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while comparing files (${text.length} results for ${rels.length} files); try again.`);
        return [...text].map((c) => c === 's');
      },
    });
  } else {
    const working = target.working;
    raw = await diffTrees(sides[0], localSide(working), {
      exclude: options.exclude,
      signal: options.signal,
      checksum: options.checksum,
      sameMachine: false,
      sameContent: async (rels) => {
        const [remote, local] = await Promise.all([
          remoteHashes(transport, location, dirA, rels, options.signal),
          mapLimit(rels, 8, (rel) => localHash(Buffer.concat([Buffer.from(working), Buffer.from('/'), rel]))),
        ]);
        return rels.map((_, i) => remote[i] !== undefined && remote[i] === local[i]);
      },
    });
  }
  return { from, to, raw };
}

/** Runs a script with the relative paths on stdin, NUL-separated; exit code checked. */
async function runWithPaths(transport: SshTransport, location: RemoteRootLocation, script: string, args: string[], rels: Buffer[], signal?: AbortSignal): Promise<Buffer> {
  const input = Buffer.concat(rels.flatMap((rel) => [rel, Buffer.alloc(1)]));
  const result = await transport.execScript(script, args, { input, signal });
  if (result.exitCode === REMOTE_EXIT.noTool) throw new SnapshotError('TOOL_NOT_FOUND', `sha256sum is not installed on ${location.host}: install it there ("sudo apt-get install coreutils").`);
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  return result.stdout;
}

async function remoteHashes(transport: SshTransport, location: RemoteRootLocation, dir: string, rels: Buffer[], signal?: AbortSignal): Promise<(string | undefined)[]> {
  const fields = (await runWithPaths(transport, location, HASH_SCRIPT, [dir], rels, signal)).toString('latin1').split('\0');
  if (fields.length !== rels.length + 1 || fields[rels.length] !== '')
    throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while comparing files (${fields.length - 1} results for ${rels.length} files); try again.`);
  return fields.slice(0, -1).map((h) => (/^[0-9a-f]{64}$/.test(h) ? h : undefined));
}

/** sha256 of a local regular file, undefined when it cannot be read (then it counts as changed). */
async function localHash(file: Buffer): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EISDIR') return undefined;
    throw err;
  }
  return hash.digest('hex');
}
