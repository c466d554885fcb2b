import { spawn, SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root (tests run from out/test/<suite>/, sources live in test/<suite>/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'esbuild.mjs'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`repository root not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const cliPath = () => path.join(repoRoot(), 'dist', 'cli.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argv array (never a shell string) and collects its output. */
export function run(cmd: string, args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `node dist/cli.js ARGS` as a child process. */
export function runCli(args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  return run(process.execPath, [cliPath(), ...args], options);
}

export const NOBODY = 65534;

let publicCli: string | undefined;
/**
 * dist/cli.js copied to a world-readable temp folder, for runs as nobody: the checkout itself may sit in a
 * folder other users cannot enter (a CI clone under /root, say).
 */
export function cliPathForNobody(): string {
  if (!publicCli) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-cli-'));
    fs.chmodSync(dir, 0o755);
    publicCli = path.join(dir, 'cli.js');
    fs.copyFileSync(cliPath(), publicCli);
    fs.chmodSync(publicCli, 0o755);
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return publicCli;
}

/** argv prefix that runs a program as user nobody (uid/gid 65534, no supplementary groups): root ignores file modes, nobody does not. */
export function asNobody(cmd: string, args: string[]): [string, string[]] {
  return ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', cmd, ...args]];
}

/** Whether this process may mount (root in a namespace that allows it): needed for read-only/tmpfs mounts. */
export async function canMount(scratch: string): Promise<boolean> {
  const dir = path.join(scratch, '.mount-probe');
  fs.mkdirSync(dir, { recursive: true });
  const r = await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).catch(() => undefined);
  if (r?.code !== 0) {
    fs.rmdirSync(dir);
    return false;
  }
  await run('umount', [dir]);
  fs.rmdirSync(dir);
  return true;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a truthy value, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Pids of running processes whose parent is `ppid` and whose command name is `comm` (read from /proc, no shell). */
export function childPids(ppid: number, comm: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid …  — comm may contain spaces, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const [state, parent] = stat.slice(close + 2).split(' ');
    if (name === comm && Number(parent) === ppid && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

/** Whether a process exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Files named like `count` files under dir (spread over subfolders), sizes cycling through `sizes`. */
export function makeManyFiles(dir: string, count: number, sizes = [0, 100, 4096, 20000], perDir = 200): string[] {
  const rels: string[] = [];
  for (let i = 0; i < count; i++) {
    const rel = path.join(`d${Math.floor(i / perDir)}`, `f${i}.txt`);
    const file = path.join(dir, rel);
    if (i % perDir === 0) fs.mkdirSync(path.dirname(file), { recursive: true });
    const size = sizes[i % sizes.length];
    fs.writeFileSync(file, Buffer.alloc(size, `${i}:`));
    rels.push(rel);
  }
  return rels;
}
