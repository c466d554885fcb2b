import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { META_DIR } from '../../../src/core/root/format';
import { isSnapshotError } from '../../../src/core/util/errors';
import type { Logger } from '../../../src/core/util/logger';
import { tempDirs, writeTree } from '../../support/fixtures';
import { run } from '../../support/proc';
import { Reach, root as openSpec, setPinned } from '../../support/core';

/** Where a suite's roots live: how the engine reaches them and names them (the path itself, or host:path). */
export interface NotesTarget {
  reach: () => Reach;
  specOf: (localRoot: string) => string;
  /** How a path of the root is named in a message: `PATH`, or `PATH on HOST`. */
  where: (file: string) => string;
}

const NAMES = ['2026-03-01T10-00-00', '2026-03-02T10-00-00'];

/** `promise`, or a rejection naming `what` after `ms`: a read that blocks fails the test instead of hanging it. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still runs after ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Notes in the root that are hostile or damaged: never followed outside, never blocking, bounded, typed. */
export function notesSuite(target: NotesTarget): void {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  /** A root of two snapshots made like the plain shell script makes one, an empty notes folder, a logger that keeps warnings. */
  async function scriptRoot() {
    const base = tmp.make('rs-notes');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    for (const [i, name] of NAMES.entries()) {
      writeTree(source, { 'a.txt': `run ${i}` });
      const r = await run('rsync', ['-a', `--link-dest=${root}/latest`, `${source}/`, `${root}/${name}/`]);
      assert.equal(r.code, 0, r.stderr);
      fs.rmSync(path.join(root, 'latest'), { force: true });
      fs.symlinkSync(name, path.join(root, 'latest'));
    }
    const notesDir = path.join(root, META_DIR);
    fs.mkdirSync(notesDir);
    const warnings: string[] = [];
    const logger: Logger = { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) };
    const spec = target.specOf(root);
    const reach = { ...target.reach(), logger };
    const opened = () => openSpec(spec, reach);
    return {
      base,
      root,
      spec,
      reach,
      warnings,
      notesDir,
      notesOf: (name: string) => path.join(notesDir, `${name}.json`),
      read: (name: string) => within(20_000, 'reading notes', opened().notes.read(name)),
      readAll: () => within(20_000, 'reading all notes', opened().notes.readAll()).then((r) => r.notes),
      pin: (name: string) => within(20_000, 'pin', setPinned(spec, name, true, reach)),
    };
  }

  it('notes that are a symlink to a file outside the root are not read; pin replaces the link, never writes through it', async () => {
    const r = await scriptRoot();
    const outside = path.join(r.base, 'outside.json');
    fs.writeFileSync(outside, JSON.stringify({ label: 'outside' }));
    fs.symlinkSync(outside, r.notesOf(NAMES[0]));
    assert.equal(await r.read(NAMES[0]), undefined);
    assert.equal((await r.readAll()).has(NAMES[0]), false);
    assert.ok(
      r.warnings.some((w) => w === `Notes ${r.notesOf(NAMES[0])}: a symbolic link, not a file, so they count as no notes; remove it (rm -- ${r.notesOf(NAMES[0])}).`),
      r.warnings.join('\n'),
    );

    await r.pin(NAMES[0]);
    assert.equal(fs.readFileSync(outside, 'utf8'), JSON.stringify({ label: 'outside' }), 'the target is untouched');
    assert.ok(fs.lstatSync(r.notesOf(NAMES[0])).isFile(), 'the link was replaced by notes of our own');
    assert.deepEqual(await r.read(NAMES[0]), { pinned: true });
  });

  it('a leftover temp file that is a symlink is not written through: pin writes a fresh temp file', async () => {
    const r = await scriptRoot();
    const outside = path.join(r.base, 'precious.txt');
    fs.writeFileSync(outside, 'precious\n');
    fs.symlinkSync(outside, `${r.notesOf(NAMES[1])}.tmp`);
    await r.pin(NAMES[1]);
    assert.equal(fs.readFileSync(outside, 'utf8'), 'precious\n');
    assert.deepEqual(JSON.parse(fs.readFileSync(r.notesOf(NAMES[1]), 'utf8')), { pinned: true });
    assert.deepEqual(fs.readdirSync(r.notesDir), [`${NAMES[1]}.json`], 'no temp file or link stays behind');
  });

  it('notes that are a FIFO do not hang read, list or pin', async () => {
    const r = await scriptRoot();
    assert.equal((await run('mkfifo', [r.notesOf(NAMES[0])])).code, 0);
    assert.equal(await r.read(NAMES[0]), undefined);
    assert.equal((await r.readAll()).size, 0);
    assert.ok(
      r.warnings.some((w) => w.startsWith(`Notes ${r.notesOf(NAMES[0])}: a named pipe (FIFO), not a file, so they count as no notes`)),
      r.warnings.join('\n'),
    );
    await r.pin(NAMES[0]);
    assert.deepEqual(await r.read(NAMES[0]), { pinned: true });
  });

  it('notes over 1 MiB are ignored with a warning, never loaded; notes under it are read', async () => {
    const r = await scriptRoot();
    fs.writeFileSync(r.notesOf(NAMES[0]), JSON.stringify({ label: 'x'.repeat(1024 * 1024) }));
    fs.writeFileSync(r.notesOf(NAMES[1]), JSON.stringify({ label: 'y'.repeat(1000 * 1000) }));
    assert.equal(await r.read(NAMES[0]), undefined);
    const all = await r.readAll();
    assert.equal(all.has(NAMES[0]), false);
    assert.equal(all.get(NAMES[1])?.label?.length, 1000 * 1000);
    assert.equal((await r.read(NAMES[1]))?.label?.length, 1000 * 1000);
    const big = r.warnings.filter((w) => w.startsWith(`Notes ${r.notesOf(NAMES[0])}: `) && / the 1\.0 MiB limit, so they count as no notes/.test(w));
    assert.equal(big.length, 2, r.warnings.join('\n'));
    assert.equal(r.warnings.length, 2, 'no warning for the notes under the limit');
  });

  it('wrong-typed fields are dropped with a warning; notes that are not an object count as none', async () => {
    const r = await scriptRoot();
    fs.writeFileSync(r.notesOf(NAMES[0]), JSON.stringify({ label: { a: 1 }, pinned: 'yes', filesTotal: 3, trigger: 'git', unreadable: [1], someday: { kept: true } }));
    fs.writeFileSync(r.notesOf(NAMES[1]), JSON.stringify(['a', 'list']));
    const expected = { filesTotal: 3, trigger: 'git', someday: { kept: true } };
    assert.deepEqual(await r.read(NAMES[0]), expected);
    assert.equal(await r.read(NAMES[1]), undefined);
    const all = await r.readAll();
    assert.deepEqual(all.get(NAMES[0]), expected);
    assert.equal(all.has(NAMES[1]), false);
    const file = r.notesOf(NAMES[0]);
    for (const w of [
      `Notes ${file}: "label" is an object, not a string, so it is ignored.`,
      `Notes ${file}: "pinned" is a string, not true or false, so it is ignored.`,
      `Notes ${file}: "unreadable" is a list, not a list of strings, so it is ignored.`,
      `Notes ${r.notesOf(NAMES[1])}: they are a list, not an object, so they count as no notes.`,
    ])
      assert.ok(r.warnings.includes(w), `${w}\nin\n${r.warnings.join('\n')}`);
  });

  it('notes that are a folder count as no notes; pin refuses with the path and the fix, and moves nothing into it', async () => {
    const r = await scriptRoot();
    const file = r.notesOf(NAMES[0]);
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'inside'), 'x');
    assert.equal(await r.read(NAMES[0]), undefined);
    assert.equal((await r.readAll()).has(NAMES[0]), false);
    assert.ok(
      r.warnings.some((w) => w === `Notes ${file}: a folder, not a file, so they count as no notes; remove it (rm -r -- ${file}).`),
      r.warnings.join('\n'),
    );
    const where = target.where(file);
    await assert.rejects(
      r.pin(NAMES[0]),
      (e: unknown) => isSnapshotError(e, 'ROOT_INVALID') && e.message === `${where} is a folder, so no notes can be written there: remove it${where.slice(file.length)} (rm -r -- ${file}) and retry.`,
    );
    assert.deepEqual(fs.readdirSync(file), ['inside'], 'nothing moved into the folder');
    assert.deepEqual(fs.readdirSync(r.notesDir), [`${NAMES[0]}.json`], 'no temp file stays behind');
  });

  it('a notes folder that is a symlink to a folder outside the root: nothing is read or written through it', async () => {
    const r = await scriptRoot();
    const outside = path.join(r.base, 'elsewhere');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, `${NAMES[0]}.json`), JSON.stringify({ label: 'outside' }));
    fs.rmdirSync(r.notesDir);
    fs.symlinkSync(outside, r.notesDir);
    assert.equal(await r.read(NAMES[0]), undefined);
    assert.equal((await r.readAll()).size, 0);
    assert.ok(
      r.warnings.some((w) => w === `Notes ${r.notesDir}: a symbolic link, not a folder, so no notes are read; remove it (rm -- ${r.notesDir}).`),
      r.warnings.join('\n'),
    );
    const where = target.where(r.notesDir);
    await assert.rejects(
      r.pin(NAMES[1]),
      (e: unknown) =>
        isSnapshotError(e, 'ROOT_INVALID') &&
        e.message === `${where} is a symbolic link, so no notes can be written there: remove it${where.slice(r.notesDir.length)} (rm -- ${r.notesDir}) and retry.`,
    );
    assert.deepEqual(fs.readdirSync(outside), [`${NAMES[0]}.json`], 'nothing written outside the root');
  });
}
