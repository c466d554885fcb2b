import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, DEFAULT_STRATEGY, PolicySnapshot, PrunePolicy } from '../../../src/core/prune/policy';
import { formatSnapshotName } from '../../../src/core/root/format';

const DAY = 86_400_000;
const NOW = new Date(2026, 5, 1, 12, 0, 0);

/**
 * Reference model, written from the documentation rather than the implementation: every given option must
 * select a snapshot for it to be deleted; the newest and latest's target are never deleted.
 */
function reference(snaps: PolicySnapshot[], policy: PrunePolicy, now: Date, latest?: string): Set<string> {
  const byTime = [...snaps].sort((a, b) => a.time.getTime() - b.time.getTime() || a.name.localeCompare(b.name));
  const out = new Set<string>();
  const unitMs: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY };

  // rsync-time-backup fn_expire_backups, transcribed loop by loop; X and Y may carry a unit (bare: days). Y counts
  // whole UTC days for d and w (1w = 7 days), whole hours or minutes for h and m.
  const expired = new Set<string>();
  if (policy.strategy !== undefined) {
    const sec: Record<string, number> = { m: 60, h: 3600, d: 86400, w: 7 * 86400 };
    const tokens = policy.strategy
      .trim()
      .split(/\s+/)
      .map((t) => {
        const [, x, xu, y, yu] = /^(\d+)([mhdw]?):(\d+)([mhdw]?)$/.exec(t)!;
        const everyUnit = yu || 'd';
        const bucket = everyUnit === 'h' || everyUnit === 'm' ? sec[everyUnit] : 86400;
        return [Number(x) * sec[xu || 'd'], Number(y) * (everyUnit === 'w' ? 7 : 1), bucket];
      });
    const ordered = [...tokens].sort((a, b) => b[0] - a[0]);
    const current = Math.floor(now.getTime() / 1000);
    let lastKept = 9999999999;
    const oldest = byTime[0]?.name;
    const toKeep = byTime[byTime.length - 1]?.name;
    for (const b of byTime) {
      const ts = Math.floor(b.time.getTime() / 1000);
      if (b.name === toKeep) break;
      if (b.name === oldest) {
        lastKept = ts;
        continue;
      }
      for (const [x, y, bucket] of ordered) {
        const cutOff = current - x;
        if (ts <= cutOff) {
          if (y === 0) {
            expired.add(b.name);
            break;
          }
          const interval = Math.floor(ts / bucket) - Math.floor(lastKept / bucket);
          if (interval < y) expired.add(b.name);
          else lastKept = ts;
          break;
        }
      }
    }
  }

  byTime.forEach((s, i) => {
    if (i === byTime.length - 1 || s.name === latest) return;
    if (policy.olderThan !== undefined) {
      const m = /^(\d+)([mhdw]?)$/.exec(policy.olderThan)!;
      const age = Math.floor((now.getTime() - s.mtime.getTime()) / unitMs[m[2] || 'd']);
      if (!(age > Number(m[1]))) return;
    }
    if (policy.keepLast !== undefined && byTime.length - i <= policy.keepLast) return;
    if (policy.strategy !== undefined && !expired.has(s.name)) return;
    out.add(s.name);
  });
  return out;
}

const snapshotSet = fc
  .uniqueArray(fc.integer({ min: 0, max: 900 * 24 * 4 }), { minLength: 0, maxLength: 40 }) // quarter-hours back from now
  .chain((offsets) =>
    fc.tuple(
      fc.constant(offsets),
      fc.array(
        fc.oneof(
          fc.integer({ min: -2 * DAY, max: 400 * DAY }),
          // right at a whole number of units, where find -mtime's rounding matters
          fc.tuple(fc.integer({ min: 0, max: 62 }), fc.constantFrom(60_000, 3_600_000, DAY, 7 * DAY), fc.integer({ min: -1000, max: 1000 })).map(([k, unit, jitter]) => k * unit + jitter),
        ),
        { minLength: offsets.length, maxLength: offsets.length },
      ),
    ),
  )
  .map(([offsets, mtimeOffsets]) =>
    offsets.map((q, i) => {
      const time = new Date(NOW.getTime() - q * 15 * 60_000);
      time.setMilliseconds(0);
      return { name: formatSnapshotName(time), time, mtime: new Date(NOW.getTime() - mtimeOffsets[i]) };
    }),
  );

const policyArb: fc.Arbitrary<PrunePolicy> = fc
  .record(
    {
      olderThan: fc.tuple(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 400 })), fc.constantFrom('', 'd', 'h', 'w', 'm')).map(([n, u]) => `${n}${u}`),
      keepLast: fc.integer({ min: 0, max: 45 }),
      strategy: fc
        .array(fc.tuple(fc.integer({ min: 0, max: 800 }), fc.constantFrom('', '', 'd', 'h', 'w', 'm'), fc.integer({ min: 0, max: 60 }), fc.constantFrom('', '', 'd', 'h', 'w')), {
          minLength: 1,
          maxLength: 4,
        })
        .map((ts) => {
          const sec: Record<string, number> = { '': 86400, m: 60, h: 3600, d: 86400, w: 7 * 86400 };
          const seen = new Set<number>();
          return ts
            .filter(([x, xu]) => !seen.has(x * sec[xu]) && seen.add(x * sec[xu]))
            .map(([x, xu, y, yu]) => `${x}${xu}:${y}${yu}`)
            .join(' ');
        }),
    },
    { requiredKeys: [] },
  )
  .filter((p) => Object.keys(p).length > 0);

