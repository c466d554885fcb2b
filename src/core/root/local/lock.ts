import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs, { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../../util/errors';
import { findExecutable } from '../../util/tools';
import type { RootLock } from '../backupRoot';
import { LOCK_FILE, LOCK_HELD_ENV } from '../format';
import { fileKindOf } from '../fileKind';
import { lockHolderPhrase, lockNotAFile, LockOperation, parseLockNote } from '../lockNote';
import { processRuns } from '../../util/processRuns';

const BUSY_EXIT = 75;

/**
 * Takes the root's lock without waiting. We open the lock file ourselves — O_NOFOLLOW and O_NONBLOCK, never truncating —
 * and refuse anything but a regular file (a symlink, a FIFO, a folder: openLockFile). A `flock -n 3` child locks that
 * descriptor (inherited as its fd 3) and exits; the lock then lives with our own descriptor, so the kernel drops it when
 * we close it or die, even by kill -9 — a dead process never blocks the root, and no path is opened a second time.
 */
export async function acquireLock(root: string, env: NodeJS.ProcessEnv = process.env, operation: LockOperation = 'snapshot'): Promise<RootLock> {
  const lockPath = path.join(path.resolve(root), LOCK_FILE);
  const flock = await findExecutable('flock');
  const handle = await openLockFile(lockPath);
  const note = `${process.pid} ${operation}\n`;
  /** Our note in the lock file (or none), written through our descriptor: nothing else is ever opened. */
  const writeNote = async (text: string) => {
    await handle.truncate(0);
    if (text) await handle.write(text, 0);
  };
  let code: number | null;
  let stderr = '';
  try {
    const child = spawn(flock, ['-n', '-E', String(BUSY_EXIT), '3'], { stdio: ['ignore', 'ignore', 'pipe', handle.fd] });
    child.stderr!.on('data', (d) => (stderr += d));
    code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
  } catch (err) {
    await handle.close();
    throw err;
  }

  if (code !== 0) {
    if (code === BUSY_EXIT) {
      if (env[LOCK_HELD_ENV] && path.resolve(env[LOCK_HELD_ENV]!) === lockPath) {
        await writeNote(note).catch(() => {}); // the cron line's flock holds it for us: we are the holder
        return {
          path: lockPath,
          release: () =>
            writeNote('')
              .catch(() => {})
              .finally(() => handle.close()),
        };
      }
      const holder = await readNote(handle);
      await handle.close();
      throw new SnapshotError('LOCKED', busyMessage(root, lockPath, holder));
    }
    await handle.close();
    throw new SnapshotError('BAD_INPUT', `Could not lock ${lockPath}: ${stderr.trim() || `flock exited with ${code}`}.`);
  }
  await writeNote(note).catch(() => {});
  return {
    path: lockPath,
    release: async () => {
      await writeNote('').catch(() => {}); // still ours: a later holder (e.g. the cron line's flock) is never named after us
      await handle.close(); // the last descriptor of the locked file: the lock is gone
    },
  };
}

/**
 * Opens (or creates) the lock file for reading and writing without following a symlink, without blocking on a FIFO and
 * without truncating it; anything but a regular file is refused with what to do.
 */
async function openLockFile(lockPath: string): Promise<FileHandle> {
  const { O_RDWR, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
  let handle: FileHandle;
  try {
    handle = await fs.open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o666);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EACCES' || code === 'EPERM') throw await lockNotOpenable(lockPath);
    // ELOOP: a symlink; EISDIR: a folder; ENXIO: a socket (or a device without a driver); anything else is a plain failure.
    const stats = await fs.lstat(lockPath).catch(() => undefined);
    if (stats && !stats.isFile()) throw lockNotAFile(lockPath, fileKindOf(stats));
    throw err;
  }
  const kind = fileKindOf(await handle.stat());
  if (kind !== 'file') {
    await handle.close();
    throw lockNotAFile(lockPath, kind);
  }
  return handle;
}

async function readNote(handle: FileHandle): Promise<string> {
  const buffer = Buffer.alloc(200);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0).catch(() => ({ bytesRead: 0 }));
  return buffer.toString('utf8', 0, bytesRead);
}

function busyMessage(root: string, lockPath: string, holder: string): string {
  const { pid, operation } = parseLockNote(holder);
  const alive = pid !== undefined && processRuns(pid);
  return alive
    ? `${lockHolderPhrase(operation, root)} is already running (pid ${pid}). Wait for it to finish, or stop that process.`
    : `A snapshot into ${root} is already running (another process, e.g. a cron job, holds ${lockPath}). Wait for it to finish.`;
}

/** The lock file exists but belongs to someone else and is not writable for us: who owns it, and what to do. */
async function lockNotOpenable(lockPath: string): Promise<SnapshotError> {
  const stat = await fs.lstat(lockPath).catch(() => undefined);
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
