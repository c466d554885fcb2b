import fs from 'node:fs/promises';
import path from 'node:path';
import { SnapshotError } from '../../util/errors';
import { StatLike } from '../../util/fileCompare';
import type { VersionCopy } from '../../versions/types';
import type { SnapshotFiles, VersionsAccess } from '../backupRoot';
import { RemoteRootLocation } from '../location';
import { LIST_SCRIPT, parseRemoteListing, remotePath, remoteSpec, rootProblem } from './list';
import { readScriptAnswer } from './scriptAnswer';
import type { Ssh } from './ssh';

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

/**
 * A path's copies in a remote root: list and stat in every snapshot (1 ssh call); content comparisons only for
 * consecutive copies of the same size and different mtimes (1 call for all of them, if any); a copy against a local
 * file: the remote bytes are read (1 call) only when the sizes match but the mtimes differ.
 */
export function sshVersions({ location, transport }: Ssh, files: SnapshotFiles): VersionsAccess {
  return {
    sameMachine: false,
    async scan(rel, signal) {
      const result = await transport.execScript(VERSIONS_SCRIPT, [location.path, rel, posix.dirname(rel)], { signal });
      if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
      const { stats, rest } = parseVersionsOutput(location, result.stdout);
      const listing = parseRemoteListing(location, rest);
      const unreadable: string[] = [];
      const copies: (VersionCopy | undefined)[] = listing.snapshots.map((snapshot) => {
        const found = stats.get(snapshot.name);
        if (found === 'eacces') unreadable.push(snapshot.name);
        if (!found || typeof found === 'string') return undefined;
        return { snapshot, path: remoteSpec(location, snapshot.name, rel), stat: found.stat, linkTarget: found.linkTarget };
      });
      return { listing, copies, unreadable };
    },
    async sameContent(rel, pairs, signal) {
      if (!pairs.length) return [];
      const result = await transport.execScript(
        CMP_SCRIPT,
        pairs.flat().map((copy) => remotePath(location, copy.snapshot.name, rel)),
        { signal },
      );
      if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
      const answer = result.stdout.toString('utf8');
      if (answer.length !== pairs.length) throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while comparing files (${answer.length} results for ${pairs.length} pairs).`);
      return [...answer].map((c) => c === 's');
    },
    async sameAsLocalFile(rel, copy, localFile) {
      return (await files.read(copy.snapshot.name, rel)).equals(await fs.readFile(localFile));
    },
  };
}
