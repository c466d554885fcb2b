import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../../support/fixtures';
import { takeSnapshot } from '../../support/core';
import { callUnprivileged, canRunAsNobody, giveToNobody, isRoot } from '../../support/unprivileged';

const MODULES = { changes: 'src/core/changes/changes.ts', openRoot: 'src/core/root/open.ts' };

describe('changes: a snapshot or working folder that cannot be read', function () {
  this.timeout(60000);
  const tmp = tempDirs();
  after(async () => {
    for (const dir of chmodded) fs.chmodSync(dir, 0o755);
    await tmp.cleanup();
  });
  const chmodded: string[] = [];

  let source: string, root: string, a: string, b: string;
  before(async function () {
    if (isRoot() && !(await canRunAsNobody())) this.skip();
    const base = tmp.make('rs-changes-unreadable');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'one' });
    a = (await takeSnapshot({ source, root, createRoot: true, now: new Date(2026, 5, 1, 2, 0, 0) })).name;
    writeTree(source, { 'b.txt': 'two' });
    b = (await takeSnapshot({ source, root, now: new Date(2026, 5, 2, 2, 0, 0) })).name;
    await giveToNobody(base);
  });

  const call = (expression: string) => callUnprivileged(MODULES, expression);
  const closed = (dir: string) => {
    fs.chmodSync(dir, 0o000);
    chmodded.push(dir);
  };
  const open = (dir: string) => fs.chmodSync(dir, 0o755);

  it('control: readable, the two snapshots differ by one added file', async () => {
    const r = await call(`m.changes(m.openRoot(${JSON.stringify(root)}), ${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual((r.value as { added: string[] }).added, ['b.txt']);
  });

  for (const side of ['before', 'after'] as const) {
    it(`the ${side} snapshot at mode 000 is a ROOT_INVALID error naming its folder, never an empty change set`, async () => {
      const dir = path.join(root, side === 'before' ? a : b);
      closed(dir);
      try {
        const r = await call(`m.changes(m.openRoot(${JSON.stringify(root)}), ${JSON.stringify(a)}, ${JSON.stringify(b)})`);
        assert.equal(r.ok, false, `claimed a result: ${JSON.stringify(r)}`);
        if (r.ok) return;
        assert.equal(r.code, 'ROOT_INVALID');
        assert.ok(r.message.includes(`${dir}: permission denied`), r.message);
        assert.match(r.message, /nothing was compared/);
        assert.ok(r.message.includes(`chmod u+rx -- ${dir}`), r.message);
      } finally {
        open(dir);
      }
    });
  }

  it('against the working folder: an unreadable snapshot or working folder is an error too', async () => {
    const snapshot = path.join(root, a);
    closed(snapshot);
    try {
      const r = await call(`m.changes(m.openRoot(${JSON.stringify(root)}), ${JSON.stringify(a)}, { working: ${JSON.stringify(source)} })`);
      assert.equal(r.ok, false, JSON.stringify(r));
      if (!r.ok) assert.ok(r.code === 'ROOT_INVALID' && r.message.includes(snapshot), r.message);
    } finally {
      open(snapshot);
    }
    closed(source);
    try {
      const r = await call(`m.changes(m.openRoot(${JSON.stringify(root)}), ${JSON.stringify(a)}, { working: ${JSON.stringify(source)} })`);
      assert.equal(r.ok, false, JSON.stringify(r));
      if (!r.ok) assert.ok(r.code === 'SOURCE_INVALID' && r.message.includes(`Working folder ${source} cannot be read`), r.message);
    } finally {
      open(source);
    }
  });
});
