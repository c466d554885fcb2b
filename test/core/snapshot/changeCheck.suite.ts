import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../../support/fixtures';
import { repoRoot, run, runCli } from '../../support/proc';
import { checkForChanges, listSnapshots, readSnapshotFile, readSnapshotMeta, Reach, takeSnapshot } from '../../support/core';

/** How one transport's suite reaches its roots: a spec for a folder of this machine, and the options to open it. */
export interface ChangeCheckTarget {
  spec(dir: string): string;
  reach(): Reach;
  /** CLI options that reach the root (e.g. --ssh-command). */
  cliArgs(): string[];
}

/** `touch -d @SECONDS.NANOSECONDS`: an exact mtime, to the nanosecond (Node's utimes rounds to microseconds). */
function setMtimeNs(file: string, ns: bigint): void {
  const s = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  execFileSync('touch', ['-m', '-d', `@${s}.${frac}`, file]);
}

/**
 * "Has anything changed since the latest snapshot?" (snapshot/changeCheck.ts) and `snapshot --if-changed`, one body for
 * a local and a remote root: a change is reported exactly when a snapshot would copy or drop something.
 */
export function changeCheckSuite(target: ChangeCheckTarget): void {
  const tmp = tempDirs();
  before(async () => {
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() }); // dist/cli.js for the CLI cases
    assert.equal(build.code, 0, build.stderr);
  });
  after(() => tmp.cleanup());
  const check = (source: string, root: string, excludes: string[] = []) => checkForChanges({ root: target.spec(root), ...target.reach(), source, excludes });
  const snap = (source: string, root: string, excludes: string[] = []) => takeSnapshot({ source, root: target.spec(root), ...target.reach(), excludes, createRoot: true });

  async function setup() {
    const base = tmp.make('rs-changecheck');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'alpha', 'same.txt': 'aaaa', 'sub/b.txt': 'bravo', 'gone.txt': 'bye', 'node_modules/x.js': 'x' });
    fs.symlinkSync('a.txt', path.join(source, 'link'));
    fs.linkSync(path.join(source, 'a.txt'), path.join(source, 'sub', 'hard.txt'));
    const first = await snap(source, root, ['node_modules/']);
    return { source, root, first };
  }

  it('no snapshot yet, or no root yet: changed (there is nothing to compare with)', async () => {
    const base = tmp.make('rs-changecheck-empty');
    writeTree(path.join(base, 'src'), { 'a.txt': 'alpha' });
    const missing = await check(path.join(base, 'src'), path.join(base, 'no-root'));
    assert.equal(missing.changed, true);
    fs.mkdirSync(path.join(base, 'root'));
    const empty = await check(path.join(base, 'src'), path.join(base, 'root'));
    assert.equal(empty.changed, true);
    assert.match(empty.reason ?? '', /no snapshot yet/);
  });

  it('nothing changed right after a snapshot (hard links, symlinks and the touched top folder are no change)', async () => {
    const { source, root, first } = await setup();
    const result = await check(source, root, ['node_modules/']);
    assert.equal(result.changed, false, result.sample.join('\n'));
    assert.equal(result.latest?.name, first.name);
    writeTree(source, { 'node_modules/y.js': 'new but excluded' });
    assert.equal((await check(source, root, ['node_modules/'])).changed, false, 'a change in an excluded folder is none');
  });

  it('a same-size edit within the same second is a change, and the snapshot copies it', async () => {
    const { source, root, first } = await setup();
    const file = path.join(source, 'same.txt');
    const before = fs.statSync(file, { bigint: true }).mtimeNs;
    const second = before - (before % 1_000_000_000n);
    fs.writeFileSync(file, 'bbbb'); // same size
    setMtimeNs(file, second + (((before % 1_000_000_000n) + 1n) % 1_000_000_000n)); // same second, 1 ns apart
    assert.equal(fs.statSync(file, { bigint: true }).mtimeNs / 1_000_000_000n, before / 1_000_000_000n, 'same second');
    assert.notEqual(fs.statSync(file, { bigint: true }).mtimeNs, before);
    const result = await check(source, root, ['node_modules/']);
    assert.equal(result.changed, true);
    assert.ok(
      result.sample.some((line) => line.endsWith(' same.txt')),
      result.sample.join('\n'),
    );
    const next = await snap(source, root, ['node_modules/']);
    assert.notEqual(next.name, first.name);
    assert.equal((await readSnapshotFile(target.spec(root), next.name, 'same.txt', target.reach())).toString(), 'bbbb', 'the real run copies it too');
    assert.equal((await check(source, root, ['node_modules/'])).changed, false);
  });

  it('an edit that keeps size and mtime to the nanosecond is seen by neither the check nor the snapshot (rsync quick check): the check never skips what a snapshot would record', async () => {
    const { source, root, first } = await setup();
    const file = path.join(source, 'same.txt');
    const before = fs.statSync(file, { bigint: true }).mtimeNs;
    fs.writeFileSync(file, 'cccc');
    setMtimeNs(file, before);
    assert.equal((await check(source, root, ['node_modules/'])).changed, false);
    const next = await snap(source, root, ['node_modules/']);
    assert.equal(next.filesTransferred, 0);
    assert.equal((await readSnapshotFile(target.spec(root), next.name, 'same.txt', target.reach())).toString(), 'aaaa', 'linked by the real run as well');
    assert.ok(first.name);
  });

  for (const [what, change] of [
    ['a new file', (s: string) => writeTree(s, { 'new.txt': 'n' })],
    ['a deleted file', (s: string) => fs.rmSync(path.join(s, 'gone.txt'))],
    ['a new empty folder', (s: string) => fs.mkdirSync(path.join(s, 'empty'))],
    ['a mode change', (s: string) => fs.chmodSync(path.join(s, 'sub/b.txt'), 0o600)],
    ['a symlink pointing elsewhere', (s: string) => (fs.rmSync(path.join(s, 'link')), fs.symlinkSync('sub/b.txt', path.join(s, 'link')))],
    ['a hard link broken into two files', (s: string) => (fs.rmSync(path.join(s, 'sub/hard.txt')), fs.writeFileSync(path.join(s, 'sub/hard.txt'), 'alpha'))],
  ] as const) {
    it(`${what} is a change`, async () => {
      const { source, root } = await setup();
      change(source);
      const result = await check(source, root, ['node_modules/']);
      assert.equal(result.changed, true, `${what}: ${result.sample.join('\n')}`);
      assert.ok(result.count > 0);
    });
  }

  it('a file newly excluded is a change (the next snapshot would drop it)', async () => {
    const { source, root } = await setup();
    assert.equal((await check(source, root, ['node_modules/', 'gone.txt'])).changed, true);
  });

  it('CLI snapshot --if-changed: skips with one clear line and exit 0 when nothing changed, snapshots (trigger cli, label) when something did', async () => {
    const { source, root, first } = await setup();
    const spec = target.spec(root);
    const skipped = await runCli(['snapshot', source, spec, '--exclude', 'node_modules/', '--if-changed', ...target.cliArgs()]);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(skipped.stdout.trim(), `Nothing changed since ${first.name}; no snapshot taken.`);
    assert.deepEqual(
      (await listSnapshots(spec, target.reach())).snapshots.map((s) => s.name),
      [first.name],
      'no folder made',
    );
    // The same-size edit in the same second, through the CLI.
    const file = path.join(source, 'same.txt');
    const before = fs.statSync(file, { bigint: true }).mtimeNs;
    fs.writeFileSync(file, 'dddd');
    setMtimeNs(file, before - (before % 1_000_000_000n) + (((before % 1_000_000_000n) + 7n) % 1_000_000_000n));
    const taken = await runCli(['snapshot', source, spec, '--exclude', 'node_modules/', '--if-changed', '--label', 'after edit', '--json', ...target.cliArgs()]);
    assert.equal(taken.code, 0, taken.stderr);
    const name = JSON.parse(taken.stdout).name as string;
    assert.notEqual(name, first.name);
    const meta = await readSnapshotMeta(spec, name, target.reach());
    assert.equal(meta?.trigger, 'cli');
    assert.equal(meta?.label, 'after edit');
    const list = await runCli(['list', spec, '--json', ...target.cliArgs()]);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as { name: string; label?: string; trigger?: string }[];
    assert.deepEqual(
      listed.find((s) => s.name === name),
      { ...listed.find((s) => s.name === name), label: 'after edit', trigger: 'cli' },
    );
    const skippedJson = await runCli(['snapshot', source, spec, '--exclude', 'node_modules/', '--if-changed', '--json', ...target.cliArgs()]);
    assert.equal(skippedJson.code, 0, skippedJson.stderr);
    assert.deepEqual(JSON.parse(skippedJson.stdout), { skipped: true, latest: name });
  });
}
