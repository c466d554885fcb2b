import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { formatSnapshotName, IN_PROGRESS_PREFIX, isSnapshotName, parseSnapshotName } from '../../../src/core/root/format';

describe('snapshotName', () => {
  it('parses our YYYY-MM-DDTHH-MM-SS names as local time', () => {
    const parsed = parseSnapshotName('2026-06-16T02-00-01');
    assert.ok(parsed);
    assert.equal(parsed.format, 'iso');
    assert.equal(parsed.time.getTime(), new Date(2026, 5, 16, 2, 0, 1).getTime());
  });

  it("parses rsync-time-backup's YYYY-MM-DD-HHMMSS names", () => {
    const parsed = parseSnapshotName('2026-06-16-020001');
    assert.ok(parsed);
    assert.equal(parsed.format, 'rsync-time-backup');
    assert.equal(parsed.time.getTime(), new Date(2026, 5, 16, 2, 0, 1).getTime());
  });

  it('rejects everything else, including impossible dates and unfinished names', () => {
    for (const name of [
      'latest',
      '',
      '2026-06-16',
      '2026-06-16T02-00-01Z',
      ' 2026-06-16T02-00-01',
      '2026-06-16T02:00:01',
      '2026-02-30T02-00-01',
      '2026-06-16T25-00-01',
      '2026-06-16T02-61-01',
      '2026-13-01-020001',
      '2026-06-16-0200011',
      `${IN_PROGRESS_PREFIX}2026-06-16T02-00-01`,
      '2026-06-16T02-00-01.tmp',
    ]) {
      assert.equal(isSnapshotName(name), false, name);
      assert.equal(parseSnapshotName(name), undefined, name);
    }
  });

  it('formats names exactly as `date +%Y-%m-%dT%H-%M-%S` does', () => {
    const epoch = 1781575201; // some second in 2026
    const expected = execFileSync('date', ['-d', `@${epoch}`, '+%Y-%m-%dT%H-%M-%S'], { encoding: 'utf8' }).trim();
    assert.equal(formatSnapshotName(new Date(epoch * 1000)), expected);
  });

  it('round-trips and pads single digits', () => {
    const t = new Date(2026, 0, 2, 3, 4, 5);
    assert.equal(formatSnapshotName(t), '2026-01-02T03-04-05');
    assert.equal(parseSnapshotName(formatSnapshotName(t))!.time.getTime(), t.getTime());
  });
});
