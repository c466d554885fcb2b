import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { changes, ChangesOptions } from '../../../src/core/changes/changes';
import { changeSetsFor, recordChangeSet } from '../../../src/core/changeSets/changeSets';
import { CHANGES_MAX_BYTES, decodeChangeSet, encodeChangeSet, StoredChangeSet } from '../../../src/core/changeSets/format';
import { openRoot } from '../../../src/core/root/open';
import { applyPrune, planPrune } from '../../../src/core/prune/prune';
import { formatSnapshotName, META_DIR } from '../../../src/core/root/format';
import type { BackupRoot } from '../../../src/core/root/backupRoot';
import { tempDirs, writeTree } from '../../support/fixtures';
import { takeSnapshot } from '../../support/core';
import { isRoot } from '../../support/unprivileged';
import { runCli } from '../../support/proc';

const BAD = Buffer.from([0x62, 0x61, 0x64, 0xff, 0x2e, 0x74, 0x78, 0x74]); // "bad\xff.txt": not UTF-8
const at = (step: number) => new Date(2026, 0, 1, 12, 0, step);
const names = (root: BackupRoot) => root.list().then((l) => l.snapshots.map((s) => s.name));

/** The seed's script: rsync -a --link-dest=$ROOT/latest SRC/ $ROOT/$DATE/; touch; ln -sfn. */
function seedSnapshot(source: string, root: string, when: Date): string {
  const name = formatSnapshotName(when);
  const latest = path.join(root, 'latest');
  const link = fs.existsSync(latest) ? [`--link-dest=${latest}`] : [];
  execFileSync('rsync', ['-a', ...link, `${source}/`, path.join(root, name) + '/']);
  execFileSync('touch', [path.join(root, name)]);
  execFileSync('ln', ['-sfn', name, latest]);
  return name;
}

/** Every pair (both directions), both comparisons: the answer with change sets equals the full walk's. */
async function assertSameAsFullWalk(root: BackupRoot, list: string[], extra: ChangesOptions = {}) {
  for (const checksum of [false, true])
    for (const a of list)
      for (const b of list) {
        const full = await changes(root, a, b, { ...extra, checksum, changeSets: false });
        const fast = await changes(root, a, b, { ...extra, checksum });
        assert.deepEqual(fast, full, `${a} → ${b} (checksum ${checksum})`);
      }
}

const entryText = (set: StoredChangeSet | undefined) => set?.entries.map((e) => `${e.op}${e.kind}${e.flags} ${e.path.toString('latin1')}`) ?? [];
const setFile = (root: string, name: string) => path.join(root, META_DIR, `${name}.changes`);
const readSet = (file: string) => decodeChangeSet(fs.readFileSync(file));

