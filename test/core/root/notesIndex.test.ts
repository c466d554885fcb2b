import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { META_DIR, NOTES_INDEX_FILE } from '../../../src/core/root/format';
import { INDEX_MAX_BYTES, readNotesIndexed } from '../../../src/core/root/local/notesIndex';
import type { SnapshotMeta } from '../../../src/core/root/notes';
import type { Logger } from '../../../src/core/util/logger';
import { root as openSpec, setPinned } from '../../support/core';
import { tempDirs, writeTree } from '../../support/fixtures';
import { asNobody, cliPathForNobody, run, runCli, sleep } from '../../support/proc';
import { canRunAsNobody, isRoot } from '../../support/unprivileged';

/** Ours with notes of every kind, one without notes, one of rsync-time-backup's. */
const NAMES = ['2026-03-01T10-00-00', '2026-03-01T11-00-00', '2026-03-01T12-00-00', '2026-03-01T13-00-00', '2026-03-01T14-00-00', '2026-03-01-150000'];
const NOTES: Record<string, string> = {
  [NAMES[0]]: JSON.stringify({ trigger: 'interval', filesTotal: 3, filesTransferred: 1, bytesTransferred: 12 }),
  [NAMES[1]]: JSON.stringify({ trigger: 'manual', label: 'before the refactor', pinned: true }, null, 2) + '\n',
  [NAMES[2]]: JSON.stringify({ label: 'typed wrong', pinned: 'yes', filesTotal: '3' }), // two fields dropped, with warnings
  [NAMES[3]]: '{"label": "cut off', // garbled: no notes
  [NAMES[5]]: JSON.stringify(['a', 'list']), // not an object: no notes, a warning
};

