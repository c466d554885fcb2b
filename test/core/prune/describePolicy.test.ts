import assert from 'node:assert/strict';
import { describePolicy } from '../../../src/core/prune/policy';

describe('describePolicy: a retention policy in plain words', () => {
  it('says what each option keeps, without tool names or notation', () => {
    assert.equal(describePolicy({ strategy: '1:1 30:7 365:30' }), 'keeps everything for 1 day, then one per day until 30 days old, one per week until 1 year old, one every 30 days after that');
    assert.equal(describePolicy({ keepLast: 20 }), 'keeps the newest 20');
    assert.equal(describePolicy({ olderThan: '30d' }), 'deletes only snapshots older than 30 days');
    assert.equal(describePolicy({ olderThan: '1w', keepLast: 5 }), 'keeps the newest 5; deletes only snapshots older than 1 week');
    assert.equal(describePolicy({ strategy: '0:1 7:0' }), 'keeps one per day until 1 week old, none after that');
    for (const text of [describePolicy({ strategy: '1:1 30:7' }), describePolicy({ olderThan: '3d' })]) assert.doesNotMatch(text, /rsync-time-backup|mtime|find|:\d/);
  });

  it('refuses a policy it cannot read, with the usual message', () => {
    assert.throws(() => describePolicy({ strategy: '1:x' }), /Cannot read the strategy token "1:x"/);
  });
});
