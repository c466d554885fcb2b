import assert from 'node:assert/strict';
import type { RootListing } from '../../../src/core/root/listing';
import { freshName } from '../../../src/core/snapshot/run';
import { parseSnapshotName } from '../../../src/core/root/format';

function listing(names: string[], inProgress: string[] = []): RootListing {
  const snapshots = names.map((name) => ({ name, path: `/r/${name}`, time: parseSnapshotName(name)!.time, format: parseSnapshotName(name)!.format, latest: false }));
  return { root: '/r', snapshots, latestState: 'missing', inProgress };
}

describe('freshName: the name of a new snapshot', () => {
  const now = new Date(2026, 10, 30, 17, 53, 26, 900);

  it('is the run time, or the next free second when taken (finished or in progress)', async () => {
    assert.equal(await freshName(listing([]), now), '2026-11-30T17-53-26');
    assert.equal(await freshName(listing(['2026-11-30T17-53-26']), now), '2026-11-30T17-53-27');
    assert.equal(await freshName(listing([], ['.inprogress-2026-11-30T17-53-26']), now), '2026-11-30T17-53-27');
    assert.equal(await freshName(listing([]), now, async (n) => n === '2026-11-30T17-53-26'), '2026-11-30T17-53-27');
  });

  it('goes after a newest snapshot pushed a few seconds ahead, even when a prune freed the current second', async () => {
    // Three runs in one second: 26, 27, then a prune deleted 26. The next run must not reuse 26 (older than 27).
    assert.equal(await freshName(listing(['2026-11-30T17-53-27']), now), '2026-11-30T17-53-28');
    assert.equal(await freshName(listing(['2026-11-30T17-40-00', '2026-11-30T17-53-29']), now), '2026-11-30T17-53-30');
  });

  it('keeps the clock when the newest snapshot is older, or far in the future (a wrong clock is not followed)', async () => {
    assert.equal(await freshName(listing(['2026-11-30T17-00-00']), now), '2026-11-30T17-53-26');
    assert.equal(await freshName(listing(['2027-01-01T00-00-00']), now), '2026-11-30T17-53-26');
  });
});