describe('notes index (ROOT/.rsync-snapshots.d/notes-index.json): a cache that lists exactly what reading every notes file gives', function () {
  this.timeout(60_000);
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  /** A root made the way the seed script makes one (rsync --link-dest, ln -sfn), with the notes above. */
  async function makeRoot() {
    const base = tmp.make('rs-notes-index');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    for (const [i, name] of NAMES.entries()) await rsyncSnapshot(source, root, name, i);
    const notesDir = path.join(root, META_DIR);
    fs.mkdirSync(notesDir);
    for (const [name, text] of Object.entries(NOTES)) fs.writeFileSync(path.join(notesDir, `${name}.json`), text);
    const warnings: string[] = [];
    const logger: Logger = { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) };
    const names = () => fs.readdirSync(root).filter((n) => /^\d{4}-/.test(n) && fs.lstatSync(path.join(root, n)).isDirectory());
    return {
      base,
      root,
      source,
      notesDir,
      warnings,
      logger,
      indexFile: path.join(notesDir, NOTES_INDEX_FILE),
      notesOf: (name: string) => path.join(notesDir, `${name}.json`),
      /**
       * The index, built and used as a listing does, but caching notes however new they are (`racyMs` below 0: a file
       * written in this very millisecond has an mtime a fraction past Date.now()).
       */
      indexed: (racyMs = -1000) => readNotesIndexed(root, names().sort(), logger, racyMs),
      /** What reading each notes file gives (the way before the index, and still `notes.read`), with its warnings. */
      async fullRead(): Promise<{ notes: Map<string, SnapshotMeta>; warnings: string[] }> {
        const own: string[] = [];
        const opened = openSpec(root, { logger: { info() {}, debug() {}, error() {}, warn: (m) => own.push(m) } });
        const notes = new Map<string, SnapshotMeta>();
        for (const s of (await opened.list()).snapshots) {
          const meta = await opened.notes.read(s.name);
          if (meta) notes.set(s.name, meta);
        }
        return { notes, warnings: own.sort() };
      },
      readAll: () => openSpec(root, { logger }).notes.readAll(),
      indexJson: () => JSON.parse(fs.readFileSync(path.join(notesDir, NOTES_INDEX_FILE), 'utf8')) as { notes: Record<string, unknown[]> },
    };
  }
  type TestRoot = Awaited<ReturnType<typeof makeRoot>>;

  async function rsyncSnapshot(source: string, root: string, name: string, i: number) {
    writeTree(source, { 'a.txt': `run ${i}` });
    const r = await run('rsync', ['-a', `--link-dest=${root}/latest`, `${source}/`, `${root}/${name}/`]);
    assert.equal(r.code, 0, r.stderr);
    fs.rmSync(path.join(root, 'latest'), { force: true });
    fs.symlinkSync(name, path.join(root, 'latest'));
  }

  /** The indexed read (and the listing's readAll) equal the full read: the same notes, the same warnings. */
  async function assertSameAsFullRead(r: TestRoot, what: string) {
    const full = await r.fullRead();
    r.warnings.length = 0;
    const viaIndex = await r.indexed();
    assert.deepEqual(viaIndex, full.notes, `${what}: the indexed read`);
    assert.deepEqual([...r.warnings].sort(), full.warnings, `${what}: the same warnings`);
    r.warnings.length = 0;
    assert.deepEqual((await r.readAll()).notes, full.notes, `${what}: readAll`);
    assert.deepEqual((await r.indexed()).size, full.notes.size, `${what}: again, from the index just rewritten`);
    assert.deepEqual(await r.indexed(), full.notes, `${what}: again`);
    return full;
  }

  it('is built on the first listing, then used (one file read, not rewritten), and equals a full read', async () => {
    const r = await makeRoot();
    assert.equal(fs.existsSync(r.indexFile), false);
    const full = await assertSameAsFullRead(r, 'first');
    assert.equal(full.notes.get(NAMES[1])?.label, 'before the refactor');
    assert.deepEqual(full.notes.get(NAMES[2]), { label: 'typed wrong' });
    assert.equal(full.notes.has(NAMES[3]), false);
    assert.equal(full.notes.has(NAMES[5]), false);
    assert.deepEqual(Object.keys(r.indexJson().notes).sort(), Object.keys(NOTES).sort(), 'every notes file is in the index, garbled ones too');

    const before = fs.statSync(r.indexFile);
    await r.indexed();
    const after = fs.statSync(r.indexFile);
    assert.equal(after.ino, before.ino, 'a listing with nothing changed does not rewrite the index');
    assert.equal(after.mtimeMs, before.mtimeMs);

    // Proof that the values come from the index: an entry changed in the index alone (its notes file untouched) shows.
    const index = r.indexJson();
    (index.notes[NAMES[0]][5] as SnapshotMeta).label = 'from the index';
    fs.writeFileSync(r.indexFile, JSON.stringify(index));
    assert.equal((await r.indexed()).get(NAMES[0])?.label, 'from the index');
    // … and an entry goes through the same type checks as a notes file: wrong types are dropped, with the warning.
    (index.notes[NAMES[0]][5] as Record<string, unknown>).pinned = 'yes';
    fs.writeFileSync(r.indexFile, JSON.stringify(index));
    r.warnings.length = 0;
    assert.equal((await r.indexed()).get(NAMES[0])?.pinned, undefined);
    assert.ok(r.warnings.includes(`Notes ${r.notesOf(NAMES[0])}: "pinned" is a string, not true or false, so it is ignored.`), r.warnings.join('\n'));
  });

  it('a snapshot added by rsync without notes, notes added by another tool, snapshots deleted: lists as a full read', async () => {
    const r = await makeRoot();
    await r.indexed();
    await rsyncSnapshot(r.source, r.root, '2026-03-02T10-00-00', 10); // the seed script: no notes
    fs.mkdirSync(path.join(r.root, '2026-03-02T11-00-00'));
    fs.writeFileSync(r.notesOf('2026-03-02T11-00-00'), JSON.stringify({ label: 'written by an older version' }));
    fs.rmSync(path.join(r.root, NAMES[0]), { recursive: true }); // rm -rf by hand: its notes stay behind
    fs.rmSync(path.join(r.root, NAMES[1]), { recursive: true });
    fs.rmSync(r.notesOf(NAMES[1]));
    const full = await assertSameAsFullRead(r, 'after shell changes');
    assert.equal(full.notes.get('2026-03-02T11-00-00')?.label, 'written by an older version');
    assert.equal(full.notes.has(NAMES[0]), false, 'notes of a deleted snapshot are not listed');
    assert.deepEqual(Object.keys(r.indexJson().notes).sort(), [NAMES[2], NAMES[3], NAMES[5], '2026-03-02T11-00-00'].sort(), 'the index forgets what is gone');
  });

  it('notes changed by hand in place (same size, mtime set back) or by pin/unpin: lists as a full read', async () => {
    const r = await makeRoot();
    await r.indexed();
    // An edit that keeps size, inode and mtime: only ctime tells (and no tool can set ctime back).
    const file = r.notesOf(NAMES[1]);
    const old = fs.statSync(file);
    const edited = NOTES[NAMES[1]].replace('before the refactor', 'AFTER  the refactor');
    assert.equal(edited.length, NOTES[NAMES[1]].length);
    await sleep(20); // past the filesystem's timestamp tick
    const reference = path.join(r.base, 'times');
    fs.writeFileSync(reference, '');
    assert.equal((await run('touch', ['-r', file, reference])).code, 0);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, edited, 0);
    fs.closeSync(fd);
    assert.equal((await run('touch', ['-r', reference, file])).code, 0); // the mtime set back, to the nanosecond
    const now = fs.statSync(file);
    assert.equal(now.ino, old.ino);
    assert.equal(now.mtimeMs, old.mtimeMs);
    assert.equal(now.size, old.size);
    assert.equal((await assertSameAsFullRead(r, 'edited in place')).notes.get(NAMES[1])?.label, 'AFTER  the refactor');

    await setPinned(r.root, NAMES[0], true);
    assert.equal((await assertSameAsFullRead(r, 'pinned')).notes.get(NAMES[0])?.pinned, true);
    await setPinned(r.root, NAMES[1], false);
    assert.equal((await assertSameAsFullRead(r, 'unpinned')).notes.get(NAMES[1])?.pinned, undefined);
  });

  it('notes that became a symlink, a FIFO, a folder or too big: no notes, as a full read (never followed, never blocking)', async () => {
    const r = await makeRoot();
    await r.indexed();
    const outside = path.join(r.base, 'outside.json');
    fs.writeFileSync(outside, NOTES[NAMES[0]]);
    fs.rmSync(r.notesOf(NAMES[0]));
    fs.symlinkSync(outside, r.notesOf(NAMES[0]));
    fs.rmSync(r.notesOf(NAMES[1]));
    assert.equal((await run('mkfifo', [r.notesOf(NAMES[1])])).code, 0);
    fs.rmSync(r.notesOf(NAMES[2]));
    fs.mkdirSync(r.notesOf(NAMES[2]));
    fs.truncateSync(r.notesOf(NAMES[3]), 2 * 1024 * 1024);
    const full = await assertSameAsFullRead(r, 'not files');
    assert.deepEqual([...full.notes.keys()], []);
    assert.equal(full.warnings.length, 5, full.warnings.join('\n'));
  });

  describe('an index that is damaged is ignored and rebuilt, never followed, never blocking', () => {
    const cases: [string, (r: TestRoot) => Promise<void> | void][] = [
      ['garbage bytes', (r) => fs.writeFileSync(r.indexFile, Buffer.from([0xff, 0x00, 0x7b, 0x22, 0xfe]))],
      ['cut off (a crashed write)', (r) => fs.writeFileSync(r.indexFile, fs.readFileSync(r.indexFile).subarray(0, 150))],
      ['another version', (r) => fs.writeFileSync(r.indexFile, JSON.stringify({ ...r.indexJson(), version: 99 }))],
      [
        'entries of the wrong shape',
        (r) => {
          const notes = `{"__proto__":[0,0,0,0,0,{}],"${NAMES[0]}":"x","${NAMES[1]}":[1,2],"${NAMES[2]}":[0,0,0,0,"0",{}],"${NAMES[5]}":[0,0,1e300,0,0,{}]}`;
          fs.writeFileSync(r.indexFile, JSON.stringify({ ...r.indexJson(), notes: {} }).replace('"notes":{}', `"notes":${notes}`));
        },
      ],
      ['huge (over the limit, sparse)', (r) => fs.truncateSync(r.indexFile, INDEX_MAX_BYTES + 1)],
      [
        'a symlink to a forged index whose stats match but whose notes lie',
        (r) => {
          const forged = r.indexJson();
          for (const entry of Object.values(forged.notes)) entry[5] = { label: 'forged', pinned: true };
          const outside = path.join(r.base, 'forged-index.json');
          fs.writeFileSync(outside, JSON.stringify(forged));
          fs.rmSync(r.indexFile);
          fs.symlinkSync(outside, r.indexFile);
        },
      ],
      [
        'a FIFO',
        async (r) => {
          fs.rmSync(r.indexFile);
          assert.equal((await run('mkfifo', [r.indexFile])).code, 0);
        },
      ],
      [
        'a folder (the index cannot be written: every listing reads the notes files)',
        (r) => {
          fs.rmSync(r.indexFile);
          fs.mkdirSync(path.join(r.indexFile, 'inside'), { recursive: true });
        },
      ],
    ];
    for (const [what, damage] of cases)
      it(what, async () => {
        const r = await makeRoot();
        await r.indexed();
        await damage(r);
        const forged = path.join(r.base, 'forged-index.json');
        const forgedBefore = fs.existsSync(forged) ? fs.readFileSync(forged, 'utf8') : undefined;
        await assertSameAsFullRead(r, what);
        if (forgedBefore !== undefined) assert.equal(fs.readFileSync(forged, 'utf8'), forgedBefore, 'the symlink target is untouched');
        const stats = fs.lstatSync(r.indexFile);
        if (what.startsWith('a folder')) assert.ok(stats.isDirectory());
        else assert.ok(stats.isFile(), 'rebuilt as a regular file of its own');
        assert.deepEqual(
          fs.readdirSync(r.notesDir).filter((n) => n.includes('.tmp')),
          [],
          'no temp file left',
        );
      });
  });

  it('a notes file written a moment ago is read from the file until it is older (a same-tick edit could keep its stat)', async () => {
    const r = await makeRoot();
    await r.indexed(60_000);
    assert.deepEqual(fs.existsSync(r.indexFile) ? Object.keys(r.indexJson().notes) : [], [], 'nothing cached yet');
    await r.indexed();
    assert.equal(Object.keys(r.indexJson().notes).length, Object.keys(NOTES).length);
  });

  it('a root that cannot be written lists right, with no error and no index', async function () {
    if (isRoot() && !(await canRunAsNobody())) this.skip();
    const r = await makeRoot();
    await sleep(2_100); // the notes are old enough to be cached: the listing would write the index if it could
    const expected = await runCli(['list', r.root, '--json']);
    assert.equal(expected.code, 0, expected.stderr);
    fs.rmSync(r.indexFile, { force: true });
    const listAs = () => (isRoot() ? run(...asNobody(process.execPath, [cliPathForNobody(), 'list', r.root, '--json'])) : runCli(['list', r.root, '--json']));
    // Readable by everyone, writable by its owner only: as root the listing runs as nobody; else the folder is made read-only.
    for (let d = r.root; d !== path.dirname(r.base); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    for (const name of fs.readdirSync(r.notesDir)) fs.chmodSync(path.join(r.notesDir, name), 0o644);
    if (!isRoot()) fs.chmodSync(r.notesDir, 0o555);
    try {
      const first = await listAs();
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, expected.stdout);
      assert.equal(first.stderr, expected.stderr, 'no error beyond the warnings a full read gives');
      assert.equal(fs.existsSync(r.indexFile), false, 'no index written');
      assert.deepEqual(
        fs.readdirSync(r.notesDir).filter((n) => n.includes('.tmp')),
        [],
      );
    } finally {
      fs.chmodSync(r.notesDir, 0o755);
    }
  });

  it('the CLI prints byte-identical `list` and `list --json` with the index, without it, and with a stale one', async () => {
    const r = await makeRoot();
    fs.writeFileSync(r.notesOf(NAMES[4]), JSON.stringify({ trigger: 'git', label: 'after commit 1a2b3c4: "quoted" \u001b[31m' }));
    await sleep(2_100); // older than the window in which notes are not cached yet
    const list = async (...extra: string[]) => {
      const out = await runCli(['list', r.root, ...extra]);
      assert.equal(out.code, 0, out.stderr);
      return out.stdout + '\n--stderr--\n' + out.stderr;
    };
    const noIndex = async (...extra: string[]) => {
      fs.rmSync(r.indexFile, { force: true, recursive: true });
      return list(...extra);
    };
    const without = [await noIndex('--json'), await noIndex()];
    fs.rmSync(r.indexFile);
    const building = [await list('--json'), await list()];
    assert.equal(Object.keys(r.indexJson().notes).length, Object.keys(NOTES).length + 1, 'the CLI built the index');
    const using = [await list('--json'), await list()];
    assert.deepEqual(building, without);
    assert.deepEqual(using, without);
    // Stale: a note changed and one added behind the index's back.
    fs.writeFileSync(r.notesOf(NAMES[0]), JSON.stringify({ trigger: 'cli', label: 'changed' }));
    const fresh = [await noIndex('--json'), await noIndex()];
    await sleep(2_100);
    await list('--json'); // rebuilt, holding "changed"
    fs.writeFileSync(r.notesOf(NAMES[0]), JSON.stringify({ trigger: 'cli', label: 'changed again' }));
    const stale = [await list('--json'), await list()];
    assert.deepEqual(stale, [await noIndex('--json'), await noIndex()]);
    assert.notDeepEqual(stale, fresh);
    assert.match(stale[0], /changed again/);
  });
});