describe('change sets', function () {
  this.timeout(120000);
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  let base: string, source: string, rootDir: string, cacheDir: string, list: string[];
  const open = (dir = rootDir, cache = cacheDir) => openRoot(dir, { cacheDir: cache });

  before(async () => {
    base = tmp.make('rs-changesets');
    source = path.join(base, 'src');
    rootDir = path.join(base, 'root');
    cacheDir = path.join(base, 'cache');
    writeTree(source, {
      'edit.txt': 'before',
      'same.txt': 'aaaa',
      'gone.txt': 'deleted later',
      'old-name.txt': 'renamed later',
      'run.sh': 'echo hi',
      kind: 'a file first',
      'folder-then-file/x.txt': 'x',
      'line\nbreak.txt': 'newline in name',
      'dir/sub/deep.txt': 'deep',
    });
    fs.writeFileSync(Buffer.concat([Buffer.from(source + '/'), BAD]), 'not utf-8');
    fs.symlinkSync('edit.txt', path.join(source, 'link'));
    fs.utimesSync(path.join(source, 'same.txt'), at(0), at(0));
    await takeSnapshot({ source, root: rootDir, createRoot: true, now: at(1) });
    // Every kind of change at once.
    fs.writeFileSync(path.join(source, 'edit.txt'), 'after, longer');
    fs.writeFileSync(path.join(source, 'same.txt'), 'bbbb');
    fs.utimesSync(path.join(source, 'same.txt'), at(0), at(0)); // touch -r: same size, same mtime
    fs.rmSync(path.join(source, 'gone.txt'));
    fs.renameSync(path.join(source, 'old-name.txt'), path.join(source, 'new-name.txt'));
    fs.chmodSync(path.join(source, 'run.sh'), 0o755);
    fs.rmSync(path.join(source, 'kind'));
    writeTree(source, { 'kind/inside.txt': 'now a folder' });
    fs.rmSync(path.join(source, 'folder-then-file'), { recursive: true });
    fs.writeFileSync(path.join(source, 'folder-then-file'), 'now a file');
    fs.rmSync(path.join(source, 'link'));
    fs.symlinkSync('same.txt', path.join(source, 'link'));
    fs.writeFileSync(path.join(source, 'line\nbreak.txt'), 'edited');
    fs.writeFileSync(Buffer.concat([Buffer.from(source + '/'), BAD]), 'edited, not utf-8');
    writeTree(source, { 'dir/sub/new\nline.txt': 'new' });
    await takeSnapshot({ source, root: rootDir, now: at(2) });
    // Changed, then changed back (a path in the sets that is no change from 1 to 3).
    fs.writeFileSync(path.join(source, 'edit.txt'), 'before');
    fs.utimesSync(path.join(source, 'edit.txt'), at(5), at(5));
    await takeSnapshot({ source, root: rootDir, now: at(3) });
    fs.writeFileSync(path.join(source, 'dir/sub/deep.txt'), 'deeper');
    await takeSnapshot({ source, root: rootDir, now: at(4) });
    list = await names(open());
  });

  it('holds what changed, with each kind of change, and gives exactly the full walk’s answers', async () => {
    const root = open();
    await assertSameAsFullWalk(root, list);
    await assertSameAsFullWalk(root, list, { exclude: ['dir/'] });
    await assertSameAsFullWalk(root, list, { under: 'dir' });
    const set = readSet(setFile(rootDir, list[1])); // the root is ours and writable: kept beside the notes
    assert.equal(set?.header.against, list[0]);
    assert.equal(set?.header.source, 'listing');
    const text = entryText(set);
    for (const line of [
      '~fst edit.txt',
      '-f gone.txt',
      '-f old-name.txt',
      '+f new-name.txt',
      '~fm run.sh',
      '~dk kind',
      '+f kind/inside.txt',
      '~fk folder-then-file',
      '-f folder-then-file/x.txt',
      '~ltl link',
      '~fst line\nbreak.txt',
      '+d dir/sub/new\nline.txt'.replace('+d', '+f'),
      `~fst ${BAD.toString('latin1')}`,
    ])
      assert.ok(text.includes(line), `${JSON.stringify(line)} in ${JSON.stringify(text)}`);
    // same.txt: rsync's quick check (same size, same mtime) linked it, so the snapshot holds the old bytes: unchanged.
    assert.ok(!text.some((l) => l.endsWith(' same.txt')), JSON.stringify(text));
  });

  it('compares bytes when the inode differs but size and mtime are equal', async () => {
    const dir = tmp.make('rs-changesets-bytes');
    const root = path.join(dir, 'root');
    const src = path.join(dir, 'src');
    writeTree(src, { 'a.txt': 'aaaa', 'b.txt': 'keep' });
    fs.mkdirSync(root);
    const first = seedSnapshot(src, root, at(1));
    const second = formatSnapshotName(at(2));
    execFileSync('cp', ['-a', path.join(root, first), path.join(root, second)]); // every file a new inode
    const file = path.join(root, second, 'a.txt');
    fs.writeFileSync(file, 'zzzz');
    execFileSync('touch', ['-r', path.join(root, first, 'a.txt'), file]); // same size, same mtime (to the nanosecond)
    const opened = open(root, path.join(dir, 'cache'));
    const sets = await changeSetsFor(opened, await opened.list(), [second]);
    assert.deepEqual(
      sets?.sets.get(second)?.map((e) => `${e.op}${e.kind}${e.flags} ${e.path.toString()}`),
      ['~fc a.txt'],
    );
    await assertSameAsFullWalk(opened, [first, second]);
    assert.deepEqual((await changes(opened, first, second, { checksum: true })).modified, ['a.txt']);
  });

  it('gives a mixed root (seed-script snapshots between ours) the full walk’s answers', async () => {
    const dir = tmp.make('rs-changesets-mixed');
    const src = path.join(dir, 'src');
    const root = path.join(dir, 'root');
    writeTree(src, { 'a.txt': '1', 'd/b.txt': 'b', 'd/c.txt': 'c' });
    await takeSnapshot({ source: src, root, createRoot: true, now: at(1) });
    writeTree(src, { 'a.txt': '22', 'new.txt': 'n' });
    seedSnapshot(src, root, at(2));
    fs.rmSync(path.join(src, 'd'), { recursive: true });
    await takeSnapshot({ source: src, root, now: at(3) });
    writeTree(src, { 'd/b.txt': 'b' });
    seedSnapshot(src, root, at(4));
    writeTree(src, { 'a.txt': '1' });
    await takeSnapshot({ source: src, root, now: at(5) });
    const opened = open(root, path.join(dir, 'cache'));
    await assertSameAsFullWalk(opened, await names(opened));
  });

  it('recomputes the set of the snapshot after a pruned one, against its new predecessor', async () => {
    const dir = tmp.make('rs-changesets-prune');
    const root = path.join(dir, 'root');
    execFileSync('cp', ['-a', rootDir, root]); // keeps the hard links between snapshots
    const opened = open(root, path.join(dir, 'cache'));
    let current = await names(opened);
    await changeSetsFor(opened, await opened.list(), current.slice(1)); // every set computed and stored
    assert.equal(readSet(setFile(root, current[2]))?.header.against, current[1]);
    fs.rmSync(path.join(root, current[1]), { recursive: true });
    current = await names(opened);
    const sets = await changeSetsFor(opened, await opened.list(), current.slice(1));
    assert.deepEqual(sets?.computed, [current[1]]);
    assert.equal(readSet(setFile(root, current[1]))?.header.against, current[0]);
    await assertSameAsFullWalk(opened, current);
  });

  it("prune removes a deleted snapshot's change set with its notes, so none pile up", async () => {
    const dir = tmp.make('rs-changesets-pruned-file');
    const root = path.join(dir, 'root');
    execFileSync('cp', ['-a', rootDir, root]); // keeps the hard links between snapshots
    const opened = open(root, path.join(dir, 'cache'));
    const all = await names(opened);
    await changeSetsFor(opened, await opened.list(), all.slice(1));
    assert.ok(fs.existsSync(setFile(root, all[1])));
    const plan = await planPrune(opened, { keepLast: all.length - 2 }, { measureSizes: false });
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      all.slice(0, 2),
    );
    await applyPrune(opened, plan);
    assert.equal(fs.existsSync(setFile(root, all[1])), false);
    assert.ok(fs.existsSync(setFile(root, all[2])), 'the others stay');
  });

  it('recomputes the set of a touched snapshot folder, and of one restored into', async () => {
    const dir = tmp.make('rs-changesets-touch');
    const root = path.join(dir, 'root');
    execFileSync('cp', ['-a', rootDir, root]); // keeps the hard links between snapshots
    const opened = open(root, path.join(dir, 'cache'));
    const all = await names(opened);
    assert.deepEqual((await changeSetsFor(opened, await opened.list(), all.slice(1)))?.computed.length, all.length - 1);
    assert.deepEqual((await changeSetsFor(opened, await opened.list(), all.slice(1)))?.computed, []);
    fs.utimesSync(path.join(root, all[2]), at(9), at(9));
    // all[2] is touched: its own set and the set of the one after it (against all[2]) are recomputed.
    assert.deepEqual((await changeSetsFor(opened, await opened.list(), all.slice(1)))?.computed, [all[2], all[3]]);
    execFileSync('rsync', ['-a', `${source}/`, `${path.join(root, all[1])}/`]); // restored into: edit.txt written back
    fs.writeFileSync(path.join(root, all[1], 'extra.txt'), 'written into the snapshot');
    assert.deepEqual((await changeSetsFor(opened, await opened.list(), all.slice(1)))?.computed, [all[1], all[2]]);
    await assertSameAsFullWalk(opened, all);
  });

  it('ignores a corrupted, truncated, symlinked, huge or foreign set file and recomputes it', async () => {
    const dir = tmp.make('rs-changesets-bad');
    const root = path.join(dir, 'root');
    execFileSync('cp', ['-a', rootDir, root]); // keeps the hard links between snapshots
    const opened = open(root, path.join(dir, 'cache'));
    const all = await names(opened);
    await changeSetsFor(opened, await opened.list(), all.slice(1));
    const file = setFile(root, all[1]);
    const good = fs.readFileSync(file);
    // A valid set whose entries lie (nothing changed), behind a symlink: must not be followed.
    const lie = encodeChangeSet({ ...decodeChangeSet(good)!, entries: [] });
    const elsewhere = path.join(dir, 'elsewhere.changes');
    const damage: [string, () => void][] = [
      ['garbage', () => fs.writeFileSync(file, 'not a change set\0')],
      ['truncated', () => fs.writeFileSync(file, good.subarray(0, good.length - 3))],
      ['another version', () => fs.writeFileSync(file, good.toString('latin1').replace('"version":1', '"version":99'), 'latin1')],
      ['another snapshot', () => fs.writeFileSync(file, good.toString('latin1').replace(`"snapshot":"${all[1]}"`, `"snapshot":"${all[2]}"`), 'latin1')],
      [
        'a symlink',
        () => {
          fs.writeFileSync(elsewhere, lie);
          fs.rmSync(file);
          fs.symlinkSync(elsewhere, file);
        },
      ],
      [
        'huge',
        () => {
          fs.rmSync(file);
          fs.writeFileSync(file, lie);
          fs.truncateSync(file, CHANGES_MAX_BYTES + 1); // sparse
        },
      ],
      [
        'a folder',
        () => {
          fs.rmSync(file);
          fs.mkdirSync(file);
        },
      ],
    ];
    for (const [what, spoil] of damage) {
      spoil();
      const sets = await changeSetsFor(opened, await opened.list(), all.slice(1));
      assert.deepEqual(sets?.computed, [all[1]], what);
      assert.deepEqual(entryText({ header: decodeChangeSet(good)!.header, entries: sets!.sets.get(all[1])! }), entryText(decodeChangeSet(good)), what);
      if (what === 'a folder') fs.rmSync(file, { recursive: true });
      else if (what !== 'huge') assert.ok(fs.lstatSync(file).isFile() && fs.readFileSync(file).equals(good), `${what}: replaced by a real set`);
      await assertSameAsFullWalk(opened, [all[0], all[1]]);
    }
    assert.ok(fs.readFileSync(elsewhere).equals(lie), 'the symlink target was never written');
  });

  it('caches in the cache folder when the root is not ours or not writable, and never fails when nothing is writable', async () => {
    const dir = tmp.make('rs-changesets-cache');
    const src = path.join(dir, 'src');
    const root = path.join(dir, 'root');
    writeTree(src, { 'a.txt': '1' });
    fs.mkdirSync(root);
    const first = seedSnapshot(src, root, at(1));
    writeTree(src, { 'a.txt': '22' });
    const second = seedSnapshot(src, root, at(2));
    const cache = path.join(dir, 'xdg');
    const opened = open(root, path.join(cache, 'rsync-snapshots'));
    assert.deepEqual((await changes(opened, first, second)).modified, ['a.txt']);
    assert.ok(!fs.existsSync(path.join(root, META_DIR)), 'a root that is not ours gets nothing written');
    const cached = fs.readdirSync(path.join(cache, 'rsync-snapshots', 'changes'));
    assert.equal(cached.length, 1);
    assert.ok(fs.existsSync(path.join(cache, 'rsync-snapshots', 'changes', cached[0], `${second}.changes`)));
    assert.deepEqual((await changeSetsFor(opened, await opened.list(), [second]))?.computed, []);
    // Neither writable: the cache folder cannot be made (a file is in its way); the answer is still right.
    const blocked = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocked, '');
    const nowhere = open(root, path.join(blocked, 'rsync-snapshots'));
    assert.deepEqual((await changes(nowhere, first, second)).modified, ['a.txt']);
    assert.deepEqual((await changeSetsFor(nowhere, await nowhere.list(), [second]))?.computed, [second]);
  });

  it('uses the cache folder when our root’s notes folder is read-only', async function () {
    if (isRoot()) this.skip(); // root writes through mode bits
    const dir = tmp.make('rs-changesets-ro');
    const root = path.join(dir, 'root');
    execFileSync('cp', ['-a', rootDir, root]); // keeps the hard links between snapshots
    for (const f of fs.readdirSync(path.join(root, META_DIR))) if (f.endsWith('.changes')) fs.rmSync(path.join(root, META_DIR, f));
    fs.chmodSync(path.join(root, META_DIR), 0o555);
    try {
      const opened = open(root, path.join(dir, 'cache'));
      const all = await names(opened);
      await assertSameAsFullWalk(opened, [all[0], all[all.length - 1]]);
      assert.deepEqual((await changeSetsFor(opened, await opened.list(), all.slice(1)))?.computed, []);
      assert.ok(!fs.readdirSync(path.join(root, META_DIR)).some((f) => f.endsWith('.changes')));
    } finally {
      fs.chmodSync(path.join(root, META_DIR), 0o755);
    }
  });

  it('recordChangeSet writes the same format, used when it matches its snapshot', async () => {
    const dir = tmp.make('rs-changesets-record');
    const root = path.join(dir, 'root');
    execFileSync('cp', ['-a', rootDir, root]); // keeps the hard links between snapshots
    const opened = open(root, path.join(dir, 'cache'));
    const all = await names(opened);
    const computed = (await changeSetsFor(opened, await opened.list(), [all[3]]))!.sets.get(all[3])!;
    assert.equal(await recordChangeSet(opened, all[3], all[2], computed), 'root');
    const recorded = readSet(setFile(root, all[3]));
    assert.equal(recorded?.header.source, 'rsync');
    assert.deepEqual((await changeSetsFor(opened, await opened.list(), [all[3]]))?.computed, []);
    // Recorded against another snapshot than its predecessor (a gap): not used, recomputed.
    await recordChangeSet(opened, all[3], all[1], computed);
    assert.deepEqual((await changeSetsFor(opened, await opened.list(), [all[3]]))?.computed, [all[3]]);
  });
});

