import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestSshd {
  /** Host alias in the generated ssh config. */
  host: string;
  /** `ssh -F <config>`: the ssh command that reaches `host` with the generated key and known_hosts. */
  sshCommand: string;
  configPath: string;
  port: number;
  /** Folder with keys, config and logs (private, 0700). */
  dir: string;
  pid: number;
  /** sshd's log so far (it runs with -e). */
  log(): string;
  /**
   * Another ssh config for the same server, e.g. `{ knownHosts: '' }` (unknown host key), `{ identityFile: other }`
   * (wrong key) or `{ port: closedPort }`; returns its `ssh -F …` command.
   */
  variant(name: string, overrides: { knownHosts?: string; identityFile?: string; port?: number }): string;
  /** A fresh key pair that the server does not accept; returns the private key path. */
  makeUnauthorizedKey(): string;
  stop(): Promise<void>;
}

/** The one sshd of a test run, shared by every test file (each file is its own bundle, so it lives on globalThis). */
interface Shared {
  server?: Promise<TestSshd>;
  users: number;
}
const shared: Shared = ((globalThis as { __rsyncSnapshotsSshd?: Shared }).__rsyncSnapshotsSshd ??= { users: 0 });

/**
 * A private sshd on a free 127.0.0.1 port, for tests: generated host and user keys, StrictModes on, root login
 * with key only, its own config/pid/log files in a private folder. Nothing of the machine's ssh setup changes.
 * One server serves the whole run: the first call starts it, stop() only lets go of it, and stopSharedSshd() (the
 * mocha root hook in test/support/hooks) ends it after the last test.
 */
export async function startSshd(): Promise<TestSshd> {
  shared.server ??= startPrivate().catch((err) => {
    shared.server = undefined;
    throw err;
  });
  const server = await shared.server;
  shared.users++;
  return { ...server, stop: async () => void shared.users-- };
}

/**
 * In a describe(): the run's shared sshd for its tests, started in before() and let go in after() together with every
 * ssh connection the tests opened. Read its fields in the tests (they are there once before() ran).
 */
export function useSshd(): Pick<TestSshd, 'host' | 'sshCommand' | 'port' | 'configPath'> {
  let server: TestSshd | undefined;
  before(async () => {
    server = await startSshd();
  });
  after(async () => {
    const { closeAllSshConnections } = await import('../../src/core/root/ssh/transport');
    await closeAllSshConnections();
    await server?.stop();
  });
  const started = () => {
    if (!server) throw new Error('useSshd(): the sshd is there only once before() ran, inside a test');
    return server;
  };
  return {
    get host() {
      return started().host;
    },
    get sshCommand() {
      return started().sshCommand;
    },
    get port() {
      return started().port;
    },
    get configPath() {
      return started().configPath;
    },
  };
}

/** Ends the shared server (after the last test of the run). */
export async function stopSharedSshd(): Promise<void> {
  const server = shared.server;
  shared.server = undefined;
  if (server) await (await server).stop();
}

/**
 * A server of the caller's own (not the shared one), with extra sshd_config lines, e.g. `['MaxStartups 2:100:2']`
 * to turn away connections while two are unauthenticated. stop() ends it.
 */
export function startPrivateSshd(extraConfig: string[] = []): Promise<TestSshd> {
  return startPrivate(extraConfig);
}

async function startPrivate(extraConfig: string[] = []): Promise<TestSshd> {
  const dir = makePrivateDir();
  try {
    return await start(dir, extraConfig);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function start(dir: string, extraConfig: string[]): Promise<TestSshd> {
  // Privilege separation directory, required by sshd.
  if (!fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rsync-snapshots-test', '-f', file], { stdio: 'ignore' });
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'id_ed25519');
  keygen(hostKey);
  keygen(userKey);
  const authorized = path.join(dir, 'authorized_keys');
  fs.writeFileSync(authorized, fs.readFileSync(`${userKey}.pub`), { mode: 0o600 });

  const port = await freePort();
  const pidFile = path.join(dir, 'sshd.pid');
  const sshdConfig = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    sshdConfig,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes yes',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'LogLevel VERBOSE',
      ...extraConfig,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const knownHosts = path.join(dir, 'known_hosts');
  const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`, { mode: 0o600 });

  const writeConfig = (name: string, o: { knownHosts?: string; identityFile?: string; port?: number }) => {
    let known = knownHosts;
    if (o.knownHosts !== undefined) {
      known = path.join(dir, `known_hosts.${name}`);
      fs.writeFileSync(known, o.knownHosts, { mode: 0o600 });
    }
    const file = path.join(dir, `ssh_config.${name}`);
    fs.writeFileSync(
      file,
      [
        'Host testhost',
        '  HostName 127.0.0.1',
        `  Port ${o.port ?? port}`,
        '  User root',
        `  IdentityFile ${o.identityFile ?? userKey}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${known}`,
        '  GlobalKnownHostsFile /dev/null',
        '  CheckHostIP no',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    return `ssh -F ${file}`;
  };
  const sshCommand = writeConfig('main', {});
  const configPath = path.join(dir, 'ssh_config.main');

  let log = '';
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', sshdConfig], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${log}`)), 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${log}`));
    });
    child.stderr!.on('data', (d: string) => {
      log += d;
      if (log.includes('Server listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const pid = child.pid!;
  let unauthorized = 0;

  return {
    host: 'testhost',
    sshCommand,
    configPath,
    port,
    dir,
    pid,
    log: () => log,
    variant: writeConfig,
    makeUnauthorizedKey() {
      const key = path.join(dir, `other_key_${++unauthorized}`);
      keygen(key);
      return key;
    },
    async stop() {
      // The listener's children serve connections that are still open (e.g. a shared ssh connection): stop them too.
      for (const childPid of descendants(pid)) tryKill(childPid);
      tryKill(pid);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * StrictModes checks every folder above authorized_keys up to "/" (it is outside the home folder): none may be group
 * or world writable, so /tmp (1777) will not do. Use a private folder under the home folder instead.
 */
function makePrivateDir(): string {
  const base = path.join(os.homedir(), '.cache', 'rsync-snapshots-test-sshd');
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  fs.chmodSync(base, 0o700);
  const dir = fs.mkdtempSync(path.join(base, 'sshd-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A loopback port nothing listens on (for "host down" tests). */
export function closedPort(): Promise<number> {
  return freePort();
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
