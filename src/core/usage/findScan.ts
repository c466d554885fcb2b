import { argBatches, argBytes, ARG_BYTES_BUDGET } from '../util/argBatches';
import type execa from 'execa';
import { failureOf, run, type ExecaChildProcess } from '../util/exec';
import { SnapshotError } from '../util/errors';
import { spawnFailure } from '../util/spawnFailure';
import type { ScanJob, SnapshotScan } from './walk';

/**
 * Snapshot walks by GNU `find -printf`: the same one fstatat per entry as `du`, at C speed, with only numbers on
 * the wire (`type dev inode 512-byte-blocks links`, preceded by the depth for local walks), so no file name is
 * ever parsed. Used for local roots when GNU find is there (else the worker-thread walk of walk.ts), and
 * for remote roots (root/ssh/usage.ts parses the output of the same format run on the host).
 */

/** Format of remote walks: `type dev inode blocks links`. */
export const FIND_SCAN_FORMAT = '%y %D %i %b %n\\n';
/** Format of local walks: the depth first, so one find over several snapshots can be split where each begins. */
export const FIND_SCAN_FORMAT_DEPTH = '%d %y %D %i %b %n\\n';

const STRIDE = 5; // = MULTI_STRIDE of walk.ts (not imported: keeps this module free of the worker code)
const CHAR_D = 100; // 'd'

/** Accumulates the entries of one snapshot walk into a SnapshotScan (directories summed, other inodes listed). */
export class ScanBuilder {
  entries = 0;
  dirBytes = 0;
  private multi = new Float64Array(0); // allocated on the first entry: a find process holds a builder per snapshot it walks
  private count = 0;
  /** Live: errors may still be added after finish() (stderr of a find is read apart from its stdout). */
  readonly errors: string[] = [];

  add(type: number, dev: number, ino: number, blocks: number, nlink: number): void {
    this.entries++;
    const bytes = blocks * 512;
    if (type === CHAR_D) {
      this.dirBytes += bytes;
      return;
    }
    let multi = this.multi;
    if ((this.count + 1) * STRIDE > multi.length) {
      // Start small and double: a root of 10,000 tiny snapshots must not allocate 10,000 × 8,192 entries (was 3.3 GB of zeroing).
      const bigger = new Float64Array(Math.max(64 * STRIDE, multi.length * 2));
      bigger.set(multi);
      this.multi = multi = bigger;
    }
    const o = this.count++ * STRIDE;
    multi[o] = dev;
    multi[o + 1] = ino;
    multi[o + 2] = bytes;
    multi[o + 3] = 1;
    multi[o + 4] = nlink;
  }

  finish(): SnapshotScan {
    return { entries: this.entries, dirBytes: this.dirBytes, multi: this.multi.slice(0, this.count * STRIDE), errors: this.errors };
  }
}

/** Called once per line: depth is -1 for lines without one (remote format); type is the char code of %y. */
export type FindEntryHandler = (depth: number, type: number, dev: number, ino: number, blocks: number, nlink: number) => void;

/**
 * Streaming parser of find lines made of numbers and one type letter, fed chunk by chunk (a line may be split
 * anywhere between chunks). Lines with 5 numbers carry the depth first; lines with 4 do not.
 */
export class FindLineParser {
  private readonly values = new Float64Array(8);
  private n = 0;
  private value = 0;
  private digits = false;
  private type = 0;

  constructor(private readonly onEntry: FindEntryHandler) {}

  push(chunk: Uint8Array): void {
    const values = this.values;
    let { n, value, digits, type } = this;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c >= 48 && c <= 57) {
        value = value * 10 + (c - 48);
        digits = true;
      } else if (c === 32 || c === 10) {
        if (digits && n < 8) values[n++] = value;
        value = 0;
        digits = false;
        if (c === 10) {
          if (type && n === 5) this.onEntry(values[0], type, values[1], values[2], values[3], values[4]);
          else if (type && n === 4) this.onEntry(-1, type, values[0], values[1], values[2], values[3]);
          n = 0;
          type = 0;
        }
      } else {
        type = c;
      }
    }
    this.n = n;
    this.value = value;
    this.digits = digits;
    this.type = type;
  }

  /** Ends the input: a last line without its newline is taken too. */
  end(): void {
    this.push(NEWLINE);
  }
}

const NEWLINE = new Uint8Array([10]);