describe('prune policy (property-based)', () => {
  it('equals the reference model and never deletes the newest or latest', () => {
    fc.assert(
      fc.property(snapshotSet, policyArb, fc.option(fc.nat(), { nil: undefined }), (snaps, policy, latestPick) => {
        const latest = latestPick !== undefined && snaps.length ? snaps[latestPick % snaps.length].name : undefined;
        const decisions = decide(snaps, policy, NOW, new Set(latest ? [latest] : []));
        const deleted = new Set(decisions.filter((d) => d.delete).map((d) => d.name));
        assert.equal(decisions.length, snaps.length);
        assert.deepEqual([...deleted].sort(), [...reference(snaps, policy, NOW, latest)].sort());
        const newest = [...snaps].sort((a, b) => b.time.getTime() - a.time.getTime())[0];
        if (newest) assert.ok(!deleted.has(newest.name), 'newest deleted');
        if (latest) assert.ok(!deleted.has(latest), 'latest deleted');
        if (policy.keepLast !== undefined) assert.ok(snaps.length - deleted.size >= Math.min(snaps.length, Math.max(1, policy.keepLast)));
      }),
      { numRuns: 500 },
    );
  });

  it('is monotone: dropping an option never deletes fewer', () => {
    fc.assert(
      fc.property(snapshotSet, policyArb, (snaps, policy) => {
        const full = new Set(
          decide(snaps, policy, NOW)
            .filter((d) => d.delete)
            .map((d) => d.name),
        );
        for (const key of Object.keys(policy) as (keyof PrunePolicy)[]) {
          const fewer = { ...policy };
          delete fewer[key];
          if (!Object.keys(fewer).length) continue;
          const looser = new Set(
            decide(snaps, fewer, NOW)
              .filter((d) => d.delete)
              .map((d) => d.name),
          );
          for (const name of full) assert.ok(looser.has(name), `${name} deleted with ${JSON.stringify(policy)} but not with ${JSON.stringify(fewer)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an empty policy and malformed options', () => {
    assert.throws(() => decide([], {}, NOW), /No retention policy/);
    assert.throws(() => decide([], { olderThan: 'thirty days' }, NOW), /30d/);
    assert.throws(() => decide([], { strategy: '1:1 x' }, NOW), /X:Y/);
    assert.throws(() => decide([], { keepLast: -1 }, NOW), /whole number/);
  });
});

describe('prune strategy with units', () => {
  const HOUR = 3_600_000;
  /** One snapshot every 10 minutes for `days` days back from NOW (automatic history). */
  const everyTenMinutes = (days: number): PolicySnapshot[] =>
    Array.from({ length: days * 144 }, (_, i) => {
      const time = new Date(NOW.getTime() - i * 10 * 60_000);
      return { name: formatSnapshotName(time), time, mtime: time };
    });

  it('"1d:1h 7d:1d 90d:1w" keeps all of the last day, one per hour for a week, one per day for 90 days, one per week after', () => {
    const snaps = everyTenMinutes(120);
    const kept = decide(snaps, { strategy: DEFAULT_STRATEGY }, NOW)
      .filter((d) => !d.delete)
      .map((d) => snaps.find((s) => s.name === d.name)!.time.getTime());
    const age = (t: number) => NOW.getTime() - t;
    const inRange = (from: number, to: number) => kept.filter((t) => age(t) >= from && age(t) < to);
    // Everything of the last 24 hours: 144 snapshots, 10 minutes apart.
    assert.equal(inRange(0, 24 * HOUR).length, 144);
    // One per UTC hour between 1 and 7 days old (the edges may each hold one more).
    const hourly = inRange(25 * HOUR, 7 * 24 * HOUR - HOUR);
    assert.ok(Math.abs(hourly.length - (6 * 24 - 2)) <= 1, `hourly ${hourly.length}`);
    assert.equal(new Set(hourly.map((t) => Math.floor(t / HOUR))).size, hourly.length, 'at most one per hour');
    // One per UTC day between 7 and 90 days old.
    const daily = inRange(8 * DAY, 89 * DAY);
    assert.equal(new Set(daily.map((t) => Math.floor(t / DAY))).size, daily.length, 'at most one per day');
    assert.ok(Math.abs(daily.length - 81) <= 1, `daily ${daily.length}`);
    // Then one per 7 days.
    const weekly = inRange(91 * DAY, 120 * DAY).sort((a, b) => a - b);
    for (let i = 1; i < weekly.length; i++) assert.ok(Math.floor(weekly[i] / DAY) - Math.floor(weekly[i - 1] / DAY) >= 7, 'a week apart');
    assert.ok(weekly.length >= 3 && weekly.length <= 5, `weekly ${weekly.length}`);
  });

  it('bare numbers are days: "1:1 30:7 365:30" decides exactly like "1d:1d 30d:1w 365d:30d"', () => {
    fc.assert(
      fc.property(snapshotSet, (snaps) => {
        const a = decide(snaps, { strategy: '1:1 30:7 365:30' }, NOW).map((d) => d.delete);
        const b = decide(snaps, { strategy: '1d:1d 30d:1w 365d:30d' }, NOW).map((d) => d.delete);
        assert.deepEqual(a, b);
      }),
      { numRuns: 200 },
    );
  });
});
