import { SnapshotError } from '../../util/errors';
import { FIND_SCAN_FORMAT, scanFromFindOutput } from '../../usage/findScan';
import { UsageModel, UsageOptions, UsageResult } from '../../usage/model';
import { SnapshotScan } from '../../usage/walk';
import { DELETING_PREFIX, isDeletingName } from '../format';
import { RemoteRootLocation } from '../location';
import { LIST_SCRIPT, parseRemoteListing, rootProblem } from './list';
import type { Ssh } from './ssh';

/**
 * One ssh call for a remote space report: "$1" = root, then pairs (name, stamp) of snapshots already measured.
 * For every snapshot-named folder (and .deleting-* one, left by an interrupted prune): its name and stamp (dev:ino:ctime — changes when renamed, touched, or an entry is
 * added or removed at its top); `cached` when the stamp is the one given, else `scan` and one line per entry walked
 * (`type dev inode 512-byte-blocks links`: numbers only, so no file name is ever parsed) ended by NUL. Then `/end`
 * and the listing script's output (names contain no "/").
 */
const USAGE_SCRIPT = `
root=$1
printf 'rsync-snapshots-usage\\0'
for top in "$root"/[0-9]* "$root"/${DELETING_PREFIX}[0-9]*; do
  [ -d "$top" ] && [ ! -L "$top" ] || continue
  n=\${top##*/}
  stamp=$(stat -c '%d:%i:%.9Z' -- "$top") || continue
  printf '%s\\0%s\\0' "$n" "$stamp"
  known=no; prev=; k=0
  for a; do
    k=$((k + 1))
    [ $k -eq 1 ] && continue
    if [ $((k % 2)) -eq 0 ]; then prev=$a; elif [ "$prev" = "$n" ] && [ "$a" = "$stamp" ]; then known=yes; fi
  done
  if [ $known = yes ]; then printf 'cached\\0'; continue; fi
  printf 'scan\\0'
  find "$top" -printf '${FIND_SCAN_FORMAT}'
  printf '\\0'
done
printf '/end\\0'
${LIST_SCRIPT}`;

/** Per remote root (spec + ssh command): the same model as local roots, kept in memory only (no cache file on the host). */
const models = new Map<string, UsageModel>();

/** Forgets remote usage models (tests). */
export function clearRemoteUsageCache(): void {
  models.clear();
}

interface Answer {
  stamps: Map<string, string>;
  scans: Map<string, SnapshotScan>;
  rest: Buffer;
}

function parseAnswer(location: RemoteRootLocation, output: Buffer): Answer {
  const marker = 'rsync-snapshots-usage\0';
  if (output.subarray(0, marker.length).toString('utf8') !== marker)
    throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while measuring ${location.spec} (is the login shell printing text? make it quiet for non-interactive sessions).`);
  let at = marker.length;
  const next = (): string => {
    const end = output.indexOf(0, at);
    if (end < 0) throw new SnapshotError('SSH_FAILED', `Truncated answer from ${location.host} while measuring ${location.spec}.`);
    const field = output.subarray(at, end).toString('utf8');
    at = end + 1;
    return field;
  };
  const stamps = new Map<string, string>();
  const scans = new Map<string, SnapshotScan>();
  for (;;) {
    const name = next();
    if (name === '/end') break;
    stamps.set(name, next());
    if (next() === 'scan') scans.set(name, scanFromFindOutput(next()));
  }
  return { stamps, scans, rest: output.subarray(at) };
}

/**
 * measureUsage for a remote root: ONE ssh call lists the root, stamps every snapshot and walks (GNU find) only the
 * snapshots not measured before by this process; the figures are aggregated locally exactly like a local root, so
 * totalBytes equals `du -s -B1 --total ROOT/20*` run on the host.
 */
export async function measureRemoteUsage({ location, transport }: Ssh, options: UsageOptions = {}): Promise<UsageResult> {
  const started = Date.now();
  const useCache = options.cache !== false;
  const key = `${location.spec}\0${transport.command}`;
  const model = (useCache && models.get(key)) || new UsageModel();
  const known = useCache ? [...model.records].flatMap(([name, rec]) => [name, rec.stamp]) : [];
  const result = await transport.execScript(USAGE_SCRIPT, [location.path, ...known], { signal: options.signal });
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  const answer = parseAnswer(location, result.stdout);
  const listing = parseRemoteListing(location, answer.rest);
  // An interrupted prune's .deleting-<snapshot name> folders still take space: measured with the snapshots, reported apart.
  const names = [...listing.snapshots.map((s) => s.name), ...[...answer.stamps.keys()].filter(isDeletingName).sort()];

  model.freshNlink = [];
  let scanned = 0;
  for (const name of names) {
    const scan = answer.scans.get(name);
    if (scan) {
      model.addScan(name, answer.stamps.get(name) ?? '', scan);
      scanned++;
    } else if (!model.records.has(name)) {
      throw new SnapshotError('SSH_FAILED', `${location.host} did not report snapshot ${name} of ${location.spec}; run the report again.`);
    }
  }
  options.onProgress?.({ done: names.length, total: names.length });
  if (scanned) {
    const { links } = model.tally(names);
    model.freshNlink.forEach((nlink, at) => (model.outside[at] = Math.max(0, nlink - links[at])));
    model.freshNlink = [];
    model.compact(names);
  }
  const warnings = result.stderr
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, 100);
  const report = model.report(location.spec, names, scanned, started, warnings);
  if (useCache) models.set(key, model);
  return { report, freedBy: (deleted: string[]) => model.freedBy(names, deleted) };
}
