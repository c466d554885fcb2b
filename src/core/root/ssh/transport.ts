import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { failureOf, run } from '../../util/exec';
import { SnapshotError } from '../../util/errors';
import { Logger, silentLogger } from '../../util/logger';
import { formatCommandLine } from '../../util/rsync';
import { findExecutable } from '../../util/tools';
import { RemoteRootLocation, sshDestination } from '../location';
import { processRuns } from '../../util/processRuns';
import { ConnectRetryPolicy, DEFAULT_CONNECT_RETRY, pause, refusedBeforeLogin, retryDelayMs } from './connectRetry';

/**
 * How many ssh processes this process has started (our own calls, plus one per rsync run over ssh, whose
 * `-e` starts one). For the benchmark and tests: a warm list costs 1.
 */
export const sshCounters = { processesStarted: 0 };

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** Seconds an idle shared connection stays up after its last use. */
export const CONTROL_PERSIST_SECONDS = 60;

/**
 * Quotes one argument for the remote POSIX shell: `'…'` with each `'` written `'\''`. Every argument of every
 * remote command goes through here — nothing else builds remote command lines.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new SnapshotError('BAD_INPUT', 'An argument for the remote shell contains a NUL character; it is refused.');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Splits an ssh command (`--ssh-command`, `RSYNC_RSH`) into argv the way rsync splits `-e`: on spaces (and
 * tabs), with '…' and "…" quoting (a doubled quote character inside quotes is a literal one), no other escapes.
 */
export function splitCommand(command: string): string[] {
  const argv: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) {
        if (command[i + 1] === quote) {
          current += c;
          i++;
        } else quote = undefined;
      } else current += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) argv.push(current);
      current = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else current += c;
  }
  if (quote) throw new SnapshotError('BAD_INPUT', `The ssh command ${JSON.stringify(command)} has an unterminated ${quote} quote.`);
  if (inWord) argv.push(current);
  return argv;
}

