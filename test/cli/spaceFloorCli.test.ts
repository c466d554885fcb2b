import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../support/fixtures';
import { canMount, repoRoot, run, runCli } from '../support/proc';
import { listSnapshots, setPinned, takeSnapshot } from '../support/core';

/**
 * The free-space and inode floor against real rsync, with the root on a small tmpfs: a run that would cross the floor
 * exits 4 with nothing made and latest unchanged; --make-room deletes the oldest thinnable snapshots first.
 */
describe('snapshot --keep-free / --keep-free-inodes / --make-room (CLI, small tmpfs)', function () {
  this.timeout(120000);
  const tmp = tempDirs();
  const mounted: string[] = [];
  let mountAllowed = false;
  before(async () => {
    mountAllowed = await canMount(tmp.make('rs-probe'));
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
  });
  afterEach(async () => {
    for (const m of mounted.splice(0)) await run('umount', [m]);
  });
  after(() => tmp.cleanup());

  /** A source of 20 folders and a root on a tmpfs of 8 MiB and 2,000 inodes. */
  async function setup(ctx: Mocha.Context) {
    if (!mountAllowed) ctx.skip();
    const base = tmp.make('rs-floor');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`d${i}/f.txt`] = `file ${i}`;
    writeTree(source, files);
    fs.mkdirSync(root);
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=8m,nr_inodes=2000', 'tmpfs', root])).code, 0);
    mounted.push(root);
    return { source, root };
  }

  /** Oldest first: pinned, labelled by the user (cli + --label), a pre-restore safety snapshot, two plain ones, the newest. */
  async function history(source: string, root: string) {
    const at = (minute: number) => new Date(2026, 0, 1, 10, minute);
    const pinned = await takeSnapshot({ source, root, trigger: 'cli', now: at(0) });
    await setPinned(root, pinned.name, true);
    const labelled = await takeSnapshot({ source, root, trigger: 'cli', label: 'before the refactor', now: at(1) });
    const safety = await takeSnapshot({ source, root, trigger: 'pre-restore', now: at(2) });
    const plain1 = await takeSnapshot({ source, root, trigger: 'interval', now: at(3) });
    const plain2 = await takeSnapshot({ source, root, trigger: 'interval', now: at(4) });
    const newest = await takeSnapshot({ source, root, trigger: 'interval', now: at(5) });
    return { pinned: pinned.name, labelled: labelled.name, safety: safety.name, plain1: plain1.name, plain2: plain2.name, newest: newest.name };
  }

  const names = async (root: string) => (await listSnapshots(root)).snapshots.map((s) => s.name);
  /** The root's entries but the notes folder: no .inprogress-* left, nothing half-made. */
  const entries = (root: string) =>
    fs
      .readdirSync(root)
      .filter((n) => n !== '.rsync-snapshots.d' && n !== '.rsync-snapshots.lock')
      .sort();

  it('exit 4 when the floor would be crossed: the message says free, estimate, floor and what to do; nothing made, latest unchanged', async function () {
    const { source, root } = await setup(this);
    const first = await takeSnapshot({ source, root });
    const before = entries(root);
    const r = await runCli(['snapshot', source, root, '--keep-free', '100%']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /Not enough room for a snapshot in .*: [\d.]+ \w+ free, the next snapshot needs about [\d.]+ \w+, and [\d.]+ \w+ must stay free/);
    assert.match(r.stderr, /estimate like .*: 21 folders/, 'the estimate counts the folders of the last snapshot');
    assert.match(r.stderr, /No snapshot was made; latest is unchanged/);
    assert.match(r.stderr, /--make-room/);
    assert.deepEqual(entries(root), before, 'nothing made, no .inprogress-* left');
    assert.equal((await listSnapshots(root)).latest?.name, first.name);
    const json = await runCli(['snapshot', source, root, '--keep-free-inodes', '100%', '--json']);
    assert.equal(json.code, 4);
    const out = JSON.parse(json.stdout) as { error: { code: string; message: string } };
    assert.equal(out.error.code, 'NO_ROOM');
    assert.match(out.error.message, /inodes free, the next snapshot needs about 41, and [\d,]+ must stay free/);
    const help = await runCli(['snapshot', '--help']);
    assert.match(help.stdout, /4 no room/);
    const bad = await runCli(['snapshot', source, root, '--keep-free', 'lots']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--keep-free takes a size such as 5G/);
  });

  it('--make-room with an inode floor (tmpfs nr_inodes): deletes the oldest thinnable snapshot only — never pinned, labelled, safety or the newest — then succeeds', async function () {
    const { source, root } = await setup(this);
    const h = await history(source, root);
    const st = fs.statfsSync(root);
    // Each snapshot costs about 21 inodes (20 folders + the top folder) and its notes. Refuse now, fit after one deletion.
    const floor = st.ffree - 21 + 8;
    const pct = ((floor / st.files) * 100).toFixed(4);
    const refused = await runCli(['snapshot', source, root, '--keep-free-inodes', `${pct}%`]);
    assert.equal(refused.code, 4, refused.stderr);
    assert.deepEqual(await names(root), Object.values(h));
    const r = await runCli(['snapshot', source, root, '--keep-free-inodes', `${pct}%`, '--make-room', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { name: string; madeRoom: string[] };
    assert.deepEqual(result.madeRoom, [h.plain1], 'the oldest thinnable, and only as many as needed');
    const after = await names(root);
    assert.deepEqual(after, [h.pinned, h.labelled, h.safety, h.plain2, h.newest, result.name]);
    assert.equal((await listSnapshots(root)).latest?.name, result.name);
    const text = await runCli(['snapshot', source, root, '--keep-free-inodes', '0%', '--make-room']);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, /Made room/, 'nothing deleted when the floor is not crossed');
  });

  it('--make-room that cannot make enough room: deletes the thinnable ones, keeps the rest, exits 4 saying what it deleted', async function () {
    const { source, root } = await setup(this);
    const h = await history(source, root);
    const r = await runCli(['snapshot', source, root, '--keep-free', '100%', '--make-room']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`--make-room deleted 2 snapshot\\(s\\) \\(${h.plain1}, ${h.plain2}\\), and that was not enough`));
    assert.match(r.stderr, /no thinnable snapshot is left/);
    assert.deepEqual(await names(root), [h.pinned, h.labelled, h.safety, h.newest]);
    assert.equal((await listSnapshots(root)).latest?.name, h.newest);
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.startsWith('.inprogress-') || n.startsWith('.deleting-')),
      [],
    );
  });

  it('--make-room never deletes in a root holding another folder’s snapshots, unless --make-room-foreign', async function () {
    const { source, root } = await setup(this);
    const other = path.join(path.dirname(source), 'other');
    writeTree(other, { 'x.txt': 'x' });
    const foreign = await takeSnapshot({ source: other, root, now: new Date(2026, 0, 1, 9, 0) });
    const mine = await takeSnapshot({ source, root, now: new Date(2026, 0, 1, 10, 0) });
    const newest = await takeSnapshot({ source, root, now: new Date(2026, 0, 1, 10, 1) });
    const r = await runCli(['snapshot', source, root, '--keep-free', '100%', '--make-room']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /--make-room deleted nothing: .* also holds 1 snapshot of .*other.*--make-room-foreign/);
    assert.deepEqual(await names(root), [foreign.name, mine.name, newest.name]);
    const forced = await runCli(['snapshot', source, root, '--keep-free', '100%', '--make-room-foreign']);
    assert.equal(forced.code, 4);
    assert.deepEqual(await names(root), [newest.name], 'with the flag the oldest of any folder go, the newest stays');
  });
});
