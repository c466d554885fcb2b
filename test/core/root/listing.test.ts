import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { tempDirs, writeTree } from '../../support/fixtures';
import { asNobody, cliPathForNobody, repoRoot, run } from '../../support/proc';
import { findSnapshot, listSnapshots } from '../../support/core';

describe('backupRoot.listSnapshots', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  function root(dirs: string[]): string {
    const dir = tmp.make('rs-root');
    for (const d of dirs) fs.mkdirSync(path.join(dir, d));
    return dir;
  }

  it('lists both name formats sorted by time, oldest first, with absolute paths and formats', async () => {
    const dir = root(['2026-06-17T02-00-02', '2026-06-16-120000', '2025-12-31T23-59-59', '2026-06-16T02-00-01']);
    const listing = await listSnapshots(dir);
    assert.deepEqual(
      listing.snapshots.map((s) => [s.name, s.format]),
      [
        ['2025-12-31T23-59-59', 'iso'],
        ['2026-06-16T02-00-01', 'iso'],
        ['2026-06-16-120000', 'rsync-time-backup'],
        ['2026-06-17T02-00-02', 'iso'],
      ],
    );
    for (const s of listing.snapshots) assert.equal(s.path, path.join(dir, s.name));
    assert.equal(listing.snapshots[2].time.getTime(), new Date(2026, 5, 16, 12, 0, 0).getTime());
  });

  it('reports latest ok for a relative link and marks exactly that snapshot', async () => {
    const dir = root(['2026-06-16T02-00-01', '2026-06-17T02-00-02']);
    fs.symlinkSync('2026-06-16T02-00-01', path.join(dir, 'latest'));
    const listing = await listSnapshots(dir);
    assert.equal(listing.latestState, 'ok');
    assert.equal(listing.latest?.name, '2026-06-16T02-00-01');
    assert.equal(listing.latestTarget, '2026-06-16T02-00-01');
    assert.deepEqual(
      listing.snapshots.map((s) => s.latest),
      [true, false],
    );
  });

  it('accepts an absolute latest target (and a trailing slash)', async () => {
    const dir = root(['2026-06-16T02-00-01', '2026-06-17T02-00-02']);
    fs.symlinkSync(path.join(dir, '2026-06-17T02-00-02') + '/', path.join(dir, 'latest'));
    const listing = await listSnapshots(dir);
    assert.equal(listing.latestState, 'ok');
    assert.equal(listing.latest?.name, '2026-06-17T02-00-02');
  });

  it('reports latest missing and dangling', async () => {
    const missing = root(['2026-06-16T02-00-01']);
    const l1 = await listSnapshots(missing);
    assert.equal(l1.latestState, 'missing');
    assert.equal(l1.latest, undefined);

    const dangling = root(['2026-06-16T02-00-01']);
    fs.symlinkSync('2026-06-15T02-00-01', path.join(dangling, 'latest'));
    const l2 = await listSnapshots(dangling);
    assert.equal(l2.latestState, 'dangling');
    assert.equal(l2.latestTarget, '2026-06-15T02-00-01');
    assert.equal(l2.latest, undefined);
    assert.ok(l2.snapshots.every((s) => !s.latest));
  });

  it('reports latest pointing outside the root, or being a real directory, as not a snapshot', async () => {
    const other = root(['2026-06-16T02-00-01']);
    const dir = root(['2026-06-16T02-00-01']);
    fs.symlinkSync(path.join(other, '2026-06-16T02-00-01'), path.join(dir, 'latest'));
    const l1 = await listSnapshots(dir);
    assert.equal(l1.latestState, 'not-a-snapshot');
    assert.equal(l1.latest, undefined);

    const real = root(['2026-06-16T02-00-01', 'latest']);
    assert.equal((await listSnapshots(real)).latestState, 'not-a-snapshot');
  });

  it('ignores a symlink named like a snapshot, files, foreign dirs and unfinished .inprogress dirs', async () => {
    const dir = root(['2026-06-16T02-00-01', '.inprogress-2026-06-18T00-00-00', 'notes', '2026-06-16T02-00-01.old']);
    fs.symlinkSync('2026-06-16T02-00-01', path.join(dir, '2026-06-17T00-00-00'));
    fs.writeFileSync(path.join(dir, '2026-06-19T00-00-00'), 'a file, not a snapshot');
    fs.symlinkSync('.inprogress-2026-06-18T00-00-00', path.join(dir, 'latest'));
    const listing = await listSnapshots(dir);
    assert.deepEqual(
      listing.snapshots.map((s) => s.name),
      ['2026-06-16T02-00-01'],
    );
    assert.deepEqual(listing.inProgress, ['.inprogress-2026-06-18T00-00-00']);
    assert.notEqual(listing.latestState, 'ok', 'latest pointing at an unfinished snapshot is not ok');
    assert.equal(listing.latest, undefined);
  });

  it('gives clear errors for a missing root or a file', async () => {
    const dir = tmp.make('rs-root');
    await assert.rejects(listSnapshots(path.join(dir, 'nope')), (e) => isSnapshotError(e, 'ROOT_INVALID') && /does not exist/.test(e.message));
    fs.writeFileSync(path.join(dir, 'file'), '');
    await assert.rejects(listSnapshots(path.join(dir, 'file')), (e) => isSnapshotError(e, 'ROOT_INVALID') && /not a directory/.test(e.message));
  });

  it('findSnapshot finds by name and by "latest", and says what exists when not found', async () => {
    const dir = root(['2026-06-16T02-00-01', '2026-06-17T02-00-02']);
    fs.symlinkSync('2026-06-17T02-00-02', path.join(dir, 'latest'));
    assert.equal((await findSnapshot(dir, 'latest')).name, '2026-06-17T02-00-02');
    assert.equal((await findSnapshot(dir, '2026-06-16T02-00-01')).path, path.join(dir, '2026-06-16T02-00-01'));
    await assert.rejects(findSnapshot(dir, '2020-01-01T00-00-00'), (e) => isSnapshotError(e, 'NOT_FOUND') && /2026-06-17T02-00-02/.test(e.message));
  });

  it('lists 1,000 snapshots without walking inside them (every snapshot is unreadable to the lister)', async function () {
    this.timeout(60000);
    // Root ignores file modes, so the listing runs as user nobody: each snapshot dir is mode 000 and holds a
    // subfolder, so any readdir/stat inside a snapshot fails with EACCES and the listing would throw or differ.
    const dir = tmp.make('rs-root');
    fs.chmodSync(dir, 0o755);
    const names: string[] = [];
    const start = new Date(2024, 0, 1, 0, 0, 0).getTime();
    for (let i = 0; i < 1000; i++) {
      const t = new Date(start + i * 3_600_000 + (i % 7) * 1000);
      const pad = (n: number) => String(n).padStart(2, '0');
      const name =
        i % 5 === 0
          ? `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}-${pad(t.getHours())}${pad(t.getMinutes())}${pad(t.getSeconds())}`
          : `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}-${pad(t.getMinutes())}-${pad(t.getSeconds())}`;
      names.push(name);
      writeTree(path.join(dir, name), { 'inner/file.txt': 'x' });
      fs.chmodSync(path.join(dir, name), 0o000);
    }
    fs.symlinkSync(names[999], path.join(dir, 'latest'));
    try {
      // Control: the trap works — walking inside one snapshot as nobody fails.
      const [ctlCmd, ctlArgs] = asNobody('ls', [path.join(dir, names[0], 'inner')]);
      const control = await run(ctlCmd, ctlArgs);
      assert.notEqual(control.code, 0, 'nobody must not be able to walk inside a snapshot');

      const [cmd, args] = asNobody(process.execPath, [cliPathForNobody(), 'list', dir, '--json']);
      const r = await run(cmd, args, { cwd: repoRoot() });
      assert.equal(r.code, 0, r.stderr);
      const listed = JSON.parse(r.stdout) as { name: string; latest: boolean }[];
      assert.equal(listed.length, 1000);
      assert.deepEqual(
        listed.map((s) => s.name),
        names,
        'names in time order',
      );
      assert.deepEqual(
        listed.filter((s) => s.latest).map((s) => s.name),
        [names[999]],
      );
    } finally {
      for (const name of names) fs.chmodSync(path.join(dir, name), 0o755);
    }
  });
});
