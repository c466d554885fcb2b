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
 * "$2" = relative path, "$3" = its parent folder ('.' for none). No process per snapshot: the checks are shell
 * builtins and every copy is stat-ed by ONE `stat` (through xargs), the symlinks' targets read by one `find`.
 * Prints a marker, then per folder, NUL-separated: the name and `absent`, `eacces` or `ok`; then `/end` (no name
 * contains "/"); then per copy its path and stat line (dev ino size mtime-with-ns raw-mode-hex major-hex minor-hex),
 * then `/stat`; then per symlink its path and target, then `/links`; then the listing script's output. A copy
 * reached through a symlinked folder inside the snapshot is absent (every parent must be a real folder), as in the
 * local versions(); a folder we may not search makes the copy `eacces`.
 */
const VERSIONS_SCRIPT = `
root=$1; rel=$2; dir=$3
set -f
if [ "$dir" = . ]; then set --; else ifs=$IFS; IFS=/; set -- $dir; IFS=$ifs; fi
set +f
check() {
  cur=$top
  for c do
    [ -x "$cur" ] || { st=eacces; return; }
    cur=$cur/$c
    if [ -L "$cur" ] || [ ! -d "$cur" ]; then st=absent; return; fi
  done
  p=$top/$rel
  if [ -e "$p" ] || [ -L "$p" ]; then st=ok; elif [ -x "$cur" ]; then st=absent; else st=eacces; fi
}
printf 'rsync-snapshots-versions\\0'
for top in "$root"/[0-9]*; do
  [ -d "$top" ] && [ ! -L "$top" ] || continue
  check "$@"
  printf '%s\\0%s\\0' "\${top##*/}" "$st"
done
printf '/end\\0'
for top in "$root"/[0-9]*; do
  [ -d "$top" ] && [ ! -L "$top" ] || continue
  check "$@"
  [ "$st" = ok ] && printf '%s\\0' "$p"
done | xargs -0 -r stat --printf '%n\\0%d %i %s %.9Y %f %t %T\\0' -- 2>/dev/null
printf '/stat\\0'
for top in "$root"/[0-9]*; do
  [ -d "$top" ] && [ ! -L "$top" ] || continue
  check "$@"
  [ "$st" = ok ] && [ -L "$p" ] && printf '%s\\0' "$p"
done | xargs -0 -r sh -c 'exec find "$@" -maxdepth 0 -printf "%p\\\\0%l\\\\0"' sh 2>/dev/null
printf '/links\\0'
set -- "$root" "$rel" "$dir"
${LIST_SCRIPT}`;

/**
 * One ssh call for all content comparisons. "$1" = the pairs as `I,J` positions (1-based) in the rest of "$@" = each
 * file once. One `sha256sum -z` reads every file once and prints `sums` then per file `HASH  PATH`; where sha256sum
 * lacks -z, `cmp` per pair prints `cmp` then s (same) or d (different/unreadable) per pair.
 */
const CMP_SCRIPT = `
pairs=$1; shift
if printf '' | sha256sum -z >/dev/null 2>&1; then
  printf 'sums\\0'
  printf '%s\\0' "$@" | xargs -0 -r sha256sum -z -- 2>/dev/null
else
  printf 'cmp\\0'
  set -f
  for ij in $pairs; do
    eval "a=\\\${\${ij%,*}} b=\\\${\${ij#*,}}"
    if cmp -s -- "$a" "$b"; then printf s; else printf d; fi
  done
fi
`;

/** One ssh call, one process for many copies: their bytes back to back (split by the sizes the scan gave). */
const CAT_SCRIPT = `exec cat -- "$@"`;

type StatAnswer = 'absent' | 'eacces' | { stat: StatLike; linkTarget?: string };

/**
 * Pure: the versions part of the script's output (per folder name) and the listing output after it. A copy reported
 * `ok` whose stat line is missing (it vanished, or could not be stat-ed) counts as unreadable.
 */
