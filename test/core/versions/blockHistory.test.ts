import assert from 'node:assert/strict';
import { followBlock } from '../../../src/core/versions/blockHistory';

const L = (s: string) => s.split('');

describe('followBlock (a block of lines followed into the older text)', () => {
  it('an unchanged block maps through insertions and deletions elsewhere', () => {
    // older: a b c d e ; newer: X a b c e (X inserted before, d deleted after)
    const step = followBlock(L('abcde'), L('Xabce'), { start: 2, end: 4 });
    assert.deepEqual(step, { changed: false, olderRange: { start: 1, end: 3 }, moved: false, added: 0, removed: 0 });
  });

  it('an edited line inside the block marks it changed and keeps the range', () => {
    const step = followBlock(L('abcde'), L('abZde'), { start: 2, end: 4 });
    assert.deepEqual(step, { changed: true, olderRange: { start: 2, end: 4 }, moved: false, added: 1, removed: 1 });
  });

  it('a deletion inside the block is a change; one at its edge is not', () => {
    assert.equal(followBlock(L('abcde'), L('abde'), { start: 2, end: 3 }).changed, true); // c removed between b and d
    assert.deepEqual(followBlock(L('abcde'), L('abde'), { start: 2, end: 3 }).olderRange, { start: 2, end: 4 });
    assert.equal(followBlock(L('abcde'), L('abde'), { start: 3, end: 4 }).changed, false); // c removed before d: outside d..e
  });

  it('a block made of new lines first appears in the newer text', () => {
    const step = followBlock(L('ab'), L('aXYb'), { start: 2, end: 3 });
    assert.deepEqual(step, { changed: true, moved: false, added: 2, removed: 0 });
  });

  it('a partly new block follows its older part', () => {
    const step = followBlock(L('abc'), L('aXbc'), { start: 2, end: 3 });
    assert.deepEqual(step, { changed: true, olderRange: { start: 2, end: 2 }, moved: false, added: 1, removed: 0 });
  });

  it('a block that moved is found again by its text and keeps its history', () => {
    const older = ['function one() {', '  return 1;', '}', 'const x = 1;', 'const y = 2;', 'const z = 3;'];
    const newer = ['const x = 1;', 'const y = 2;', 'const z = 3;', 'function one() {', '  return 1;', '}'];
    const step = followBlock(older, newer, { start: 4, end: 6 });
    assert.deepEqual(step, { changed: true, olderRange: { start: 1, end: 3 }, moved: true, added: 0, removed: 0 });
  });
});
