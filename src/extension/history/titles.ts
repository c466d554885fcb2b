import path from 'node:path';
import { distinctTimes, shortDateTime, snapshotDateTime } from '../timeFormat';

/** Editor titles that say where each side is from, as Git's do: `app.js (2026-11-30 16:50) ↔ app.js (Working Tree)`. */

/** The working side of a diff. */
export const WORKING_TREE = 'Working Tree';

const base = (rel: string) => path.posix.basename(rel);

/** The tab of a file opened from snapshot `snapshot`: `app.js (2026-11-30 16:50:01)`. */
export function snapshotFileTitle(rel: string, snapshot: string): string {
  return `${base(rel)} (${snapshotDateTime(snapshot)})`;
}

/** A diff of a snapshot version (taken `left`) against another one (`right`) or the working file: seconds only when both sides share a minute. */
export function diffTitle(rel: string, left: Date, right: Date | 'working'): string {
  const [l, r] = right === 'working' ? [shortDateTime(left), WORKING_TREE] : distinctTimes(left, right);
  return `${base(rel)} (${l}) ↔ ${base(rel)} (${r})`;
}