/** Pure: `find -printf '%y %D %i %b %n\n'` lines → a SnapshotScan, counted like du (blocks × 512, each inode once via the model). */
export function scanFromFindOutput(text: string | Uint8Array): SnapshotScan {
  const builder = new ScanBuilder();
  const parser = new FindLineParser((_depth, type, dev, ino, blocks, nlink) => builder.add(type, dev, ino, blocks, nlink));
  parser.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  parser.end();
  return builder.finish();
}

let gnuFind: Promise<boolean> | undefined;

/** Whether `find` on PATH is GNU find (has -printf); asked once per process. */
export function gnuFindAvailable(): Promise<boolean> {
  gnuFind ??= run('find', ['--version'], { reject: false, timeout: 10_000, stdin: 'ignore' })
    .then((r) => r.exitCode === 0 && /GNU findutils/.test(r.stdout))
    .catch(() => false);
  return gnuFind;
}

/** find's error text → the errno code the worker walk reports, so both walks word their warnings alike. */
const ERROR_CODES: Record<string, string> = {
  'Permission denied': 'EACCES',
  'No such file or directory': 'ENOENT',
  'Not a directory': 'ENOTDIR',
  'Input/output error': 'EIO',
  'Too many levels of symbolic links': 'ELOOP',
};

const MAX_ERRORS = 100;

/**
 * A find error line (`find: 'PATH': MESSAGE`, quoted ‘…’ in a UTF-8 locale) → which job's folder PATH lies in, and the
 * warning as the worker walk words it (`relative/path: CODE`, the path relative to the snapshot folder).
 */
export function placeFindError(line: string, jobs: ScanJob[]): { job: number; text: string } | undefined {
  for (const quote of ["'", '\u2018']) {
    const close = quote === "'" ? "'" : '\u2019';
    const prefix = `find: ${quote}`;
    if (!line.startsWith(prefix)) continue;
    const end = line.lastIndexOf(`${close}: `);
    if (end < prefix.length) return undefined;
    const where = line.slice(prefix.length, end);
    const message = line.slice(end + close.length + 2);
    for (let k = 0; k < jobs.length; k++) {
      const dir = jobs[k].dir;
      if (where === dir || where.startsWith(`${dir}/`)) return { job: k, text: `${where.slice(dir.length + 1)}: ${ERROR_CODES[message] ?? message}` };
    }
  }
  return undefined;
}

/** Whether a walk's top line is the job's directory (when the job knows its identity; inode numbers beyond 2^53 are not exact as numbers). */
function sameDirectory(job: ScanJob, dev: number, ino: number): boolean {
  if (job.dev === undefined || job.ino === undefined) return true;
  return job.dev === dev && (job.ino === ino || ino > Number.MAX_SAFE_INTEGER);
}

/** The arguments of a local walk around its folders: `find -P DIR… -printf FORMAT`. */
const FIND_ARGS_BEFORE = ['-P'];
const FIND_ARGS_AFTER = ['-printf', FIND_SCAN_FORMAT_DEPTH];

export interface FindScanOptions {
  signal?: AbortSignal;
  /** find processes at once (default 2). */
  concurrency?: number;
  /** Snapshots per find process (default: all jobs shared evenly among the processes). */
  perProcess?: number;
  /**
   * Bytes of arguments one find process may take (default ARG_BYTES_BUDGET): a process's run of snapshots is cut to fit,
   * so 100,000 snapshots never hit the system's limit (E2BIG).
   */
  argBytes?: number;
  onDone?: (key: string, scan: SnapshotScan) => void;
}

/**
 * Walks each job's directory with GNU find (a bounded number of processes, each walking a run of snapshots in
 * order), parsing the output as it streams. Same results as scanDirectories of walk.ts; unreadable paths
 * (find's stderr) become the snapshot's errors; a snapshot directory that cannot be walked at all rejects with
 * ROOT_INVALID; an abort kills the processes and rejects with CANCELLED.
 */
