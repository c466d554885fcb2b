// One body for the local and the ssh root (selectionHistory.test.ts, selectionHistory.ssh.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { tempDirs } from '../../support/fixtures';
import { sshCounters } from '../../../src/core/root/ssh/transport';
import { folderHistory, Reach, selectionHistory, versions, takeSnapshot, versionLineCounts } from '../../support/core';

const at = (step: number) => new Date(2026, 0, 1, 12, 0, step);

/** The file's content per snapshot (null: unchanged). v0 twice, then a header, an edit inside the function, the function moved. */
const STEPS = [
  'a\nb\nfunction f() {\n  return 1;\n}\nc\nd\ne\ng\n',
  null,
  'h1\nh2\na\nb\nfunction f() {\n  return 1;\n}\nc\nd\ne\ng\n',
  'h1\nh2\na\nb\nfunction f() {\n  return 2;\n}\nc\nd\ne\ng\n',
  'h1\nh2\na\nb\nc\nd\ne\ng\nfunction f() {\n  return 2;\n}\n',
];

export function selectionHistorySuite(reach: () => Promise<{ spec: (root: string) => string; reach: Reach }>) {
  const tmp = tempDirs();
  let source: string;
  let spec: string;
  let r: Reach;
  const names: string[] = [];
  const file = () => path.join(source, 'src', 'f.js');

  before(async function () {
    this.timeout(120_000);
    const how = await reach();
    r = how.reach;
    source = path.join(tmp.make('rs-selection'), 'src-folder');
    const root = path.join(tmp.make('rs-selection-root'), 'root');
    spec = how.spec(root);
    fs.mkdirSync(path.join(source, 'src'), { recursive: true });
    fs.writeFileSync(path.join(source, 'bin.dat'), Buffer.from([1, 0, 2]));
    for (const [step, content] of STEPS.entries()) {
      if (step === 1) fs.writeFileSync(path.join(source, 'bin.dat'), Buffer.from([1, 0, 3])); // a change outside src/ only
      if (content !== null) {
        fs.writeFileSync(file(), content);
        fs.utimesSync(file(), at(step), at(step));
      }
      names.push((await takeSnapshot({ source, root: spec, ...r, createRoot: true, now: new Date(2026, 5, step + 1, 2, 0, 0) })).name);
    }
    fs.writeFileSync(file(), `// edited\n${STEPS[4]}`); // working file: a line added above, the function unchanged
  });
  after(() => tmp.cleanup());

  it('follows the selected function back: moved (keeps its history), edited, then in the oldest version', async () => {
    const h = await selectionHistory(spec, 'src/f.js', { start: 10, end: 12 }, { ...r, workingFolder: source });
    assert.equal(h.changedSinceNewest, false);
    assert.deepEqual(
      h.changes.map((c) => [c.version, c.snapshot, c.range, c.olderRange, c.moved, c.added, c.removed]),
      [
        [3, names[4], { start: 9, end: 11 }, { start: 5, end: 7 }, true, 0, 0],
        [2, names[3], { start: 5, end: 7 }, { start: 5, end: 7 }, false, 1, 1],
        [0, names[0], { start: 3, end: 5 }, undefined, false, 3, 0],
      ],
    );
    assert.deepEqual(h.end, { reason: 'oldest', version: 0 });
  });

  it('stops where the block first appears, and says so', async () => {
    const h = await selectionHistory(spec, 'src/f.js', { start: 1, end: 2 }, { ...r, snapshot: names[4] });
    assert.deepEqual(
      h.changes.map((c) => [c.version, c.olderRange]),
      [[1, undefined]],
    );
    assert.deepEqual(h.end, { reason: 'created', version: 1 });
  });

  it('lines only in the working file are in no snapshot yet; a range past the end is refused', async () => {
    const h = await selectionHistory(spec, 'src/f.js', { start: 1, end: 1 }, { ...r, workingFolder: source });
    assert.deepEqual([h.changes, h.end, h.changedSinceNewest], [[], { reason: 'not-in-snapshots' }, true]);
    await assert.rejects(selectionHistory(spec, 'src/f.js', { start: 5, end: 99 }, { ...r }), (err) => isSnapshotError(err, 'BAD_INPUT') && /past the end/.test(err.message));
  });

  it('a binary file is not followed', async () => {
    const h = await selectionHistory(spec, 'bin.dat', { start: 1, end: 1 }, { ...r });
    assert.equal(h.end.reason, 'binary');
  });

  it('line counts of each version against the next newer one (the newest against the working file); binary files say so', async () => {
    const counts = await versionLineCounts(spec, 'src/f.js', { ...r, workingFolder: source });
    assert.deepEqual(counts, [
      { added: 2, removed: 0 },
      { added: 1, removed: 1 },
      { added: 3, removed: 3 },
      { added: 1, removed: 0 },
    ]);
    if (r.sshCommand) {
      // Every version's bytes come in one ssh call (one cat): the counts cost one call more than the versions alone.
      const start = sshCounters.processesStarted;
      await versions(spec, 'src/f.js', { ...r });
      const alone = sshCounters.processesStarted - start;
      await versionLineCounts(spec, 'src/f.js', { ...r, workingFolder: source });
      assert.equal(sshCounters.processesStarted - start - alone, alone + 1);
    }
    assert.deepEqual(await versionLineCounts(spec, 'src/f.js', { ...r, limit: 2 }), [undefined, undefined, { added: 3, removed: 3 }, undefined]);
    assert.deepEqual(await versionLineCounts(spec, 'bin.dat', { ...r, workingFolder: source }), [{ skipped: 'binary' }, { skipped: 'binary' }]);
  });

  it('folder history: the snapshots where something under the folder changed, with what changed; files outside do not count', async () => {
    const h = await folderHistory(spec, 'src', { ...r });
    assert.deepEqual(
      h.versions.map((v) => [v.snapshot, v.previous, v.added, v.modified, v.deleted]),
      [
        [names[4], names[3], [], ['src/f.js'], []],
        [names[3], names[2], [], ['src/f.js'], []],
        [names[2], names[1], [], ['src/f.js'], []],
      ],
    );
    assert.deepEqual([h.examined, h.total], [5, 5]);
    assert.deepEqual(
      (await folderHistory(spec, 'src', { ...r, limit: 2 })).versions.map((v) => v.snapshot),
      [names[4], names[3]],
    );
  });
}
