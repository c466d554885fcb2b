import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../support/fixtures';
import { runCli } from '../support/proc';
import { listSnapshots, takeSnapshot } from '../support/core';

describe('CLI pin / unpin and prune --include-pinned', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('pin keeps a snapshot through prune (the dry run says why); unpin and --include-pinned let it go', async () => {
    const base = tmp.make('rs-pincli');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      writeTree(source, { 'a.txt': `run ${i}` });
      names.push((await takeSnapshot({ source, root, createRoot: true, now: new Date(2026, 4, 1 + i) })).name);
    }
    const pin = await runCli(['pin', root, names[0]]);
    assert.equal(pin.code, 0, pin.stderr);
    assert.equal(pin.stdout.trim(), `Pinned ${names[0]} in ${root}.`);
    const again = await runCli(['pin', root, names[0], '--json']);
    assert.equal(JSON.parse(again.stdout).changed, false);
    const listed = JSON.parse((await runCli(['list', root, '--json'])).stdout) as { name: string; pinned?: boolean }[];
    assert.deepEqual(
      listed.map((s) => s.pinned ?? false),
      [true, false, false, false],
    );
    assert.match((await runCli(['list', root])).stdout, new RegExp(`^${names[0]}.*\\(pinned\\)$`, 'm'));

    const dry = await runCli(['prune', root, '--keep-last', '1', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`kept ${names[0]}: pinned \\(keep forever\\)`));
    assert.match(dry.stdout, /--include-pinned deletes them/);
    assert.match(dry.stdout, /Would delete 2 of 4 snapshot\(s\)/);
    const prune = await runCli(['prune', root, '--keep-last', '1']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      [names[0], names[3]],
    );

    const missing = await runCli(['pin', root, '2020-01-01T00-00-00']);
    assert.equal(missing.code === 0, false);
    assert.match(missing.stderr, /2020-01-01T00-00-00/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');

    const unpin = await runCli(['unpin', root, names[0]]);
    assert.equal(unpin.code, 0, unpin.stderr);
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, '.rsync-snapshots.d', `${names[0]}.json`), 'utf8')).pinned, undefined);
    await runCli(['pin', root, names[0]]);
    const all = await runCli(['prune', root, '--keep-last', '1', '--include-pinned', '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout).result.deleted, [names[0]]);
  });

  it('hostile notes: list shows no [object Object] and no huge notes, warning on stderr; pin on notes that are a folder exits 1 saying what to do', async () => {
    const base = tmp.make('rs-pincli-notes');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      writeTree(source, { 'a.txt': `run ${i}` });
      names.push((await takeSnapshot({ source, root, createRoot: true, now: new Date(2026, 4, 1 + i) })).name);
    }
    const notes = (name: string) => path.join(root, '.rsync-snapshots.d', `${name}.json`);
    fs.writeFileSync(notes(names[0]), JSON.stringify({ label: { evil: true }, pinned: true }));
    fs.writeFileSync(notes(names[1]), JSON.stringify({ label: 'x'.repeat(3 * 1024 * 1024) }));
    fs.rmSync(notes(names[2]));
    fs.mkdirSync(notes(names[2]));

    const list = await runCli(['list', root], { timeout: 30_000, killSignal: 'SIGKILL' });
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /object Object/);
    assert.ok(list.stdout.length < 1000, `list prints ${list.stdout.length} characters`);
    assert.match(list.stdout, new RegExp(`^${names[0]}  \\(pinned\\)$`, 'm'), 'the well-typed field stays');
    // The CLI logs warnings with --verbose (its log is silent otherwise), the editor in its log channel.
    const verbose = await runCli(['list', root, '--verbose'], { timeout: 30_000, killSignal: 'SIGKILL' });
    assert.equal(verbose.stdout, list.stdout);
    assert.match(verbose.stderr, new RegExp(`Notes ${notes(names[0])}: "label" is an object, not a string, so it is ignored\\.`));
    assert.match(verbose.stderr, new RegExp(`Notes ${notes(names[1])}: 3\\.0 MiB, over the 1\\.0 MiB limit, so they count as no notes`));
    assert.match(verbose.stderr, new RegExp(`Notes ${notes(names[2])}: a folder, not a file, so they count as no notes`));

    const pin = await runCli(['pin', root, names[2]]);
    assert.equal(pin.code, 1, pin.stdout + pin.stderr);
    assert.match(pin.stderr, new RegExp(`${notes(names[2])} is a folder, so no notes can be written there: remove it \\(rm -r -- ${notes(names[2])}\\) and retry\\.`));
    assert.doesNotMatch(pin.stderr, /Unexpected error|EISDIR|\n\s+at /, 'no stack trace, no bare errno');
    assert.ok(fs.statSync(notes(names[2])).isDirectory());
  });
});