/** The inverse of splitCommand: a string rsync's `-e` splits back into exactly `argv`. */
export function joinCommand(argv: string[]): string {
  return argv.map((a) => (a !== '' && !/[\s'"]/.test(a) ? a : `"${a.replace(/"/g, '""')}"`)).join(' ');
}

/** The ssh command to use: the explicit one (setting / --ssh-command), else $RSYNC_RSH as rsync does, else `ssh`. */
export function resolveSshCommand(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit && explicit.trim()) return explicit.trim();
  if (env.RSYNC_RSH && env.RSYNC_RSH.trim()) return env.RSYNC_RSH.trim();
  return 'ssh';
}

let controlRoot: string | undefined;

const CONTROL_DIR_PREFIX = 'rs-ssh-';

/** Inside a control folder: the pid of the process that made it (the folder name stays short: sockets live below it). */
const CONTROL_DIR_PID_FILE = 'pid';

/**
 * A private (0700) folder for this process's connection sockets, `rs-ssh-XXXXXX` holding a `pid` file, removed when
 * the process exits. A process killed with -9 cannot remove its own: stale ones of ours (our uid, a pid file naming a
 * process that no longer runs) go on start.
 */
function controlRootDir(): string {
  if (controlRoot && fs.existsSync(controlRoot)) return controlRoot;
  // Unix socket paths are limited to ~108 bytes: prefer /tmp over a long TMPDIR.
  const base = os.tmpdir().length <= 40 ? os.tmpdir() : '/tmp';
  removeStaleControlDirs(base);
  controlRoot = fs.mkdtempSync(path.join(base, CONTROL_DIR_PREFIX));
  fs.chmodSync(controlRoot, 0o700);
  fs.writeFileSync(path.join(controlRoot, CONTROL_DIR_PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  const dir = controlRoot;
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Removes `rs-ssh-*` folders of this user whose pid file names a process that is gone (folders without one, of older versions, stay). */
function removeStaleControlDirs(base: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    if (!name.startsWith(CONTROL_DIR_PREFIX)) continue;
    const dir = path.join(base, name);
    try {
      const stat = fs.lstatSync(dir);
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
      const pid = Number(fs.readFileSync(path.join(dir, CONTROL_DIR_PID_FILE), 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processRuns(pid)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
}

export interface SshTransportOptions {
  /** ssh command line, e.g. `ssh -F ~/.ssh/backup_config`; default $RSYNC_RSH, then `ssh`. */
  sshCommand?: string;
  connectTimeoutSeconds?: number;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Retries of a connection the server turned away before login (busy: sshd MaxStartups); default DEFAULT_CONNECT_RETRY. */
  connectRetry?: ConnectRetryPolicy;
}

export interface ExecOptions {
  /** Written to the remote command's stdin. */
  input?: string | Buffer;
  signal?: AbortSignal;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/** A long-running remote command with pipes (the remote lock, a streaming search): stdin/stdout stay open until closed. */
export interface SpawnedRemote {
  readonly stdin: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  /** What the command wrote to stderr so far (empty with `rawStderr`: then read stderrStream). */
  stderr(): string;
  /** The stderr bytes as they come (only with `rawStderr`). */
  readonly stderrStream?: NodeJS.ReadableStream;
  readonly exited: Promise<number | null>;
  kill(): void;
}

const openMasters = new Map<string, { sshPath: string; args: string[] }>();

/**
 * Runs commands on one host through ssh. One connection is shared by every call (ControlMaster=auto with a socket
 * in a private temp folder, ControlPersist), including rsync's own ssh through `rsyncShell()`. BatchMode: never
 * prompts. Host keys are always checked; the user's ~/.ssh/config applies (host aliases, ports, identities).
 */
export class SshTransport {
  readonly destination: string;
  readonly command: string;
  private readonly userArgv: string[];
  private readonly controlArgs: string[];
  private readonly logger: Logger;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly connectTimeout: number;
  private readonly retryPolicy: ConnectRetryPolicy;
  private resolvedSsh?: string;

  constructor(
    readonly location: RemoteRootLocation,
    options: SshTransportOptions = {},
  ) {
    this.destination = sshDestination(location);
    this.command = resolveSshCommand(options.sshCommand, options.env ?? process.env);
    this.userArgv = splitCommand(this.command);
    if (this.userArgv.length === 0) throw new SnapshotError('BAD_INPUT', 'The ssh command is empty: set it to e.g. "ssh" or "ssh -F ~/.ssh/config".');
    this.logger = options.logger ?? silentLogger;
    this.env = options.env;
    this.connectTimeout = Math.max(1, Math.round(options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS));
    this.retryPolicy = options.connectRetry ?? DEFAULT_CONNECT_RETRY;
    // One socket folder per distinct ssh command: a connection made with one config/key is never reused by another.
    const perCommand = path.join(controlRootDir(), createHash('sha256').update(this.command).digest('hex').slice(0, 12));
    fs.mkdirSync(perCommand, { recursive: true, mode: 0o700 });
    this.controlArgs = [
      '-o',
      'BatchMode=yes',
      '-o',
      `ConnectTimeout=${this.connectTimeout}`,
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${perCommand}/%C`,
      '-o',
      `ControlPersist=${CONTROL_PERSIST_SECONDS}`,
    ];
  }

  /** ssh argv before the destination: the user's command, then our options (the user's own -o win: ssh keeps the first value). */
  private baseArgs(): string[] {
    return [...this.userArgv.slice(1), ...this.controlArgs];
  }

  private async sshPath(): Promise<string> {
    if (!this.resolvedSsh) {
      const program = this.userArgv[0];
      this.resolvedSsh = program === 'ssh' ? await findExecutable('ssh') : program;
    }
    return this.resolvedSsh;
  }

  /** The `-e` string for rsync: the same ssh command and options, so rsync rides the shared connection. */
  rsyncShell(): string {
    return joinCommand([...this.userArgv, ...this.controlArgs]);
  }

  /** The remote command line for argv: each argument quoted by shellQuote, joined by spaces. */
  static remoteCommandLine(argv: string[]): string {
    return argv.map(shellQuote).join(' ');
  }

  private argsFor(argv: string[]): string[] {
    return [...this.baseArgs(), '--', this.destination, SshTransport.remoteCommandLine(argv)];
  }

  /**
   * Runs argv on the host. Throws SSH_FAILED when ssh itself failed (exit 255); other exit codes are returned. A
   * connection the server turned away before login is tried again (nothing ran on the host).
   */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.execOnce(argv, options);
      if (result.exitCode !== 255) return result;
      if (!(await this.retryAfterRefusal(result.stderr, attempt, options.signal))) throw this.failure(result.stderr);
    }
  }

  /**
   * After ssh exited 255: when the server turned the connection away before login (refusedBeforeLogin) and retries
   * are left, logs it, waits (exponential backoff with jitter) and returns true — the caller tries again. Otherwise
   * false: the failure is real (or retries ran out) and the caller reports it.
   */
  async retryAfterRefusal(stderr: string, attempt: number, signal?: AbortSignal): Promise<boolean> {
    if (!refusedBeforeLogin(stderr) || attempt > this.retryPolicy.retries) return false;
    const delay = retryDelayMs(attempt, this.retryPolicy);
    this.logger.warn(`ssh ${this.destination}: the server turned the connection away before login (busy?); retry ${attempt} of ${this.retryPolicy.retries} in ${(delay / 1000).toFixed(1)} s`);
    await pause(delay, signal);
    return true;
  }

  private async execOnce(argv: string[], options: ExecOptions): Promise<ExecResult> {
    const ssh = await this.sshPath();
    const args = this.argsFor(argv);
    this.logger.debug(`$ ${formatCommandLine([ssh, ...args])}`);
    sshCounters.processesStarted++;
    this.remember(ssh);
    const result = await run(ssh, args, {
      input: options.input,
      stdin: options.input === undefined ? 'ignore' : undefined,
      signal: options.signal,
      forceKillAfterMs: 2000,
      reject: false,
      encoding: null,
      stripFinalNewline: false,
      env: this.env,
      extendEnv: true,
    });
    if (result.failed && result.exitCode === undefined && !options.signal?.aborted && !result.isCanceled && result.signal === undefined) {
      const { code, message } = failureOf(result);
      if (code === 'ENOENT')
        throw new SnapshotError(
          'TOOL_NOT_FOUND',
          `The ssh command "${this.userArgv[0]}" was not found: install openssh-client ("sudo apt-get install openssh-client") or fix the ssh command setting.`,
        );
      throw new SnapshotError('SSH_FAILED', `ssh could not be started: ${message}`);
    }
    if (options.signal?.aborted || result.isCanceled) throw new SnapshotError('CANCELLED', `Cancelled while talking to ${this.destination}.`);
    const stderr = Buffer.from(result.stderr ?? new Uint8Array()).toString('utf8');
    const exitCode = result.exitCode ?? 1;
    return { stdout: Buffer.from(result.stdout ?? new Uint8Array()), stderr, exitCode };
  }

  /** Runs a POSIX sh script on the host: `sh -c SCRIPT sh ARGS…` — arguments arrive as "$1"…, never parsed as code. */
  execScript(script: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(['sh', '-c', script, 'sh', ...args], options);
  }

  /** Starts a remote command with open pipes (for the remote lock). ssh failures show up as exit 255 in `exited`. */
  async spawn(argv: string[], options: { rawStderr?: boolean } = {}): Promise<SpawnedRemote> {
    const ssh = await this.sshPath();
    const args = this.argsFor(argv);
    this.logger.debug(`$ ${formatCommandLine([ssh, ...args])}`);
    sshCounters.processesStarted++;
    this.remember(ssh);
    const child = spawn(ssh, args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.env ? { ...process.env, ...this.env } : process.env });
    let stderr = '';
    if (!options.rawStderr) {
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => (stderr += d));
    }
    child.stdin.on('error', () => {});
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (err) => {
        stderr += String((err as Error).message);
        resolve(errnoIsNotFound(err) ? 127 : null);
      });
      child.once('close', (code) => resolve(code));
    });
    return { stdin: child.stdin, stdout: child.stdout, stderr: () => stderr, stderrStream: options.rawStderr ? child.stderr : undefined, exited, kill: () => child.kill('SIGTERM') };
  }

  /** The error for a failed ssh run (exit 255), with what to do about it. */
  failure(stderr: string): SnapshotError {
    return describeSshFailure(this.destination, stderr, this.connectTimeout, () => this.knownHostsEntry());
  }

  /**
   * The known_hosts entry ssh uses for this destination, from `ssh -G` (HostName, Port, HostKeyAlias of the user's
   * config): `[127.0.0.1]:2222` for a non-22 port. Only asked on a host key failure, whose stderr does not name it.
   */
  private knownHostsEntry(): string | undefined {
    try {
      const program = this.resolvedSsh ?? this.userArgv[0];
      const out = execFileSync(program, [...this.userArgv.slice(1), '-G', '--', this.destination], {
        encoding: 'utf8',
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: this.env ? { ...process.env, ...this.env } : process.env,
      });
      const value = (key: string) => new RegExp(`^${key} (.+)$`, 'm').exec(out)?.[1]?.trim();
      const alias = value('hostkeyalias');
      if (alias && alias !== 'none') return alias;
      const host = value('hostname');
      const port = value('port') ?? '22';
      return host ? (port === '22' ? host : `[${host}]:${port}`) : undefined;
    } catch {
      return undefined;
    }
  }

  private remember(ssh: string): void {
    const key = `${this.controlArgs.join(' ')}\0${this.destination}`;
    if (!openMasters.has(key)) openMasters.set(key, { sshPath: ssh, args: [...this.baseArgs(), '-O', 'exit', '--', this.destination] });
  }

  /** Stops the shared connection to this host (if any). */
  async close(): Promise<void> {
    const key = `${this.controlArgs.join(' ')}\0${this.destination}`;
    const master = openMasters.get(key);
    if (!master) return;
    openMasters.delete(key);
    await run(master.sshPath, master.args, { reject: false, stdin: 'ignore', env: this.env, extendEnv: true, timeout: 10_000 });
  }
}

/** Stops every shared ssh connection this process opened (tests, deactivate). */
export async function closeAllSshConnections(): Promise<void> {
  const masters = [...openMasters.values()];
  openMasters.clear();
  await Promise.all(masters.map((m) => run(m.sshPath, m.args, { reject: false, stdin: 'ignore', timeout: 10_000 })));
}

function errnoIsNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** Turns ssh's stderr (exit 255) into a message that says what to do. */
export function describeSshFailure(destination: string, stderr: string, connectTimeout = DEFAULT_CONNECT_TIMEOUT_SECONDS, knownHostsEntry?: () => string | undefined): SnapshotError {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const said = lines
    .filter((l) => !/^[@ ]*$/.test(l) && !l.startsWith('@@@'))
    .slice(-3)
    .join(' | ');
  const hostName = destination.replace(/^.*@/, '');
  // The known_hosts entry ssh really uses (e.g. [127.0.0.1]:2222 for a HostName/Port from ~/.ssh/config), as ssh names it.
  const removeWith = /ssh-keygen\s+(?:-f\s+["']([^"']+)["']\s+)?-R\s+["']([^"']+)["']/.exec(stderr);
  const hostKeyProblem = /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|No \S+ host key is known|host key is not known/i.test(stderr);
  const entry = removeWith?.[2] ?? /(?:host key is known for|Host key for) (\S+) /i.exec(stderr)?.[1] ?? (hostKeyProblem ? knownHostsEntry?.() : undefined) ?? hostName;
  let message: string;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr))
    message = `ssh refused ${destination}: its host key has CHANGED since it was recorded in known_hosts (entry ${entry}). This can be an attack, or the server was reinstalled. Check with the server's admin, then remove the old key (${formatCommandLine(['ssh-keygen', '-R', entry, ...(removeWith?.[1] ? ['-f', removeWith[1]] : [])])}) and connect once with "ssh ${destination}" to accept the new one.`;
  else if (/Host key verification failed|No \S+ host key is known|host key is not known/i.test(stderr))
    message = `ssh could not verify the host key of ${destination} (not in known_hosts: ssh looks it up as ${entry}). Connect once in a terminal with "ssh ${destination}" and accept the key after checking its fingerprint; host key checking is never turned off.`;
  else if (/Permission denied/i.test(stderr))
    message = `ssh login to ${destination} was refused (permission denied). Set up key authentication: ssh-keygen, then ssh-copy-id ${destination}. Password prompts are disabled (BatchMode), so a key (or an ssh-agent) is required.`;
  else if (refusedBeforeLogin(stderr))
    message = `ssh to ${destination}: the server kept closing the connection before login, also after retries. It is busy (too many clients connecting at once: sshd's MaxStartups) or refuses this address. Try again later; a team's clients can spread out with cron-line --random-delay.`;
  else if (/Connection refused/i.test(stderr)) message = `ssh could not connect to ${destination}: connection refused. Is the ssh server running, and is the port right (Port in ~/.ssh/config)?`;
  else if (/timed out|Connection timeout/i.test(stderr)) message = `ssh could not connect to ${destination}: timed out after ${connectTimeout} s. Is the host up and reachable (VPN, firewall)?`;
  else if (/Could not resolve hostname|Name or service not known|nodename nor servname/i.test(stderr))
    message = `ssh could not resolve the host name of ${destination}: check the spelling, or add a Host entry to ~/.ssh/config.`;
  else if (/No route to host|Network is unreachable/i.test(stderr)) message = `ssh could not reach ${destination} (no route to host / network unreachable): check the network connection.`;
  else if (/Bad owner or permissions|Bad configuration option|bad configuration|Can't open user config/i.test(stderr))
    message = `ssh refused its configuration: ${said}. Fix the ssh config file or the ssh command setting.`;
  else message = `ssh to ${destination} failed${said ? `: ${said}` : ' (exit 255)'}. Check that "ssh ${destination}" works in a terminal.`;
  return new SnapshotError('SSH_FAILED', message, lines);
}
