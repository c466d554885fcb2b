import { failureOf, run } from './exec';
import { SnapshotError } from './errors';
import { Logger, silentLogger } from './logger';

export interface RsyncProgress {
  /** Bytes transferred so far in this run. */
  bytes: number;
  /** rsync's overall percentage (progress2), 0–100. */
  percent: number;
  /** Files transferred so far (xfr#). */
  files: number;
  /** Files still to check and total known so far (to-chk=N/M). */
  toCheck?: number;
  total?: number;
}

export interface RsyncRunOptions {
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (progress: RsyncProgress) => void;
  /** Called for every stdout line that is not a progress line (e.g. --out-format output). */
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Written to rsync's stdin (e.g. a NUL-separated list for --files-from=- --from0); stdin is closed otherwise. */
  input?: string | Buffer;
}

export interface RsyncRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  /** The signal that killed rsync (e.g. SIGKILL from the OOM killer or a user), when it did not exit by itself. */
  signal?: string;
}

/** Meaning of rsync's exit codes (rsync(1) "EXIT VALUES"). */
export const RSYNC_EXIT_MEANING: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files or directories',
  5: 'error starting the client-server protocol',
  10: 'error in socket I/O',
  11: 'error in file I/O (is the disk full?)',
  12: 'error in the rsync protocol data stream (disk full or connection lost?)',
  13: 'errors with program diagnostics',
  14: 'error in IPC code',
  20: 'received SIGUSR1 or SIGINT',
  22: 'error allocating core memory buffers',
  23: 'some files could not be transferred',
  24: 'some source files vanished during the copy',
  25: 'the --max-delete limit stopped deletions',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
  255: 'the remote shell (ssh) failed',
};

const PROGRESS2 = /^\s*([\d,]+)\s+(\d+)%\s+\S+\s+\S+(?:\s+\(xfr#(\d+),\s*(?:ir|to)-chk=(\d+)\/(\d+)\))?/;

export function parseProgressLine(line: string): RsyncProgress | undefined {
  const m = PROGRESS2.exec(line);
  if (!m) return undefined;
  return {
    bytes: Number(m[1].replace(/,/g, '')),
    percent: Number(m[2]),
    files: m[3] ? Number(m[3]) : 0,
    toCheck: m[4] ? Number(m[4]) : undefined,
    total: m[5] ? Number(m[5]) : undefined,
  };
}

export interface RsyncStats {
  files: number;
  regularFiles: number;
  /** Folders (the "dir:" count of "Number of files"). */
  dirs: number;
  createdFiles: number;
  deletedFiles: number;
  regularFilesTransferred: number;
  totalFileSize: number;
  totalTransferredFileSize: number;
}

/**
 * Reads the `--stats` block (numbers may be grouped with commas). Read from the last "Number of files:" line on: with
 * --info=name1 file names come first, and a file may be named like a stats line.
 */
export function parseStats(stdout: string): RsyncStats {
  const at = stdout.lastIndexOf('Number of files: ');
  const block = at > 0 ? stdout.slice(at) : stdout;
  const num = (label: RegExp) => {
    const m = label.exec(block);
    return m ? Number(m[1].replace(/,/g, '')) : 0;
  };
  return {
    files: num(/^Number of files: ([\d,]+)/m),
    regularFiles: num(/^Number of files: [\d,]+ \(reg: ([\d,]+)/m),
    dirs: num(/^Number of files: [\d,]+ \([^)\n]*\bdir: ([\d,]+)/m),
    createdFiles: num(/^Number of created files: ([\d,]+)/m),
    deletedFiles: num(/^Number of deleted files: ([\d,]+)/m),
    regularFilesTransferred: num(/^Number of regular files transferred: ([\d,]+)/m),
    totalFileSize: num(/^Total file size: ([\d,]+)/m),
    totalTransferredFileSize: num(/^Total transferred file size: ([\d,]+)/m),
  };
}

/** Source files rsync reported it could not read (exit 23), from its stderr. */
export function parseUnreadable(stderr: string): string[] {
  const files: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^rsync: (?:\[sender\] )?(?:send_files failed to open|opendir|readlink_stat|link_stat|readlink) "(.*)"(?: failed)?: (.*)$/.exec(line);
    if (m) files.push(`${m[1]} (${m[2].replace(/\s*\(\d+\)$/, '')})`);
  }
  return files;
}

/** Shell-like rendering of an argv, for logs and for showing the user the exact command. */
export function formatCommandLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Runs rsync with an argv array; streams progress; cancel (AbortSignal) kills it. Never throws for a non-zero exit. */
export async function runRsync(rsync: string, args: string[], options: RsyncRunOptions = {}): Promise<RsyncRunResult> {
  const logger = options.logger ?? silentLogger;
  logger.info(`$ ${formatCommandLine([rsync, ...args])}`);
  const child = run(rsync, args, {
    reject: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    signal: options.signal,
    forceKillAfterMs: 2000,
    env: options.env,
    extendEnv: true,
    buffer: false,
    stripFinalNewline: false,
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const parts = pending.split(/[\r\n]/);
    pending = parts.pop() ?? '';
    for (const line of parts) handleLine(line);
  });
  const handleLine = (line: string) => {
    if (!line) return;
    const progress = parseProgressLine(line);
    if (progress) options.onProgress?.(progress);
    else options.onLine?.(line);
  };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const result = await child;
  if (pending) handleLine(pending);
  if (stderr.trim()) logger.warn(stderr.trim());
  const cancelled = Boolean(options.signal?.aborted) || result.isCanceled === true;
  if (result.failed && result.exitCode === undefined && !cancelled && result.signal === undefined) {
    const { code, message } = failureOf(result);
    if (code === 'ENOENT') throw new SnapshotError('RSYNC_NOT_FOUND', `rsync could not be started (${rsync} not found): install it with "sudo apt-get install rsync".`);
    throw new SnapshotError('RSYNC_FAILED', `rsync could not be started: ${message}`);
  }
  const signal = result.exitCode === undefined && !cancelled ? result.signal : undefined;
  return { exitCode: result.exitCode ?? (cancelled ? 20 : 1), stdout, stderr, cancelled, signal };
}

/** A message for a failed rsync run: what the exit code means and the last lines rsync printed. */
export function describeRsyncFailure(run: RsyncRunResult): string {
  const tail = run.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  if (run.signal) return `rsync was killed by ${run.signal} before it finished${tail ? `: ${tail}` : ''}`;
  const meaning = RSYNC_EXIT_MEANING[run.exitCode] ?? 'unknown error';
  return `rsync failed with exit code ${run.exitCode} (${meaning})${tail ? `: ${tail}` : ''}`;
}
