import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RootListing } from '../../../src/core/root/listing';
import { isSnapshotError } from '../../../src/core/util/errors';
import { IN_PROGRESS_PREFIX } from '../../../src/core/root/format';
import { inode, tempDirs } from '../../support/fixtures';
import { alive, childPids, cliPath, makeManyFiles, runCli, sleep, waitFor } from '../../support/proc';
import { listSnapshots, takeSnapshot } from '../../support/core';

const FILES = 3000;

/** What a reader of the root sees: finished snapshots and where latest points. */
function visible(listing: RootListing) {
  return { snapshots: listing.snapshots.map((s) => s.name), latest: listing.latest?.name, latestState: listing.latestState };
}

describe('crash safety', function () {
  this.timeout(120000);
  const tmp = tempDirs();
  let source: string, root: string, rels: string[];
  let baseline: Awaited<ReturnType<typeof takeSnapshot>>;
  let generation = 0;

  /** Rewrites every other file, so the next run has real copying to do (a window to kill it in). */
  function changeHalf(): void {
    generation++;
    for (let i = 0; i < rels.length; i += 2) fs.writeFileSync(path.join(source, rels[i]), Buffer.alloc(16000 + (i % 5) * 1000, `gen${generation}:${i}`));
  }

  /** The baseline's untouched files (odd indexes) must be hard links to the baseline; changed ones carry the newest content. */
  function assertLinkedAgainstBaseline(snapshotPath: string): void {
    for (let i = 1; i < rels.length; i += 98) assert.equal(inode(path.join(snapshotPath, rels[i])), inode(path.join(baseline.path, rels[i])), rels[i]);
    for (let i = 0; i < rels.length; i += 98) {
      assert.notEqual(inode(path.join(snapshotPath, rels[i])), inode(path.join(baseline.path, rels[i])), rels[i]);
      assert.deepEqual(fs.readFileSync(path.join(snapshotPath, rels[i])), fs.readFileSync(path.join(source, rels[i])), rels[i]);
    }
  }

  const dirsInProgress = () => fs.readdirSync(root).filter((n) => n.startsWith(IN_PROGRESS_PREFIX));

  before(async () => {
    const base = tmp.make('rs-crash');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    fs.mkdirSync(root);
    rels = makeManyFiles(source, FILES, [100, 4000, 16000, 40000]);
    baseline = await takeSnapshot({ source, root });
    assert.equal(baseline.filesTransferred, FILES);
  });
  after(() => tmp.cleanup());

  it('kill -9 of the rsync child at several random points: latest and the listing unchanged, next run links against the last complete snapshot', async () => {
    const before = visible(await listSnapshots(root));
    assert.deepEqual(before, { snapshots: [baseline.name], latest: baseline.name, latestState: 'ok' });
    // Kill points: as soon as rsync exists, and after a random number of transferred files (out of FILES/2 to copy).
    const targets = [0, ...Array.from({ length: 4 }, () => 1 + Math.floor(Math.random() * (FILES / 2 - 200)))];
    for (const target of targets) {
      changeHalf();
      let killed: number | undefined;
      const kill = () => {
        if (killed !== undefined) return;
        const pids = childPids(process.pid, 'rsync');
        if (pids.length !== 1) return;
        killed = pids[0];
        process.kill(killed, 'SIGKILL');
      };
      const poll = setInterval(() => target === 0 && kill(), 1);
      try {
        await assert.rejects(
          takeSnapshot({ source, root, onProgress: (p) => p.files >= target && kill() }),
          (e) => isSnapshotError(e, 'RSYNC_FAILED') && /killed by SIGKILL/.test(e.message) && /latest is unchanged/.test(e.message),
          `kill at ${target} files`,
        );
      } finally {
        clearInterval(poll);
      }
      assert.ok(killed, `rsync was killed (target ${target})`);
      assert.deepEqual(visible(await listSnapshots(root)), before, `after kill at ${target} files`);
      assert.equal(fs.readlinkSync(path.join(root, 'latest')), baseline.name);
      assert.deepEqual(dirsInProgress(), [], 'the partial copy was removed');
    }
    const next = await takeSnapshot({ source, root });
    assert.equal(next.linkDest, baseline.path);
    assert.equal(next.partial, false);
    assertLinkedAgainstBaseline(next.path);
    assert.deepEqual(visible(await listSnapshots(root)), { snapshots: [baseline.name, next.name], latest: next.name, latestState: 'ok' });
    // From now on this is the last complete snapshot.
    baseline = next;
  });

  it('cancel through the AbortSignal kills rsync: CANCELLED, nothing listed, partial dir removed', async () => {
    changeHalf();
    const before = visible(await listSnapshots(root));
    const controller = new AbortController();
    let rsyncPid: number | undefined;
    await assert.rejects(
      takeSnapshot({
        source,
        root,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.files >= 100 && !controller.signal.aborted) {
            rsyncPid = childPids(process.pid, 'rsync')[0];
            controller.abort();
          }
        },
      }),
      (e) => isSnapshotError(e, 'CANCELLED') && /cancelled/i.test(e.message) && e.message.includes(baseline.name),
    );
    assert.ok(rsyncPid);
    assert.equal(alive(rsyncPid), false, 'rsync is gone');
    assert.deepEqual(visible(await listSnapshots(root)), before);
    assert.deepEqual(dirsInProgress(), []);
    const next = await takeSnapshot({ source, root });
    assert.equal(next.linkDest, baseline.path);
    baseline = next;
  });

  it('Ctrl-C (SIGINT) of the CLI mid-run cancels: exit 1, rsync stopped, partial dir removed, latest unchanged', async () => {
    changeHalf();
    const before = visible(await listSnapshots(root));
    const child = spawn(process.execPath, [cliPath(), 'snapshot', source, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(() => dirsInProgress().length === 1 && fs.readdirSync(path.join(root, dirsInProgress()[0])).length > 0, 20000, 'the CLI to start writing');
    const rsyncPid = childPids(child.pid!, 'rsync')[0];
    assert.ok(rsyncPid, 'rsync runs as a child of the CLI');
    child.kill('SIGINT');
    assert.equal(await exited, 1, stderr);
    assert.match(stderr, /cancelled/i);
    assert.equal(alive(rsyncPid), false);
    assert.deepEqual(visible(await listSnapshots(root)), before);
    assert.deepEqual(dirsInProgress(), []);
  });

  it('kill -9 of our whole process (the CLI and its children) mid-run: leftovers are not listed, the next run succeeds and removes them', async () => {
    const before = visible(await listSnapshots(root));
    const beforeCli = JSON.parse((await runCli(['list', root, '--json'])).stdout);
    const crashedNames: string[] = [];
    for (let round = 0; round < 2; round++) {
      changeHalf();
      // Its own process group, so SIGKILL reaches node, rsync and the lock helper at once, like a power cut of the app.
      const child = spawn(process.execPath, [cliPath(), 'snapshot', source, root], { detached: true, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const partial = await waitFor(
        () => {
          const dirs = dirsInProgress().filter((n) => !crashedNames.includes(n));
          if (dirs.length !== 1) return undefined;
          const entries = fs.readdirSync(path.join(root, dirs[0]));
          return entries.length > 0 ? dirs[0] : undefined;
        },
        20000,
        'the CLI to start writing',
      );
      await sleep(Math.floor(Math.random() * 40));
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      await waitFor(() => childPids(child.pid!, 'rsync').length === 0, 5000, 'the group to die');
      crashedNames.push(partial);

      const after = await listSnapshots(root);
      assert.deepEqual(visible(after), before, `round ${round}`);
      assert.ok(after.inProgress.includes(partial), 'the leftover is known as unfinished, not as a snapshot');
      assert.deepEqual(JSON.parse((await runCli(['list', root, '--json'])).stdout), beforeCli);
      assert.equal(fs.readlinkSync(path.join(root, 'latest')), baseline.name);
    }
    assert.deepEqual(dirsInProgress().sort(), crashedNames.slice().sort());

    const next = await takeSnapshot({ source, root });
    assert.equal(next.linkDest, baseline.path, 'links against the last complete snapshot, not a leftover');
    assert.equal(next.partial, false);
    assertLinkedAgainstBaseline(next.path);
    assert.deepEqual(dirsInProgress(), [], 'leftovers removed');
    const final = visible(await listSnapshots(root));
    assert.deepEqual(final, { snapshots: [...before.snapshots, next.name], latest: next.name, latestState: 'ok' });
    // The new snapshot is complete: every source file is there with the source's content.
    for (let i = 0; i < rels.length; i += 37) assert.deepEqual(fs.readFileSync(path.join(next.path, rels[i])), fs.readFileSync(path.join(source, rels[i])));
    assert.equal(fs.readdirSync(next.path).length, fs.readdirSync(source).length);
  });
});
