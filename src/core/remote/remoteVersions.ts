import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../errors';
import { kindOf, quickVerdict, StatLike } from '../fileCompare';
import { checkRelativePath } from '../relativePath';
import type { FileHistory, FileVersion, VersionCopy, VersionsOptions } from '../versions';
import { buildHistory } from '../versions';
import { LIST_SCRIPT, parseRemoteListing, readRemoteFile, remoteLocation, remotePath, remoteSpec, rootProblem } from './remoteRoot';
import { RemoteRootLocation } from './rootLocation';
import { readScriptAnswer } from './scriptAnswer';
import { SshTransport } from './sshTransport';

const posix = path.posix;

/**
 * One ssh call for the listing AND the path's lstat in every snapshot-named folder of the root. "$1" = root,
 * "$2" = relative path, "$3" = its parent folder ('.' for none). Prints a marker, then per folder, NUL-separated: the
 * name, then `absent`, `eacces`, or `ok`, the stat line (dev ino size mtime-with-ns raw-mode-hex major-hex minor-hex)
 * and the link target (empty for non-links); then `/end` (no name contains "/"), then the listing script's output.
 * A path reached through a symlinked folder inside the snapshot is absent (its parent's real path must be the
 * snapshot's real path + parent), as in the local versions().
 */
const VERSIONS_SCRIPT = `
rel=$2; dir=$3
printf 'rsync-snapshots-versions\\0'
for top in "$1"/[0-9]*; do
  [ -d "$top" ] && [ ! -L "$top" ] || continue
  printf '%s\\0' "\${top##*/}"
  if [ "$dir" != . ]; then
    base=$(cd -- "$top" 2>/dev/null && pwd -P && echo x)
    real=$(cd -- "$top/$dir" 2>/dev/null && pwd -P && echo x)
    if [ -z "$real" ]; then
      if [ -d "$top/$dir" ] && [ ! -L "$top/$dir" ]; then printf 'eacces\\0'; else printf 'absent\\0'; fi
      continue
    fi
    if [ "\${real%?x}" != "\${base%?x}/$dir" ]; then printf 'absent\\0'; continue; fi
  fi
  p="$top/$rel"
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then printf 'absent\\0'; continue; fi
  s=$(stat -c '%d %i %s %.9Y %f %t %T' -- "$p" 2>/dev/null) || { printf 'eacces\\0'; continue; }
  printf 'ok\\0%s\\0' "$s"
  if [ -L "$p" ]; then t=$(readlink -- "$p"; echo x); printf '%s\\0' "\${t%?x}"; else printf '\\0'; fi
done
printf '/end\\0'
${LIST_SCRIPT}`;

/** One ssh call for all content comparisons: "$@" = pairs of files; prints s (same) or d (different/unreadable) per pair. */
const CMP_SCRIPT = `
while [ $# -ge 2 ]; do
  if cmp -s -- "$1" "$2"; then printf s; else printf d; fi
  shift 2
done
`;

type StatAnswer = 'absent' | 'eacces' | { stat: StatLike; linkTarget?: string };

/** Pure: the versions part of the script's output (per folder name) and the listing output after it. */
export function parseVersionsOutput(location: RemoteRootLocation, output: Buffer): { stats: Map<string, StatAnswer>; rest: Buffer } {
  const answer = readScriptAnswer(location, output, 'rsync-snapshots-versions', 'listing versions in');
  const next = answer.text;
  const stats = new Map<string, StatAnswer>();
  for (;;) {
    const name = next();
    if (name === '/end') break;
    const status = next();
    if (status === 'ok') {
      const stat = parseStatLine(next());
      const target = next();
      stats.set(name, { stat, linkTarget: target || undefined });
    } else stats.set(name, status === 'eacces' ? 'eacces' : 'absent');
  }
  return { stats, rest: answer.rest() };
}

/** A stat line of the versions script as a StatLike (bigint fields, as fs.lstat({ bigint: true }) gives). */
export function parseStatLine(line: string): StatLike {
  const [dev, ino, size, mtime, modeHex, major, minor] = line.trim().split(' ');
  const [sec, frac = ''] = mtime.split('.');
  const mode = BigInt(parseInt(modeHex, 16));
  const type = mode & 0o170000n;
  return {
    dev: BigInt(dev),
    ino: BigInt(ino),
    size: BigInt(size),
    mtimeNs: BigInt(sec) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9)),
    mode,
    rdev: (BigInt(parseInt(major, 16)) << 32n) + BigInt(parseInt(minor, 16)),
    isFile: () => type === 0o100000n,
    isDirectory: () => type === 0o040000n,
    isSymbolicLink: () => type === 0o120000n,
  };
}

