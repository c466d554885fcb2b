import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { BackupRoot } from '../root/backupRoot';
import { SnapshotError } from '../util/errors';
import { formatBytes } from '../util/format';
import { decodeNameBytes, fsPath } from '../util/nameBytes';
import { HitParser, type Hit } from './hitParser';
import { ListingIndex } from './listingIndex';
import { NodeSearch } from './nodeSearch';
import { queryRegExp } from './pattern';
import { LISTING_END, SEARCH_MARKER, scriptArgs } from './script';
import type { SearchOptions, SearchQuery, SearchReport, SearchResult, SearchTool } from './types';
import { WorkingLines } from './workingLines';

/** A file with a longer line (bytes) is not searched: rg and grep would hold the whole line in memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** The longest the Node search's regex may take on one line. */
const REGEX_TIMEOUT_MS = 5000;

/** One (path, line text) as it grows: the snapshots holding it, with its line number in each. */
interface Found {
  path: string;
  text: string;
  lines: Set<number>;
  /** snapshot index → line number */
  snapshots: Map<number, number>;
}

/**
 * Searches every snapshot of the root for a text or regex, reading each distinct content once: the script lists every
 * regular file of every snapshot in one walk, keyed by inode (hard links are one), and hands one path per inode to rg,
 * grep or the Node search (root/…/search.ts decides which). Results group by (path, line text) with the snapshots
 * that hold them, stream through `onResults`, and are returned sorted. Cancel with `signal` (CANCELLED).
 */
export async function searchSnapshots(root: BackupRoot, query: SearchQuery, options: SearchOptions = {}): Promise<SearchReport> {
  const regex = queryRegExp(query);
  const { signal } = options;
  const listing = await root.list({ signal });
  const names = listing.snapshots.map((s) => s.name);
  const position = new Map(names.map((name, i) => [name, i]));
  const tool = await root.search.tool(options);
  if (tool === 'list' && !root.localPath) throw new SnapshotError('BAD_INPUT', 'The Node search reads files of this machine only.');
  const found = new Map<string, Found>();
  const working = options.working ? new WorkingLines(options.working) : undefined;
  const changed = new Set<Found>();
  const waiting: Hit[] = [];
  const pathsByKey = new Map<string, string[]>();
  const index = new ListingIndex(LISTING_END);
  let usedTool: SearchTool = tool === 'list' ? 'node' : 'rg';

  const take = (hit: Hit) => {
    const key = index.keyOf(hit.path);
    if (key === undefined) return;
    let paths = pathsByKey.get(key);
    if (!paths) pathsByKey.set(key, (paths = index.pathsOf(key)));
    for (const p of paths) {
      const slash = p.indexOf('/');
      const at = position.get(p.slice(0, slash));
      if (at === undefined) continue;
      const rel = p.slice(slash + 1);
      const id = `${rel}\0${hit.text}`;
      let entry = found.get(id);
      if (!entry) found.set(id, (entry = { path: rel, text: hit.text, lines: new Set(), snapshots: new Map() }));
      entry.lines.add(hit.line);
      if (!entry.snapshots.has(at)) entry.snapshots.set(at, hit.line);
      changed.add(entry);
    }
  };
  const result = (entry: Found, workingHas?: boolean): SearchResult => {
    const at = [...entry.snapshots.keys()].sort((a, b) => a - b);
    const last = at[at.length - 1];
    return {
      path: entry.path,
      text: entry.text,
      lines: [...entry.lines].sort((a, b) => a - b),
      first: names[at[0]],
      last: names[last],
      count: at.length,
      lastLine: entry.snapshots.get(last)!,
      goneSince: last < names.length - 1 ? names[last + 1] : undefined,
      working: workingHas,
    };
  };
  const workingHas = async (entry: Found) => (working ? (await working.of(entry.path)).has(entry.text) : undefined);
  // Results go out in order, one batch per turn of the event loop, once the listing is complete.
  let emitting = Promise.resolve();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!index.complete) return;
    for (const hit of waiting.splice(0)) take(hit);
    const batch = [...changed];
    changed.clear();
    if (!batch.length || !options.onResults) return;
    emitting = emitting.then(async () => options.onResults!(await Promise.all(batch.map(async (e) => result(e, await workingHas(e))))));
  };
  const hit = (h: Hit) => {
    waiting.push(h);
    if (!scheduled && index.complete) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const long: string[] = [];
  const proc = await root.search.start(scriptArgs(tool, query, maxLineBytes, names));
  const onAbort = () => proc.kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  const nodeSearch =
    tool === 'list'
      ? new NodeSearch({
          regex,
          plain: !query.regex,
          maxLineBytes,
          timeoutMs: options.regexTimeoutMs ?? REGEX_TIMEOUT_MS,
          onHit: hit,
          onLong: (p) => long.push(p),
          onFail: () => proc.kill(),
          signal,
        })
      : undefined;
  let stderrHead: Buffer | undefined = Buffer.alloc(0);
  let stdoutHead: Buffer | undefined = Buffer.alloc(0);
  const outHead = Buffer.from(`${SEARCH_MARKER}\0`, 'latin1');
  let hits: ((data: Buffer) => void) | undefined;
  const listed = () => {
    options.onListed?.(index.files, index.contents);
    flush();
  };
  proc.stderr.on('data', (data: Buffer) => {
    if (stderrHead) {
      // ssh may say something (a warning) before the script starts: the listing begins after the marker.
      stderrHead = Buffer.concat([stderrHead, data]);
      const at = stderrHead.indexOf(outHead);
      if (at < 0) return; // kept for the error message
      data = stderrHead.subarray(at + outHead.length);
      stderrHead = undefined;
    }
    const before = index.complete;
    index.push(data);
    if (!before && index.complete) listed();
  });
  proc.stdout.on('data', (data: Buffer) => {
    if (hits) return hits(data);
    stdoutHead = Buffer.concat([stdoutHead!, data]);
    const marker = stdoutHead.indexOf(outHead);
    const end = marker < 0 ? -1 : stdoutHead.indexOf(0, marker + outHead.length);
    if (end < 0) return;
    const name = stdoutHead.toString('latin1', marker + outHead.length, end);
    usedTool = name === 'list' ? 'node' : name === 'grep' ? 'grep' : 'rg';
    hits = nodeSearch ? nodePaths(root.localPath!, nodeSearch) : hitLines(hit);
    const rest = stdoutHead.subarray(end + 1);
    stdoutHead = undefined;
    if (rest.length) hits(rest);
  });
  const [exitCode] = await Promise.all([proc.exited, finished(proc.stdout).catch(() => undefined), finished(proc.stderr).catch(() => undefined)]);
  signal?.removeEventListener('abort', onAbort);
  await nodeSearch?.done();
  if (signal?.aborted) throw new SnapshotError('CANCELLED', 'Search cancelled.');
  if (exitCode !== 0 || !index.complete) {
    const said = (stderrHead ?? index.trailer ?? Buffer.alloc(0)).toString('utf8');
    throw root.search.failure(exitCode ?? 1, said);
  }
  const trailer = splitTrailer(index.trailer!);
  long.push(...trailer.long);
  const warnings = [
    ...long.sort().map((p) => `${p} was not searched: it has a line longer than ${formatBytes(maxLineBytes)} (a minified or data file?).`),
    ...toolMessages(trailer.errors, usedTool, query),
  ];
  flush();
  await emitting;
  const results = await Promise.all([...found.values()].map(async (e) => result(e, await workingHas(e))));
  results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.lines[0] - b.lines[0] || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)));
  return { root: root.spec, query, tool: usedTool, snapshots: names.length, files: index.files, contents: index.contents, results, warnings };
}

