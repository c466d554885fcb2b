import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SnapshotError } from '../../util/errors';
import { findExecutable } from '../../util/tools';
import type { RootLock } from '../backupRoot';
import { LOCK_FILE, LOCK_HELD_ENV } from '../format';

const BUSY_EXIT = 75;

/**
 * Takes the root's lock without waiting. The lock is held by a `flock -n LOCK cat` child whose stdin is our
 * pipe: the kernel drops the lock when that child exits, and the child exits as soon as we do (EOF), even
 * after kill -9 — so a dead process never blocks the root.
 */
export async function acquireLock(root: string, env: NodeJS.ProcessEnv = process.env): Promise<RootLock> {
  const lockPath = path.join(path.resolve(root), LOCK_FILE);
  const flock = await findExecutable('flock');
  await (await fs.open(lockPath, 'a')).close();

  const child = spawn(flock, ['-n', '-E', String(BUSY_EXIT), lockPath, 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
  // A busy lock makes flock exit at once, so our write below may hit a closed pipe (EPIPE): that is "not acquired", not a crash.
  child.stdin.on('error', () => {});
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const acquired = await new Promise<boolean>((resolve, reject) => {
    child.once('error', reject);
    // cat echoes our line back only once flock has the lock and started it.
    child.stdout.once('data', () => resolve(true));
    exited.then(() => resolve(false));
    child.stdin.write('locked\n');
  });

  if (!acquired) {
    const code = await exited;
    if (code === BUSY_EXIT) {
      if (env[LOCK_HELD_ENV] && path.resolve(env[LOCK_HELD_ENV]!) === lockPath) return { path: lockPath, release: async () => {} };
      throw new SnapshotError('LOCKED', await busyMessage(root, lockPath));
    }
    throw new SnapshotError('BAD_INPUT', `Could not lock ${lockPath}: ${stderr.trim() || `flock exited with ${code}`}.`);
  }
  await fs.writeFile(lockPath, `${process.pid}\n`).catch(() => {});
  return {
    path: lockPath,
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

async function busyMessage(root: string, lockPath: string): Promise<string> {
  const pid = Number((await fs.readFile(lockPath, 'utf8').catch(() => '')).trim());
  const alive = Number.isInteger(pid) && pid > 0 && isAlive(pid);
  return alive
    ? `A snapshot into ${root} is already running (pid ${pid}). Wait for it to finish, or stop that process.`
    : `A snapshot into ${root} is already running (another process, e.g. a cron job, holds ${lockPath}). Wait for it to finish.`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
