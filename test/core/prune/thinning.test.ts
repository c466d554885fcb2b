import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { planThinning, thinningKeeps } from '../../../src/core/prune/thinning';
import type { SnapshotTrigger } from '../../../src/core/root/notes';
import { tempDirs, writeTree } from '../../support/fixtures';
import { applyPrune, planPrune, root as openSpec, setPinned, takeSnapshot } from '../../support/core';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('thinning automatic history (planThinning, real rsync)', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('deletes what the strategy deletes, except what the user labelled, what the editor labelled this week, pins and safety snapshots', async function () {
    this.timeout(120_000);
    const base = tmp.make('thin');
    const source = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'a' });
    // Four snapshots a UTC day (01, 07, 13, 19 h), 2 to 12 days back; "1d:1d" keeps the first of each day once older than a day.
    const today = Math.floor(Date.now() / DAY) * DAY;
    const now = new Date(today + 12 * HOUR);
    const special = new Map<number, { trigger: SnapshotTrigger; label?: string; pin?: boolean }>([
      [5, { trigger: 'manual', label: 'before the big refactor' }],
      [3, { trigger: 'git', label: 'after commit 3f2a1c' }],
      [10, { trigger: 'git', label: 'after commit 0a1b2c' }],
      [9, { trigger: 'before-delete', label: 'before delete of src/lib' }],
      [6, { trigger: 'interval', pin: true }],
      [8, { trigger: 'pre-restore', label: 'pre-restore' }],
    ]);
    const at13 = new Map<number, string>();
    let createRoot = true;
    for (let day = 12; day >= 2; day--) {
      for (const hour of [1, 7, 13, 19]) {
        const when = new Date(today - day * DAY + hour * HOUR);
        fs.writeFileSync(path.join(source, 'a.txt'), `${day} ${hour}`);
        const extra = hour === 13 ? special.get(day) : undefined;
        const r = await takeSnapshot({ source, root, now: when, createRoot, trigger: extra?.trigger ?? 'interval', label: extra?.label });
        createRoot = false;
        if (extra?.pin) await setPinned(root, r.name, true);
        if (hour === 13) at13.set(day, r.name);
      }
    }
    const plain = await planPrune(root, { strategy: '1d:1d' }, { now, measureSizes: false });
    const plainDeleted = new Set(plain.delete.map((d) => d.name));
    // The precondition: the strategy alone would delete each special one (pin and safety aside, which every prune keeps).
    for (const day of [5, 3, 10, 9]) assert.ok(plainDeleted.has(at13.get(day)!), `day ${day} is deleted by the bare strategy`);
    for (const day of [6, 8]) assert.ok(plain.keep.some((k) => k.name === at13.get(day) && k.forever));

    const plan = await planThinning(openSpec(root), '1d:1d', { now });
    const deleted = new Set(plan.delete.map((d) => d.name));
    assert.ok(!deleted.has(at13.get(5)!), 'a label the user wrote is never thinned');
    assert.ok(!deleted.has(at13.get(3)!), 'an editor label younger than 7 days is kept');
    assert.ok(deleted.has(at13.get(10)!), 'an editor label older than 7 days thins like the rest');
    assert.ok(deleted.has(at13.get(9)!), 'a before-delete label older than 7 days thins like the rest');
    assert.ok(!deleted.has(at13.get(6)!) && !deleted.has(at13.get(8)!), 'pinned and safety snapshots are kept');
    assert.deepEqual([...deleted].sort(), [...plainDeleted].filter((n) => n !== at13.get(5) && n !== at13.get(3)).sort());
    assert.match(plan.keep.find((k) => k.name === at13.get(5))!.reason, /labelled by you \(before the big refactor\)/);
    assert.match(plan.keep.find((k) => k.name === at13.get(3))!.reason, /labelled by the editor less than 7 days ago/);

    const result = await applyPrune(plan);
    assert.deepEqual([...result.deleted].sort(), [...deleted].sort());
    for (const name of deleted) assert.equal(fs.existsSync(path.join(root, name)), false);
    for (const day of [5, 3, 6, 8]) assert.ok(fs.existsSync(path.join(root, at13.get(day)!)));
    // One per day is left of what is older than a day, plus what was kept on purpose.
    const again = await planThinning(openSpec(root), '1d:1d', { now });
    assert.deepEqual(again.delete, []);
  });

  it('thinningKeeps: user labels forever, editor labels for 7 days, no label never', () => {
    const now = new Date(2026, 5, 20);
    const daysAgo = (d: number) => new Date(now.getTime() - d * DAY);
    assert.match(thinningKeeps({ trigger: 'cli', label: 'release 1.2' }, daysAgo(400), now)!, /labelled by you/);
    assert.match(thinningKeeps({ label: 'written by hand, no trigger' }, daysAgo(30), now)!, /labelled by you/);
    assert.match(thinningKeeps({ trigger: 'before-rename', label: 'before rename of a' }, daysAgo(6.9), now)!, /editor/);
    assert.equal(thinningKeeps({ trigger: 'before-rename', label: 'before rename of a' }, daysAgo(7), now), undefined);
    assert.equal(thinningKeeps({ trigger: 'interval' }, daysAgo(1), now), undefined);
    assert.equal(thinningKeeps(undefined, daysAgo(1), now), undefined);
  });
});