export async function scanWithFind(jobs: ScanJob[], options: FindScanOptions = {}): Promise<Map<string, SnapshotScan>> {
  const results = new Map<string, SnapshotScan>();
  if (!jobs.length) return results;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, jobs.length));
  const perProcess = Math.max(1, options.perProcess ?? Math.ceil(jobs.length / concurrency));
  const groups: ScanJob[][] = [];
  const fixedBytes = [...FIND_ARGS_BEFORE, ...FIND_ARGS_AFTER].reduce((sum, a) => sum + argBytes(a), argBytes('find'));
  for (let i = 0; i < jobs.length; i += perProcess) {
    groups.push(...argBatches(jobs.slice(i, i + perProcess), { budget: options.argBytes ?? ARG_BYTES_BUDGET, fixedBytes, argOf: (j) => j.dir }));
  }
  const children = new Set<ExecaChildProcess>();
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const child of children) child.kill();
  };
  const onAbort = () => fail(new SnapshotError('CANCELLED', 'Space report cancelled.'));
  if (options.signal?.aborted) throw new SnapshotError('CANCELLED', 'Space report cancelled.');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const walkGroup = async (group: ScanJob[]) => {
    const builders = group.map(() => new ScanBuilder());
    let current = -1;
    const finishCurrent = () => {
      if (current < 0 || failure) return;
      const scan = builders[current].finish();
      results.set(group[current].key, scan);
      options.onDone?.(group[current].key, scan);
    };
    const parser = new FindLineParser((depth, type, dev, ino, blocks, nlink) => {
      if (depth === 0) {
        finishCurrent();
        current++;
        const job = group[current];
        if (!job || !sameDirectory(job, dev, ino)) {
          fail(new SnapshotError('ROOT_INVALID', `Could not measure ${job?.dir ?? group[group.length - 1].dir}: the folder changed while it was measured. Run the report again.`));
          return;
        }
      }
      if (current >= 0 && !failure) builders[current].add(type, dev, ino, blocks, nlink);
    });
    const child = run('find', [...FIND_ARGS_BEFORE, ...group.map((j) => j.dir), ...FIND_ARGS_AFTER], {
      buffer: false,
      reject: false,
      stdin: 'ignore',
      env: { LC_ALL: 'C.UTF-8' }, // untranslated messages; file names as they are (plain C would escape non-ASCII bytes)
    });
    if (!child.stdout || !child.stderr) {
      // spawn itself failed (E2BIG…): execa gives a child without pipes that rejects (even with reject: false).
      const result = await child.then(
        (r) => r,
        (err: execa.ExecaError) => err,
      );
      return fail(spawnFailure('find', failureOf(result).code, `measure ${group.length} snapshot(s) from ${group[0].dir}`));
    }
    children.add(child);
    const unplaced: string[] = [];
    let stderrRest = '';
    const onStderrLine = (line: string) => {
      if (!line) return;
      const placed = placeFindError(line, group);
      const errors = placed ? builders[placed.job].errors : unplaced;
      if (errors.length < MAX_ERRORS) errors.push(placed?.text ?? line);
    };
    child.stdout.on('data', (chunk: Buffer) => parser.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      const lines = (stderrRest + text).split('\n');
      stderrRest = lines.pop()!;
      lines.forEach(onStderrLine);
    });
    try {
      const result = await child;
      onStderrLine(stderrRest);
      if (failure) return;
      parser.end();
      if (result.failed && result.exitCode === undefined) {
        if (!result.signal) return fail(spawnFailure('find', failureOf(result).code, `measure ${group.length} snapshot(s) from ${group[0].dir}`));
        return fail(new SnapshotError('ROOT_INVALID', `Could not run find to measure ${group[0].dir}: killed by ${result.signal}.`));
      }
      // Messages about no path of a snapshot (none known): kept, with the snapshot then walked.
      if (unplaced.length) builders[Math.max(0, current)].errors.push(...unplaced.slice(0, MAX_ERRORS - builders[Math.max(0, current)].errors.length));
      if (current !== group.length - 1) {
        const missing = group[current + 1];
        const said = (builders[current + 1].errors[0] ?? unplaced[0])?.replace(/^: /, '');
        return fail(new SnapshotError('ROOT_INVALID', `Could not measure ${missing.dir}${said ? ` (${said})` : ''}. Check that the folder exists and is readable.`));
      }
      finishCurrent();
    } finally {
      children.delete(child);
    }
  };

  try {
    const queue = [...groups];
    await Promise.all(
      Array.from({ length: Math.min(concurrency, groups.length) }, async () => {
        for (let group = queue.shift(); group && !failure; group = queue.shift()) await walkGroup(group);
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure;
  return results;
}
