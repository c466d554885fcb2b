import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { keptForever } from '../../../src/core/pin/pin';
import { isSnapshotError } from '../../../src/core/util/errors';
import { tempDirs, writeTree } from '../../support/fixtures';
import { run } from '../../support/proc';
import { applyPrune, listSnapshots, planPrune, readSnapshotMeta, Reach, root as openSpec, setPinned } from '../../support/core';

/** Where a suite's roots live: a local folder path and how the engine names it (the path itself, or host:path). */
export interface PinTarget {
  reach: () => Reach;
  /** The spec for a local folder that holds a root. */
  specOf: (localRoot: string) => string;
}

const NAMES = ['2026-03-01T10-00-00', '2026-03-02T10-00-00', '2026-03-03T10-00-00', '2026-03-04T10-00-00', '2026-03-05T10-00-00'];

/** The body shared by the local and the ssh suite: pins in notes, and prune keeping them. */
export function pinSuite(target: PinTarget): void {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  /** A root made like the plain shell script makes one (rsync -a --link-dest, touch, ln -sfn): no notes at all. */
  async function scriptRoot(): Promise<{ root: string; spec: string }> {
    const base = tmp.make('rs-pin');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    for (const [i, name] of NAMES.entries()) {
      writeTree(source, { 'a.txt': `run ${i}`, 'same.txt': 'same' });
      const r = await run('rsync', ['-a', `--link-dest=${root}/latest`, `${source}/`, `${root}/${name}/`]);
      assert.equal(r.code, 0, r.stderr);
      fs.rmSync(path.join(root, 'latest'), { force: true });
      fs.symlinkSync(name, path.join(root, 'latest'));
    }
    return { root, spec: target.specOf(root) };
  }

  it('pins a snapshot of a root without notes: the notes file holds pinned, written atomically; unpin removes it again', async () => {
    const { root, spec } = await scriptRoot();
    assert.ok(!fs.existsSync(path.join(root, '.rsync-snapshots.d')), 'the shell script writes no notes');
    const r = { spec, reach: target.reach() };
    const pinned = await setPinned(spec, NAMES[1], true, r.reach);
    assert.deepEqual(pinned, { snapshot: NAMES[1], pinned: true, changed: true });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, '.rsync-snapshots.d', `${NAMES[1]}.json`), 'utf8')), { pinned: true });
    assert.deepEqual(fs.readdirSync(path.join(root, '.rsync-snapshots.d')), [`${NAMES[1]}.json`], 'no temp file stays behind');
    assert.equal((await setPinned(spec, NAMES[1], true, r.reach)).changed, false);
    assert.equal(keptForever(await readSnapshotMeta(spec, NAMES[1], target.reach())), 'pinned (keep forever)');
    const unpinned = await setPinned(spec, NAMES[1], false, r.reach);
    assert.equal(unpinned.changed, true);
    assert.deepEqual(await readSnapshotMeta(spec, NAMES[1], target.reach()), {});
    assert.equal(keptForever(await readSnapshotMeta(spec, NAMES[1], target.reach())), undefined);
  });

  it('keeps the rest of the notes, resolves latest, refuses a snapshot that is not there', async () => {
    const { root, spec } = await scriptRoot();
    const notesDir = path.join(root, '.rsync-snapshots.d');
    fs.mkdirSync(notesDir);
    fs.writeFileSync(path.join(notesDir, `${NAMES[4]}.json`), JSON.stringify({ trigger: 'git', label: 'after commit 1a2b3c4: x', filesTotal: 3 }));
    const r = { spec, reach: target.reach() };
    assert.equal((await setPinned(spec, 'latest', true, r.reach)).snapshot, NAMES[4]);
    assert.deepEqual(await readSnapshotMeta(spec, NAMES[4], target.reach()), { trigger: 'git', label: 'after commit 1a2b3c4: x', filesTotal: 3, pinned: true });
    await assert.rejects(setPinned(spec, '2026-01-01T00-00-00', true, r.reach), (err: unknown) => isSnapshotError(err) && /2026-01-01T00-00-00/.test(err.message));
    assert.ok(!fs.existsSync(path.join(notesDir, '2026-01-01T00-00-00.json')), 'no notes for a snapshot that is not there');
    await assert.rejects(openSpec(spec, target.reach()).notes.write('../escape', { pinned: true }), /not a snapshot name/);
    assert.ok(!fs.existsSync(path.join(root, 'escape.json')), 'nothing written outside the notes folder');
  });

  it('prune keeps pinned and pre-restore snapshots and says why; --include-pinned deletes them', async () => {
    const { root, spec } = await scriptRoot();
    const r = { spec, reach: target.reach() };
    await setPinned(spec, NAMES[0], true, r.reach);
    fs.writeFileSync(path.join(root, '.rsync-snapshots.d', `${NAMES[2]}.json`), JSON.stringify({ trigger: 'pre-restore', label: 'pre-restore' }));
    const plan = await planPrune(spec, { keepLast: 1 }, { ...target.reach(), measureSizes: false });
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      [NAMES[1], NAMES[3]],
    );
    const forever = plan.keep.filter((k) => k.forever);
    assert.deepEqual(
      forever.map((k) => k.name),
      [NAMES[0], NAMES[2]],
    );
    assert.match(forever[0].reason, /^pinned \(keep forever\); the policy would delete it \(not among the 1 newest\)$/);
    assert.match(forever[1].reason, /^safety snapshot taken before a restore/);
    assert.equal(plan.includePinned, false);

    // Pinned between the preview and the apply: still kept.
    await setPinned(spec, NAMES[3], true, r.reach);
    const result = await applyPrune(plan, target.reach());
    assert.deepEqual(result.deleted, [NAMES[1]]);
    assert.deepEqual(result.skipped, [{ name: NAMES[3], why: 'pinned (keep forever) since the preview' }]);

    const all = await planPrune(spec, { keepLast: 1 }, { ...target.reach(), measureSizes: false, includePinned: true });
    assert.deepEqual(
      all.delete.map((d) => d.name),
      [NAMES[0], NAMES[2], NAMES[3]],
    );
    const deleted = await applyPrune(all, target.reach());
    assert.deepEqual(deleted.deleted, [NAMES[0], NAMES[2], NAMES[3]]);
    assert.deepEqual(
      (await listSnapshots(spec, target.reach())).snapshots.map((s) => s.name),
      [NAMES[4]],
    );
    assert.deepEqual(fs.readdirSync(path.join(root, '.rsync-snapshots.d')), [], 'their notes went with them');
  });
}
