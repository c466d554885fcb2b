import { parseSnapshotName } from '../core/root/format';

/**
 * The one date format of the extension (tree, tooltips, pickers, titles, notifications): local
 * `2026-11-30 16:36` (`:46` seconds where two times must be told apart), plus a relative age.
 */

/** "just now", "5 min ago", "3 h ago", "2 days ago" — for descriptions and quick picks. */
export function relativeAge(time: Date, now = new Date()): string {
  const s = Math.max(0, Math.round((now.getTime() - time.getTime()) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 60) return d === 1 ? 'yesterday' : `${d} days ago`;
  const mo = Math.round(d / 30);
  return mo < 24 ? `${mo} months ago` : `${Math.round(d / 365)} years ago`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local "2026-06-17 02:00" (seconds when asked). */
export function shortDateTime(time: Date, seconds = false): string {
  const base = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${pad(time.getHours())}:${pad(time.getMinutes())}`;
  return seconds ? `${base}:${pad(time.getSeconds())}` : base;
}

/** Local "16:36:46", to tell apart times that read the same relative age. */
export function clockTime(time: Date): string {
  return `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
}

/** When snapshot `name` was taken (its name is its local start time); undefined for a name that is not a snapshot's. */
export function snapshotTime(name: string): Date | undefined {
  return parseSnapshotName(name)?.time;
}

/** A snapshot as users see it: "2026-11-30 16:36:46" for `2026-11-30T16-36-46` (the name itself if it is none). */
export function snapshotDateTime(name: string): string {
  const time = snapshotTime(name);
  return time ? shortDateTime(time, true) : name;
}

/** Two snapshots' times side by side: minutes, or seconds when both fall in the same minute. */
export function distinctTimes(a: Date, b: Date): [string, string] {
  const seconds = shortDateTime(a) === shortDateTime(b);
  return [shortDateTime(a, seconds), shortDateTime(b, seconds)];
}
