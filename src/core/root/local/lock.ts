import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../../util/errors';
import { findExecutable } from '../../util/tools';
import type { RootLock } from '../backupRoot';
import { LOCK_FILE, LOCK_HELD_ENV } from '../format';
import { lockHolderPhrase, LockOperation, parseLockNote } from '../lockNote';
import { processRuns } from '../../util/processRuns';

const BUSY_EXIT = 75;

/**
 * Takes the root's lock without waiting. The lock is held by a `flock -n LOCK cat` child whose stdin is our
 * pipe: the kernel drops the lock when that child exits, and the child exits as soon as we do (EOF), even
 * after kill -9 — so a dead process never blocks the root.
 */
export async function acquireLock(root: string, env: NodeJS.ProcessEnv = process.env, operation: LockOperation = 'snapshot'): Promise<RootLock> {
  const lockPath = path.join(path.resolve(root), LOCK_FILE);
  const flock = await findExecutable('flock');
  try {
    await (await fs.open(lockPath, 'a')).close();
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EACCES' || code === 'EPERM') throw await lockNotOpenable(lockPath);
    throw err;
  }
  const note = `${process.pid} ${operation}\n`;

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
      if (env[LOCK_HELD_ENV] && path.resolve(env[LOCK_HELD_ENV]!) === lockPath) {
        await fs.writeFile(lockPath, note).catch(() => {}); // the cron line's flock holds it for us: we are the holder
        return { path: lockPath, release: () => fs.writeFile(lockPath, '').catch(() => {}) };
      }
      throw new SnapshotError('LOCKED', await busyMessage(root, lockPath));
    }
    throw new SnapshotError('BAD_INPUT', `Could not lock ${lockPath}: ${stderr.trim() || `flock exited with ${code}`}.`);
  }
  await fs.writeFile(lockPath, note).catch(() => {});
  return {
    path: lockPath,
    release: async () => {
      await fs.writeFile(lockPath, '').catch(() => {}); // still ours: a later holder (e.g. the cron line's flock) is never named after us
      child.stdin.end();
      await exited;
    },
  };
}

async function busyMessage(root: string, lockPath: string): Promise<string> {
  const { pid, operation } = parseLockNote(await fs.readFile(lockPath, 'utf8').catch(() => ''));
  const alive = pid !== undefined && processRuns(pid);
  return alive
    ? `${lockHolderPhrase(operation, root)} is already running (pid ${pid}). Wait for it to finish, or stop that process.`
    : `A snapshot into ${root} is already running (another process, e.g. a cron job, holds ${lockPath}). Wait for it to finish.`;
}

/** The lock file exists but belongs to someone else and is not writable for us: who owns it, and what to do. */
async function lockNotOpenable(lockPath: string): Promise<SnapshotError> {
  const stat = await fs.stat(lockPath).catch(() => undefined);
  const me = os.userInfo().username;
  if (!stat) return new SnapshotError('ROOT_INVALID', `Cannot create the lock file ${lockPath} (permission denied): make the backup root writable for ${me}.`);
  const owner = await userName(stat.uid);
  return new SnapshotError(
    'ROOT_INVALID',
    `The lock file ${lockPath} belongs to ${owner} (uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)}) and ${me} cannot open it. ` +
      `Run rsync-snapshots as ${owner} for this root, or, when nothing runs there, hand the file over: sudo chown ${me} '${lockPath}' (or remove it; it is recreated).`,
  );
}

/** The login name of a uid (from /etc/passwd), or "uid N". */
async function userName(uid: number): Promise<string> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
  return (
    passwd
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f.length > 2 && Number(f[2]) === uid)?.[0] ?? `uid ${uid}`
  );
}