/** stdout of the `list` mode: the searched paths, NUL-terminated, handed to the Node search as they come. */
function nodePaths(localRoot: string, search: NodeSearch): (data: Buffer) => void {
  let carry: Buffer | undefined;
  return (data) => {
    const buf = carry ? Buffer.concat([carry, data]) : data;
    let at = 0;
    for (let nul = buf.indexOf(0); nul >= 0; nul = buf.indexOf(0, at)) {
      const rel = buf.subarray(at, nul);
      const name = decodeNameBytes(rel);
      search.add(fsPath(path.join(localRoot, name)), name);
      at = nul + 1;
    }
    carry = at < buf.length ? Buffer.from(buf.subarray(at)) : undefined;
  };
}

function hitLines(onHit: (hit: Hit) => void): (data: Buffer) => void {
  const parser = new HitParser(onHit);
  return (data) => parser.push(data);
}

/** What follows the listing: the files skipped for a line over the bound (`PATH\0`…, then the end marker), then the tools' errors. */
function splitTrailer(trailer: Buffer): { long: string[]; errors: string } {
  const long: string[] = [];
  for (let at = 0, nul = trailer.indexOf(0); nul >= 0; at = nul + 1, nul = trailer.indexOf(0, at)) {
    if (trailer.toString('latin1', at, nul) === LISTING_END) return { long, errors: trailer.toString('utf8', nul + 1) };
    long.push(decodeNameBytes(trailer.subarray(at, nul)));
  }
  return { long: [], errors: trailer.toString('utf8') };
}

/** The tools' error messages: a pattern rg or grep refuses is the user's to fix (BAD_INPUT); the rest are warnings. */
function toolMessages(text: string, tool: SearchTool, query: SearchQuery): string[] {
  const lines = text.split('\n').filter((l) => l.trim());
  if (query.regex && (/regex parse error/.test(text) || lines.some((l) => /^grep: /.test(l) && !/: (Permission denied|No such file)/.test(l)))) {
    const said = lines
      .filter((l) => !/^\s*[~^]*\s*$/.test(l) && !/^\s*\d*\s*[│|]/.test(l))
      .slice(0, 3)
      .join(' ');
    throw new SnapshotError('BAD_INPUT', `${tool} cannot use the regular expression ${JSON.stringify(query.pattern)}: ${said}. Simplify it, or search for plain text.`);
  }
  return lines;
}
