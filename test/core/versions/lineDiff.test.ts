import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffLines, Hunk, lineCounts, splitLines } from '../../../src/core/versions/lineDiff';

/** Applies the hunks to a: must give b. */
function apply(a: string[], b: string[], hunks: Hunk[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const h of hunks) {
    out.push(...a.slice(at, h.aStart), ...b.slice(h.bStart, h.bStart + h.bLength));
    at = h.aStart + h.aLength;
  }
  return [...out, ...a.slice(at)];
}

/** Length of the longest common subsequence (dynamic programming): a minimal diff removes a.length − lcs lines. */
function lcs(a: string[], b: string[]): number {
  const row = new Array(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(row[j], row[j - 1]);
      diag = up;
    }
  }
  return row[b.length];
}

describe('lineDiff', () => {
  it('splits lines without an empty last one for a final newline', () => {
    assert.deepEqual(splitLines('a\nb\n'), ['a', 'b']);
    assert.deepEqual(splitLines('a\nb'), ['a', 'b']);
    assert.deepEqual(splitLines(''), []);
    assert.deepEqual(splitLines('\n'), ['']);
  });

  it('finds a changed line, an insertion and a deletion as separate hunks', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7'];
    const b = ['1', 'two', '3', '4', 'new', '5', '7'];
    assert.deepEqual(diffLines(a, b), [
      { aStart: 1, aLength: 1, bStart: 1, bLength: 1 },
      { aStart: 4, aLength: 0, bStart: 4, bLength: 1 },
      { aStart: 5, aLength: 1, bStart: 6, bLength: 0 },
    ]);
    assert.deepEqual(lineCounts(a, b), { added: 2, removed: 2 });
    assert.deepEqual(lineCounts(a, a), { added: 0, removed: 0 });
  });

  it('property: the hunks turn a into b and the diff is minimal (lines removed = a − LCS)', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const hunks = diffLines(a, b);
        assert.deepEqual(apply(a, b, hunks), b);
        assert.equal(lineCounts(a, b).removed, a.length - lcs(a, b));
        for (const h of hunks) assert.ok(h.aLength + h.bLength > 0);
      }),
      { numRuns: 500 },
    );
  });

  it('a huge rewrite stays bounded: past 2,000 differing lines the middle is one hunk', () => {
    const a = Array.from({ length: 30_000 }, (_, i) => `a${i}`);
    const b = ['same head', ...Array.from({ length: 30_000 }, (_, i) => `b${i}`)];
    const started = Date.now();
    const hunks = diffLines(['same head', ...a], b);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(hunks, [{ aStart: 1, aLength: 30_000, bStart: 1, bLength: 30_000 }]);
  });
});
