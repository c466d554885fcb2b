import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { formatSnapshotName } from '../../../src/core/root/format';
import { inode, tempDirs, writeTree } from '../../support/fixtures';
import { run, sleep } from '../../support/proc';
import { listSnapshots, takeSnapshot } from '../../support/core';

/** The seed's rsync-snapshot.sh, verbatim in spirit: plain bash, real date/rsync/touch/ln. */
const SEED_SCRIPT = [
  'set -e',
  'SRC="$1"; ROOT="$2"',
  'DATE=$(date +%Y-%m-%dT%H-%M-%S)',
  'rsync -a --link-dest="$ROOT/latest" "$SRC/" "$ROOT/$DATE/"',
  'touch "$ROOT/$DATE"',
  'ln -sfn "$DATE" "$ROOT/latest"',
  'echo "$DATE"',
].join('\n');

async function seed(source: string, root: string): Promise<string> {
  const r = await run('bash', ['-c', SEED_SCRIPT, 'rsync-snapshot.sh', source, root]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Both the seed and we name snapshots by the second: start each run in a fresh second so names never collide. */
async function nextSecond(): Promise<void> {
  const now = formatSnapshotName(new Date());
  while (formatSnapshotName(new Date()) === now) await sleep(20);
}

describe('seed compatibility (the plain bash rsync-snapshot.sh)', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('a seed-built root is read and extended with hard links, and the seed script keeps working after us', async function () {
    this.timeout(30000);
    const base = tmp.make('rs-seed');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    writeTree(source, { 'stable.txt': 'never changes', 'notes/todo.md': 'one', 'bin/data.bin': Buffer.alloc(50000, 7) });

    const s1 = await seed(source, root);
    await nextSecond();
    fs.writeFileSync(path.join(source, 'notes/todo.md'), 'two');
    const s2 = await seed(source, root);
    assert.equal(inode(path.join(root, s2, 'stable.txt')), inode(path.join(root, s1, 'stable.txt')), 'the seed itself links');

    // We read the seed's root as is.
    const listing = await listSnapshots(root);
    assert.deepEqual(
      listing.snapshots.map((s) => s.name),
      [s1, s2],
    );
    assert.equal(listing.latestState, 'ok');
    assert.equal(listing.latest?.name, s2);

    // We extend it: link-dest is the seed's latest, unchanged files are the same inode.
    await nextSecond();
    fs.writeFileSync(path.join(source, 'notes/todo.md'), 'three');
    const ours = await takeSnapshot({ source, root });
    assert.equal(ours.linkDest, path.join(root, s2));
    assert.equal(inode(path.join(ours.path, 'stable.txt')), inode(path.join(root, s1, 'stable.txt')));
    assert.equal(inode(path.join(ours.path, 'bin/data.bin')), inode(path.join(root, s1, 'bin/data.bin')));
    assert.notEqual(inode(path.join(ours.path, 'notes/todo.md')), inode(path.join(root, s2, 'notes/todo.md')));
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), ours.name, 'latest stays a relative link, like ln -sfn $DATE');

    // The seed runs after us and links against our snapshot.
    await nextSecond();
    fs.writeFileSync(path.join(source, 'added.txt'), 'added by hand');
    const s4 = await seed(source, root);
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), s4);
    assert.equal(inode(path.join(root, s4, 'stable.txt')), inode(path.join(ours.path, 'stable.txt')));
    assert.equal(inode(path.join(root, s4, 'notes/todo.md')), inode(path.join(ours.path, 'notes/todo.md')), 'linked against our snapshot, not an older one');
    assert.equal(fs.readFileSync(path.join(root, s4, 'added.txt'), 'utf8'), 'added by hand');
    // Our extra files in the root (lock, sidecar notes) do not leak into the seed's snapshots.
    assert.deepEqual(fs.readdirSync(path.join(root, s4)).sort(), ['added.txt', 'bin', 'notes', 'stable.txt']);

    // And we continue after the seed again.
    await nextSecond();
    const again = await takeSnapshot({ source, root });
    assert.equal(again.linkDest, path.join(root, s4));
    assert.equal(inode(path.join(again.path, 'added.txt')), inode(path.join(root, s4, 'added.txt')));
    assert.equal(again.filesTransferred, 0);
    const final = await listSnapshots(root);
    assert.deepEqual(
      final.snapshots.map((s) => s.name),
      [s1, s2, ours.name, s4, again.name],
    );
    assert.equal(final.latest?.name, again.name);
  });

  it('reads an rsync-time-backup style root (YYYY-MM-DD-HHMMSS, absolute latest) and extends it', async () => {
    const base = tmp.make('rs-seed');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    writeTree(source, { 'f.txt': 'same' });
    const old = path.join(root, '2026-01-02-030405');
    fs.mkdirSync(root);
    assert.equal((await run('rsync', ['-a', `${source}/`, `${old}/`])).code, 0);
    fs.symlinkSync(old, path.join(root, 'latest'));
    const ours = await takeSnapshot({ source, root });
    assert.equal(ours.linkDest, old);
    assert.equal(inode(path.join(ours.path, 'f.txt')), inode(path.join(old, 'f.txt')));
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.format),
      ['rsync-time-backup', 'iso'],
    );
  });
});
