import assert from 'node:assert/strict';
import { DEFAULT_STRATEGY, describePolicy } from '../../../src/core/prune/policy';

describe('describePolicy: a retention policy in plain words', () => {
  it('says what each option keeps, without tool names or notation', () => {
    assert.equal(describePolicy({ strategy: '1:1 30:7 365:30' }), 'keeps everything for 1 day, then one per day until 30 days old, one per week until 1 year old, one every 30 days after that');
    assert.equal(describePolicy({ keepLast: 20 }), 'keeps the newest 20');
    assert.equal(describePolicy({ olderThan: '30d' }), 'deletes only snapshots older than 30 days');
    assert.equal(describePolicy({ olderThan: '1w', keepLast: 5 }), 'keeps the newest 5; deletes only snapshots older than 1 week');
    assert.equal(describePolicy({ strategy: '0:1 7:0' }), 'keeps one per day until 1 week old, none after that');
    for (const text of [describePolicy({ strategy: '1:1 30:7' }), describePolicy({ olderThan: '3d' })]) assert.doesNotMatch(text, /rsync-time-backup|mtime|find|:\d/);
  });

  it('says a strategy with units the same way, and bare numbers still mean days', () => {
    assert.equal(describePolicy({ strategy: DEFAULT_STRATEGY }), 'keeps everything for 1 day, then one per hour until 1 week old, one per day until 90 days old, one per week after that');
    assert.equal(describePolicy({ strategy: '1d:1d 30d:1w 365d:30d' }), describePolicy({ strategy: '1:1 30:7 365:30' }));
    assert.equal(describePolicy({ strategy: '12h:30m 2w:6h' }), 'keeps everything for 12 hours, then one every 30 minutes until 2 weeks old, one every 6 hours after that');
  });

  it('refuses a policy it cannot read, with the usual message', () => {
    assert.throws(() => describePolicy({ strategy: '1:x' }), /Cannot read the strategy token "1:x"/);
    assert.throws(() => describePolicy({ strategy: '1y:1d' }), /units m, h, d, w/);
  });
});