describe('CLI changes with change sets', function () {
  this.timeout(120000);
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('prints byte-identical output without sets, with sets computed, with sets cached, and with --full-walk', async () => {
    const dir = tmp.make('rs-changesets-cli');
    const src = path.join(dir, 'src');
    const root = path.join(dir, 'root');
    writeTree(src, { 'a.txt': '1', 'd/b.txt': 'b', 'line\nbreak.txt': 'x' });
    await takeSnapshot({ source: src, root, createRoot: true, now: at(1) });
    writeTree(src, { 'a.txt': '22', 'n.txt': 'n' });
    seedSnapshot(src, root, at(2));
    fs.rmSync(path.join(src, 'd'), { recursive: true });
    await takeSnapshot({ source: src, root, now: at(3) });
    const env = { ...process.env, XDG_CACHE_HOME: path.join(dir, 'xdg') };
    const [first, mid, last] = (await openRoot(root).list()).snapshots.map((s) => s.name);
    // Neighbours compute their one set (and keep it); the pair further apart then reads the kept sets.
    for (const [a, b] of [
      [first, mid],
      [mid, last],
    ]) {
      const walked = await runCli(['changes', root, a, b, '--full-walk'], { env });
      const computed = await runCli(['changes', root, a, b], { env });
      assert.equal(computed.code, 0, computed.stderr);
      assert.equal(computed.stdout, walked.stdout);
    }
    const cli = (...args: string[]) => runCli(['changes', root, first, last, ...args], { env });
    const outputs = [];
    for (const args of [['--full-walk'], [], [], ['--json', '--full-walk'], ['--json']]) {
      const r = await cli(...args);
      assert.equal(r.code, 0, r.stderr);
      outputs.push(r.stdout);
    }
    assert.ok(fs.existsSync(path.join(root, META_DIR, `${last}.changes`)), 'sets kept in our root');
    assert.match(outputs[0], /^M {2}a\.txt$/m);
    assert.equal(outputs[1], outputs[0]);
    assert.equal(outputs[2], outputs[0]);
    assert.equal(outputs[4], outputs[3]);
  });
});
