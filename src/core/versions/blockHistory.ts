import { diffLines } from './lineDiff';

/** Lines `start`…`end` of a text, 1-based, inclusive. */
export interface LineRange {
  start: number;
  end: number;
}

/** What became of a block of the newer text in the older one. */
export interface BlockStep {
  /** True when the block's lines differ between the two texts (edited, partly new, or moved). */
  changed: boolean;
  /** Where the block is in the older text; undefined when none of its lines existed there (it first appears in the newer one). */
  olderRange?: LineRange;
  /** The block's lines found elsewhere in the older text: it moved (and may be otherwise unchanged). */
  moved: boolean;
  /** Lines of the block that are new in the newer text, and lines of the older text replaced or removed inside it. */
  added: number;
  removed: number;
}

/**
 * Pure: follows a block of lines (`range` in `newer`) back into `older` with a line diff. Lines outside every hunk map
 * one to one; a hunk touching the block marks it changed and widens the older range to the hunk's old lines. When
 * none of the block's lines are in the older text, the block's exact text is searched there: found, it moved (and
 * keeps its history); not found, the block first appears in `newer`.
 */
export function followBlock(older: readonly string[], newer: readonly string[], range: LineRange): BlockStep {
  const s = range.start - 1;
  const e = range.end - 1;
  let changed = false;
  let added = 0;
  let removed = 0;
  let olderStart: number | undefined;
  let olderEnd: number | undefined;
  let shift = 0; // older index − newer index for unchanged lines so far
  const hunks = diffLines(older, newer);
  for (const h of hunks) {
    const bEnd = h.bStart + h.bLength - 1;
    if (olderStart === undefined && s < h.bStart) olderStart = s + shift;
    if (olderEnd === undefined && e < h.bStart) olderEnd = e + shift;
    const overlaps = h.bLength > 0 ? h.bStart <= e && bEnd >= s : s < h.bStart && h.bStart <= e;
    if (overlaps) {
      changed = true;
      added += Math.min(bEnd, e) - Math.max(h.bStart, s) + 1;
      removed += h.aLength;
    }
    if (olderStart === undefined && s <= bEnd) olderStart = h.aStart; // the block starts inside this hunk
    if (olderEnd === undefined && e <= bEnd) olderEnd = h.aStart + h.aLength - 1; // …or ends inside it
    shift += h.aLength - h.bLength;
  }
  olderStart ??= s + shift;
  olderEnd ??= e + shift;
  if (olderStart <= olderEnd) return { changed, olderRange: { start: olderStart + 1, end: olderEnd + 1 }, moved: false, added, removed };
  const found = findBlock(older, newer.slice(s, e + 1));
  if (found >= 0) return { changed: true, olderRange: { start: found + 1, end: found + e - s + 1 }, moved: true, added: 0, removed: 0 };
  return { changed: true, moved: false, added: e - s + 1, removed: 0 };
}

/** Where `block` (non-blank) occurs in `lines`, or −1. */
function findBlock(lines: readonly string[], block: readonly string[]): number {
  if (!block.length || block.every((l) => !l.trim())) return -1;
  outer: for (let i = 0; i + block.length <= lines.length; i++) {
    for (let j = 0; j < block.length; j++) if (lines[i + j] !== block[j]) continue outer;
    return i;
  }
  return -1;
}
