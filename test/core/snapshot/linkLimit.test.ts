import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseLinkFailures } from '../../../src/core/snapshot/linkLimit';
import { inode, tempDirs, writeTree } from '../../support/fixtures';
import { kernelFsType } from '../../support/mounts';
import { repoRoot, run, runCli } from '../../support/proc';
import { doctor, readSnapshotMeta, takeSnapshot } from '../../support/core';

const EXT4_LIMIT = 65_000;

/**
 * The hard-link ceiling against real rsync on ext4 (the test's temp folder): a file whose inode holds 65,000 links is
 * copied by rsync, silently, and its --stats count it as unchanged. The engine counts it as copied (linkLimit), warns
 * naming the link limit, and doctor reports the highest link count against the limit.
 */
describe('the hard-link ceiling (ext4, real link() calls up to 65,000)', function () {
  this.timeout(120000);
  const tmp = tempDirs();
  before(async function () {
    if (kernelFsType(tmp.make('rs-probe')) !== 'ext4') this.skip();
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
  });
  after(() => tmp.cleanup());

  /** A root whose latest holds full.txt with an inode at the link limit (the extra links live beside the root). */
  async function atTheLimit() {
    const base = tmp.make('rs-links');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    writeTree(source, { 'full.txt': 'at the limit', 'other.txt': 'fine', 'sub/x.txt': 'x' });
    fs.mkdirSync(root);
    const first = await takeSnapshot({ source, root, now: new Date(2026, 0, 1, 10, 0) });
    const full = path.join(first.path, 'full.txt');
    const links = path.join(base, 'links');
    fs.mkdirSync(links);
    for (let i = fs.statSync(full).nlink; i < EXT4_LIMIT; i++) fs.linkSync(full, path.join(links, `l${i}`));
    assert.equal(fs.statSync(full).nlink, EXT4_LIMIT);
    assert.throws(() => fs.linkSync(full, path.join(links, 'one-more')), /EMLINK/);
    return { source, root, first, full };
  }

  it('counts a file copied at the link limit as copied, never as unchanged and hard-linked; warns naming the link limit', async () => {
    const { source, root, first, full } = await atTheLimit();
    const second = await takeSnapshot({ source, root, now: new Date(2026, 0, 1, 10, 1) });
    assert.notEqual(inode(path.join(second.path, 'full.txt')), inode(full), 'rsync had to copy it');
    assert.equal(inode(path.join(second.path, 'other.txt')), inode(path.join(first.path, 'other.txt')), 'the rest is linked');
    assert.equal(second.linkLimit, 1);
    assert.equal(second.filesTransferred, 1);
    assert.equal(second.filesUnchanged, 2);
    assert.equal(second.bytesTransferred, 'at the limit'.length, 'its bytes are counted as copied');
    assert.ok(
      second.warnings.some((w) => /1 file\(s\) were copied, not hard-linked, because their inode reached the filesystem's link limit \(65,000 links\): full\.txt/.test(w)),
      second.warnings.join('\n'),
    );
    assert.equal((await readSnapshotMeta(root, second.name))?.filesTransferred, 1, 'the notes (and the next estimate) count it too');
    // The copy starts a fresh inode: the next run links against it again.
    const third = await takeSnapshot({ source, root, now: new Date(2026, 0, 1, 10, 2) });
    assert.equal(third.linkLimit, 0);
    assert.equal(inode(path.join(third.path, 'full.txt')), inode(path.join(second.path, 'full.txt')));
  });

  it('the CLI summary and --json say how many; doctor shows the highest link count and the limit', async () => {
    const { source, root } = await atTheLimit();
    const before = await doctor(root);
    const ceiling = before.checks.find((c) => c.name === 'hard-link ceiling');
    assert.ok(ceiling, JSON.stringify(before.checks));
    assert.equal(ceiling.ok, false);
    assert.match(ceiling.detail, /highest link count 65,000 \(full\.txt\) of ext4's limit 65,000/);
    const r = await runCli(['snapshot', source, root, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { linkLimit: number; filesTransferred: number; filesUnchanged: number; warnings: string[] };
    assert.equal(json.linkLimit, 1);
    assert.equal(json.filesTransferred, 1);
    assert.equal(json.filesUnchanged, 2);
    assert.ok(json.warnings.some((w) => /link limit/.test(w)));
    const text = await runCli(['snapshot', source, root]);
    assert.match(text.stdout, /0 files copied .* 3 unchanged and hard-linked/, 'the fresh copy links again');
    const after = (await doctor(root)).checks.find((c) => c.name === 'hard-link ceiling');
    assert.match(after!.detail, /highest link count \d+ \(/);
    assert.equal(after!.ok, true);
  });

  it('parses rsync --info=name1 link failures: EMLINK apart from other causes, relative to the destination', () => {
    const dest = '/r/.inprogress-2026-01-01T10-00-00';
    const out = [
      'created directory /r/.inprogress-2026-01-01T10-00-00',
      'a.txt',
      `rsync: [generator] link "${dest}/sub/full.txt" => /r/2026-01-01T09-00-00/sub/full.txt failed: Too many links (31)`,
      `rsync: [generator] link "${dest}/b.txt" => /r/2026-01-01T09-00-00/b.txt failed: Operation not permitted (1)`,
      'rsync: [generator] link "/elsewhere" is a file name, not a message',
    ].join('\n');
    assert.deepEqual(parseLinkFailures(out, dest), { linkLimit: ['sub/full.txt'], other: [{ path: 'b.txt', why: 'Operation not permitted' }] });
    assert.deepEqual(parseLinkFailures('a.txt\nb.txt\n', dest), { linkLimit: [], other: [] });
  });
});
