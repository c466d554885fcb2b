import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openRoot } from '../../../src/core/root/open';
import { LOCK_FILE } from '../../../src/core/root/format';
import { isSnapshotError } from '../../../src/core/util/errors';
import { tempDirs, writeTree } from '../../support/fixtures';
import { run } from '../../support/proc';
import { useSshd } from '../../support/sshd';
import { takeSnapshot } from '../../support/core';

/** `promise`, or a rejection naming `what` after `ms`: a lock that blocks fails the test instead of hanging it. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still runs after ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('remote root lock: a lock file that is not a regular file is refused, never followed or opened (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  const sshd = useSshd();
  after(async () => {
    await tmp.cleanup();
  });

  /** A remote root (this machine's folder, reached over ssh) with one snapshot. */
  async function remoteRoot() {
    const base = tmp.make('rs-rlock');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'alpha' });
    const spec = `${sshd.host}:${root}`;
    await takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, createRoot: true, now: new Date(2026, 0, 1) });
    return { base, source, root, spec, lockPath: path.join(root, LOCK_FILE) };
  }
  const lock = (spec: string) => within(20_000, 'taking the lock', openRoot(spec, { sshCommand: sshd.sshCommand }).lock({ operation: 'snapshot' }));
  const refused = (message: string) => (e: unknown) => isSnapshotError(e, 'ROOT_INVALID') && e.message === message;

  it('a symlink to a file outside the root: refused with what to do; the file keeps its content, a dangling link creates nothing', async () => {
    const { base, source, spec, lockPath } = await remoteRoot();
    const outside = path.join(base, 'precious.txt');
    fs.writeFileSync(outside, 'precious\n');
    fs.rmSync(lockPath, { force: true });
    fs.symlinkSync(outside, lockPath);
    const message = `${lockPath} on testhost is a symbolic link, not a lock file: remove it on testhost (rm -- ${lockPath}) and retry.`;
    await assert.rejects(lock(spec), refused(message));
    await assert.rejects(within(30_000, 'the snapshot', takeSnapshot({ source, root: spec, sshCommand: sshd.sshCommand, now: new Date(2026, 0, 2) })), refused(message));
    assert.equal(fs.readFileSync(outside, 'utf8'), 'precious\n', 'neither truncated nor written');

    fs.rmSync(lockPath);
    fs.symlinkSync(path.join(base, 'created-by-us'), lockPath);
    await assert.rejects(lock(spec), refused(message));
    assert.equal(fs.existsSync(path.join(base, 'created-by-us')), false, 'nothing created where the link points');
  });

  it('a FIFO: refused at once, nothing blocks', async () => {
    const { spec, lockPath } = await remoteRoot();
    fs.rmSync(lockPath, { force: true });
    assert.equal((await run('mkfifo', [lockPath])).code, 0);
    await assert.rejects(lock(spec), refused(`${lockPath} on testhost is a named pipe (FIFO), not a lock file: remove it on testhost (rm -- ${lockPath}) and retry.`));
    assert.ok(fs.lstatSync(lockPath).isFIFO());
  });

  it('a folder: refused with rm -r; a regular lock file works as before and is emptied on release', async () => {
    const { spec, lockPath } = await remoteRoot();
    fs.rmSync(lockPath, { force: true });
    fs.mkdirSync(lockPath);
    await assert.rejects(lock(spec), refused(`${lockPath} on testhost is a folder, not a lock file: remove it on testhost (rm -r -- ${lockPath}) and retry.`));
    fs.rmdirSync(lockPath);

    fs.writeFileSync(lockPath, '1234567 an-old-longer-note\n');
    const held = await lock(spec);
    try {
      assert.match(fs.readFileSync(lockPath, 'utf8'), /^\d+ snapshot\n$/, 'our note alone, written through the opened descriptor');
    } finally {
      await held.release();
    }
    assert.equal(fs.readFileSync(lockPath, 'utf8'), '');
  });
});
