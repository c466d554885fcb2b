import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../../support/fixtures';
import { repoRoot, run, runCli } from '../../support/proc';
import { applyRestore, planRestore, takeSnapshot } from '../../support/core';

/**
 * Issue 24: an in-place restore of a path of about 4,000 characters restored the file, then reported "FAILED … no
 * longer in the snapshot" (exit 1): the check after the copy hit the 4,096-byte path limit. Here the item path alone
 * is 4,080 bytes, so its absolute paths in the workspace and in the snapshot are both over PATH_MAX.
 */
const DIRS = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(198)}`).join('/'); // 4,019 bytes
const FILE = `${'f'.repeat(56)}.txt`; // 60 bytes
const REL = `${DIRS}/${FILE}`;

/** Writes and reads the deep file with relative paths (from inside ws), as the kernel refuses its absolute path. */
const writeDeep = (ws: string, content: string) => execFileSync('sh', ['-c', 'mkdir -p "$1" && printf %s "$2" > "$1/$3"', 'sh', DIRS, content, FILE], { cwd: ws });
const readDeep = (ws: string) => execFileSync('cat', [REL], { cwd: ws }).toString();

describe('restore of a path longer than PATH_MAX (4,096 bytes) in all', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let ws: string;
  let root: string;
  let snapshot: string;
  const bases: string[] = [];
  before(async () => {
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
  });
  beforeEach(async () => {
    const base = tmp.make('rs-long');
    bases.push(base);
    ws = path.join(base, 'ws');
    root = path.join(base, 'root');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'short.txt'), 'short');
    writeDeep(ws, 'version one');
    assert.ok(Buffer.byteLength(path.join(ws, REL)) > 4096);
    snapshot = (await takeSnapshot({ source: ws, root, createRoot: true })).name;
    writeDeep(ws, 'version two, longer');
  });
  after(async () => {
    for (const base of bases) execFileSync('rm', ['-rf', base]); // rm works relative to each folder: any depth
    await tmp.cleanup();
  });

  it('in place, the whole workspace: restores the file and reports success', async () => {
    const plan = await planRestore({ root, snapshot, path: '.', target: ws });
    assert.deepEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [[REL, 'overwrite']],
    );
    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.restored, [REL]);
    assert.equal(readDeep(ws), 'version one');
  });

  it('in place, the single file: restores it and reports success', async () => {
    const plan = await planRestore({ root, snapshot, path: REL, target: path.join(ws, REL) });
    assert.deepEqual(
      plan.items.map((i) => [i.path, i.kind]),
      [[FILE, 'overwrite']],
    );
    const result = await applyRestore(plan, { safetySnapshot: { root, source: ws } });
    assert.deepEqual(result.failed, []);
    assert.equal(readDeep(ws), 'version one');
  });

  it('the CLI restores it in place and exits 0', async () => {
    const r = await runCli(['restore', root, 'latest', '.', ws]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /FAILED/);
    assert.equal(readDeep(ws), 'version one');
  });
});
