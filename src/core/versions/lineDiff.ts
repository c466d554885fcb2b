/** A run of lines that differ: `a[aStart, aStart + aLength)` was replaced by `b[bStart, bStart + bLength)` (0-based). */
export interface Hunk {
  aStart: number;
  aLength: number;
  bStart: number;
  bLength: number;
}

/** Past this many differing lines (after the common head and tail) the middle counts as replaced whole. */
const MAX_EDITS = 2000;

/** Lines of a text, split at \n (a final newline ends the last line, it does not start an empty one). */
export function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Pure: the hunks that turn lines `a` into lines `b`, in order. Myers' O((N+M)·D) diff on what lies between the common
 * head and tail; when more than MAX_EDITS lines differ there, that middle is one hunk (counts become upper bounds).
 */
export function diffLines(a: readonly string[], b: readonly string[]): Hunk[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  if (!midA.length && !midB.length) return [];
  const hunks = myers(midA, midB) ?? [{ aStart: 0, aLength: midA.length, bStart: 0, bLength: midB.length }];
  return hunks.map((h) => ({ ...h, aStart: h.aStart + head, bStart: h.bStart + head }));
}

/** Lines added and removed from `a` to `b`. */
export function lineCounts(a: readonly string[], b: readonly string[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const h of diffLines(a, b)) {
    added += h.bLength;
    removed += h.aLength;
  }
  return { added, removed };
}

/** Myers' greedy algorithm with the trace kept for the path back; undefined past MAX_EDITS. */
function myers(a: readonly string[], b: readonly string[]): Hunk[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v;
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, d, offset, n, m);
    }
    v = next;
  }
  return undefined;
}

/** Walks the trace back from (n, m) and gathers the non-diagonal steps into hunks. */
function backtrack(trace: Int32Array[], dEnd: number, offset: number, n: number, m: number): Hunk[] {
  // Each step: which of a (deleted) / b (inserted) the edit took, at which position.
  const edits: { side: 'a' | 'b'; at: number }[] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    // one line inserted from b or deleted from a; the equal lines after it up to (x, y) need no record
    edits.push(down ? { side: 'b', at: prevY } : { side: 'a', at: prevX });
    x = prevX;
    y = prevY;
  }
  edits.reverse();
  // Group edits into hunks: an edit continues a hunk when it is adjacent to it.
  const hunks: Hunk[] = [];
  let ai = 0; // lines of a consumed
  let bi = 0;
  let cur: Hunk | undefined;
  for (const e of edits) {
    // Equal lines before this edit: both sides advance to reach it.
    const gap = e.at - (e.side === 'a' ? ai : bi);
    if (gap > 0) {
      ai += gap;
      bi += gap;
      cur = undefined;
    }
    if (!cur) {
      cur = { aStart: ai, aLength: 0, bStart: bi, bLength: 0 };
      hunks.push(cur);
    }
    if (e.side === 'a') {
      cur.aLength++;
      ai++;
    } else {
      cur.bLength++;
      bi++;
    }
  }
  return hunks;
}