/** Runs the cmp script for these pairs of remote paths (one ssh call; none when there is nothing to compare). */
export async function remoteSameContent(transport: SshTransport, location: RemoteRootLocation, pairs: [string, string][], signal?: AbortSignal): Promise<boolean[]> {
  if (!pairs.length) return [];
  const result = await transport.execScript(CMP_SCRIPT, pairs.flat(), { signal });
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  const answer = result.stdout.toString('utf8');
  if (answer.length !== pairs.length) throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while comparing files (${answer.length} results for ${pairs.length} pairs).`);
  return [...answer].map((c) => c === 's');
}

/**
 * versions() for a remote root: list and stat in every snapshot (1 ssh call) + content comparisons only for
 * consecutive copies of the same size and different mtimes (1 call for all of them, if any). Same grouping as local.
 * With workingFolder, the local working file is compared by kind and size, reading the remote copy whenever the sizes
 * match, equal mtimes included (1 call per such version): "= working file" must be byte-true.
 */
export async function remoteVersions(root: string, relativePath: string, options: VersionsOptions = {}): Promise<FileHistory> {
  const location = remoteLocation(root);
  const rel = checkRelativePath(relativePath);
  const transport = new SshTransport(location, { sshCommand: options.sshCommand });
  const result = await transport.execScript(VERSIONS_SCRIPT, [location.path, rel, posix.dirname(rel)], { signal: options.signal });
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  const { stats, rest } = parseVersionsOutput(location, result.stdout);
  const listing = parseRemoteListing(location, rest);
  const snapshots = listing.snapshots;
  const unreadable: string[] = [];
  const copies: (VersionCopy | undefined)[] = snapshots.map((snapshot) => {
    const found = stats.get(snapshot.name);
    if (found === 'eacces') unreadable.push(snapshot.name);
    if (!found || typeof found === 'string') return undefined;
    return { snapshot, path: remoteSpec(location, snapshot.name, rel), stat: found.stat, linkTarget: found.linkTarget };
  });

  const equalToPrevious = copies.map(() => false);
  const toCompare: number[] = [];
  copies.forEach((copy, i) => {
    const prev = i > 0 ? copies[i - 1] : undefined;
    if (!copy || !prev) return;
    const verdict = quickVerdict(prev.stat, copy.stat);
    if (verdict !== 'content') equalToPrevious[i] = verdict === 'same';
    else if (kindOf(copy.stat) === 'symlink') equalToPrevious[i] = prev.linkTarget === copy.linkTarget;
    else toCompare.push(i);
  });
  const same = await remoteSameContent(
    transport,
    location,
    toCompare.map((i) => [remotePath(location, copies[i - 1]!.snapshot.name, rel), remotePath(location, copies[i]!.snapshot.name, rel)]),
    options.signal,
  );
  toCompare.forEach((i, k) => (equalToPrevious[i] = same[k]));

  const { history, groups } = buildHistory(location.spec, rel, snapshots, copies, equalToPrevious, unreadable);
  if (options.workingFolder !== undefined) history.working = await markRemoteCurrent(location, transport, history.versions, groups, rel, path.resolve(options.workingFolder, rel));
  return history;
}

/** Marks the newest version equal to the local working file (never by inode: they are on different machines; bytes when sizes match). */
async function markRemoteCurrent(location: RemoteRootLocation, transport: SshTransport, list: FileVersion[], groups: VersionCopy[][], rel: string, workingPath: string): Promise<FileHistory['working']> {
  const stat: BigIntStats | undefined = await fs.lstat(workingPath, { bigint: true }).catch((err) => (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' ? undefined : Promise.reject(err)));
  if (!stat) return { path: workingPath, exists: false };
  for (let i = list.length - 1; i >= 0; i--) {
    const copy = groups[i][groups[i].length - 1];
    const kind = kindOf(copy.stat);
    if (kind !== kindOf(stat)) continue;
    let same: boolean;
    if (kind === 'directory') same = true;
    else if (kind === 'symlink') same = copy.linkTarget === (await fs.readlink(workingPath));
    else if (kind === 'other') same = copy.stat.mode === stat.mode;
    else if (copy.stat.size !== stat.size) same = false;
    else same = (await readRemoteFile(location, transport, copy.snapshot.name, rel)).equals(await fs.readFile(workingPath));
    if (same) {
      list[i].current = true;
      return { path: workingPath, exists: true, currentIndex: i };
    }
  }
  return { path: workingPath, exists: true };
}