export function parseVersionsOutput(location: RemoteRootLocation, output: Buffer): { stats: Map<string, StatAnswer>; rest: Buffer } {
  const answer = readScriptAnswer(location, output, 'rsync-snapshots-versions', 'listing versions in');
  const status = new Map<string, string>();
  for (let name = answer.text(); name !== '/end'; name = answer.text()) status.set(name, answer.text());
  // Paths are "$1/NAME/REL": the snapshot name is the segment after the root (as sent).
  const rootBytes = Buffer.byteLength(location.path);
  const nameIn = (p: Buffer) => p.subarray(rootBytes + 1, p.indexOf('/', rootBytes + 1)).toString('utf8');
  const found = new Map<string, { stat: StatLike; linkTarget?: string }>();
  for (let p = answer.next(); p.toString('latin1') !== '/stat'; p = answer.next()) found.set(nameIn(p), { stat: parseStatLine(answer.text()) });
  for (let p = answer.next(); p.toString('latin1') !== '/links'; p = answer.next()) {
    const target = answer.text();
    const copy = found.get(nameIn(p));
    if (copy) copy.linkTarget = target;
  }
  const stats = new Map<string, StatAnswer>();
  for (const [name, st] of status) {
    if (st !== 'ok') stats.set(name, st === 'eacces' ? 'eacces' : 'absent');
    else stats.set(name, found.get(name) ?? 'eacces');
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
      const files = [...new Set(pairs.flat().map((copy) => remotePath(location, copy.snapshot.name, rel)))];
      const position = new Map(files.map((f, i) => [f, i]));
      const at = (copy: VersionCopy) => position.get(remotePath(location, copy.snapshot.name, rel))!;
      const indices = pairs.map(([a, b]) => `${at(a) + 1},${at(b) + 1}`).join(' ');
      const result = await transport.execScript(CMP_SCRIPT, [indices, ...files], { signal });
      if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
      return parseCompareOutput(
        location,
        result.stdout,
        files,
        pairs.map(([a, b]) => [at(a), at(b)]),
      );
    },
    async readCopies(rel, copies, signal) {
      if (!copies.length) return [];
      const result = await transport.execScript(
        CAT_SCRIPT,
        copies.map((c) => remotePath(location, c.snapshot, rel)),
        { signal },
      );
      const out = result.stdout;
      const total = copies.reduce((sum, c) => sum + c.size, 0);
      if (result.exitCode === 0 && out.length === total) {
        let at = 0;
        return copies.map((c) => out.subarray(at, (at += c.size)));
      }
      // A copy that changed size or could not be read: each alone (rare: snapshots do not change).
      return Promise.all(copies.map((c) => files.read(c.snapshot, rel, signal).catch(() => undefined)));
    },
    async sameAsLocalFile(rel, copy, localFile) {
      return (await files.read(copy.snapshot.name, rel)).equals(await fs.readFile(localFile));
    },
  };
}

/** Pure: the compare script's answer as one verdict per pair (`pairs` = positions in `files`); an unreadable file is never "same". */
export function parseCompareOutput(location: RemoteRootLocation, output: Buffer, files: string[], pairs: [number, number][]): boolean[] {
  const mode = output.subarray(0, 5).toString('latin1') === 'sums\0' ? 'sums' : 'cmp';
  const answer = readScriptAnswer(location, output, mode, 'comparing versions in');
  if (mode === 'cmp') {
    const text = answer.rest().toString('latin1');
    if (text.length !== pairs.length) throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while comparing files (${text.length} results for ${pairs.length} pairs).`);
    return [...text].map((c) => c === 's');
  }
  const sums = new Map<string, string>();
  const rest = answer.rest();
  for (let at = 0; at < rest.length;) {
    const end = rest.indexOf(0, at);
    const line = rest.subarray(at, end < 0 ? rest.length : end);
    at = end < 0 ? rest.length : end + 1;
    if (line.length > 66) sums.set(line.subarray(66).toString('utf8'), line.subarray(0, 64).toString('latin1'));
  }
  const hashes = files.map((f) => sums.get(f));
  return pairs.map(([a, b]) => hashes[a] !== undefined && hashes[a] === hashes[b]);
}
