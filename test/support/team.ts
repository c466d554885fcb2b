import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeTree } from './fixtures';
import type { TestSshd } from './sshd';

/**
 * A team backing up to one server: N developers, each with a source folder and a root of their own under one account
 * on the test sshd (per-user roots), each running the CLI as its own process — as their cron jobs do at 02:00.
 * Shared by the team test and scripts/bench-team.mjs.
 */
export interface TeamMember {
  source: string;
  /** The root's folder on the "server" (this machine), and its spec `testhost:/…`. */
  root: string;
  spec: string;
}

export interface ClientRun {
  code: number | null;
  stderr: string;
  /** Connections the server turned away before login that the client tried again (from its log). */
  retries: number;
  ms: number;
}

/** Each member's source holds a file shared by all rounds (`same.txt`, so it must be hard-linked) and one that changes per round. */
export function makeTeam(base: string, count: number, host: string): TeamMember[] {
  return Array.from({ length: count }, (_, i) => {
    const source = path.join(base, `dev${i + 1}`, 'work');
    writeTree(source, { 'same.txt': `unchanged of dev ${i + 1}\n`.repeat(20), 'src/app.js': 'round 0\n' });
    const root = path.join(base, 'server', `dev${i + 1}`);
    return { source, root, spec: `${host}:${root}` };
  });
}

/**
 * Starts every member's `snapshot` at once (one CLI process each, --verbose so retries are logged) and waits for all.
 * `onStarted` runs once they all run (e.g. to let go of connections that hold the server busy).
 */
export async function snapshotAtOnce(team: TeamMember[], sshd: TestSshd, cli: string, round: number, onStarted?: (runs: { stderr(): string }[]) => Promise<void>): Promise<ClientRun[]> {
  for (const m of team) fs.writeFileSync(path.join(m.source, 'src/app.js'), `round ${round}\n`);
  const started = team.map((m) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [cli, 'snapshot', m.source, m.spec, '--create', '--verbose', '--ssh-command', sshd.sshCommand], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    const done = new Promise<ClientRun>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr, retries: (stderr.match(/turned the connection away before login/g) ?? []).length, ms: Date.now() - t0 }));
    });
    return { done, stderr: () => stderr };
  });
  if (onStarted) await onStarted(started);
  return Promise.all(started.map((s) => s.done));
}

/** What is wrong with the members' roots after `rounds` runs: a missing or half-made snapshot, or an unchanged file that is not hard-linked. */
export function teamProblems(team: TeamMember[], rounds: number): string[] {
  const problems: string[] = [];
  for (const m of team) {
    const entries = fs.readdirSync(m.root);
    const snapshots = entries.filter((e) => /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/.test(e)).sort();
    const leftovers = entries.filter((e) => e.startsWith('.inprogress-'));
    if (snapshots.length !== rounds) problems.push(`${m.root}: ${snapshots.length} snapshots, expected ${rounds}`);
    if (leftovers.length) problems.push(`${m.root}: half-made ${leftovers.join(', ')}`);
    if (fs.readlinkSync(path.join(m.root, 'latest')) !== snapshots.at(-1)) problems.push(`${m.root}: latest is not the newest snapshot`);
    const inodes = new Set(snapshots.map((s) => fs.statSync(path.join(m.root, s, 'same.txt')).ino));
    if (inodes.size !== 1) problems.push(`${m.root}: same.txt is not one hard-linked file (${inodes.size} inodes)`);
    const newest = snapshots.at(-1);
    if (newest && fs.readFileSync(path.join(m.root, newest, 'src/app.js'), 'utf8') !== `round ${rounds}\n`) problems.push(`${m.root}: ${newest} does not hold the last round's file`);
  }
  return problems;
}

/**
 * CPU seconds the server spent: the listener and every process below it, alive or already reaped (a reaped child's
 * time is in its parent's cutime/cstime), from /proc.
 */
export function serverCpuSeconds(pid: number): number {
  const ticks = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; total: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields after comm: state ppid … utime(12) stime(13) cutime(14) cstime(15)
      stats.set(Number(entry), { ppid: Number(f[1]), total: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const walk = (p: number) => {
    total += stats.get(p)?.total ?? 0;
    for (const [child, s] of stats) if (s.ppid === p) walk(child);
  };
  walk(pid);
  return total / ticks;
}
