/** Snapshot directory names: ours `YYYY-MM-DDTHH-MM-SS` (written and read), rsync-time-backup's `YYYY-MM-DD-HHMMSS` (read only). Local time. */
export type SnapshotNameFormat = 'iso' | 'rsync-time-backup';

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})$/;
const RTB = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})$/;

/** Prefix of a snapshot being written: never listed, never mistaken for a finished one. */
export const IN_PROGRESS_PREFIX = '.inprogress-';
/** A snapshot being deleted is first renamed to this prefix (atomically unlisted), then removed. */
export const DELETING_PREFIX = '.deleting-';

/** `.deleting-<snapshot name>`: only ours; anything else with that prefix is someone's folder, never touched. */
export function isDeletingName(name: string): boolean {
  return name.startsWith(DELETING_PREFIX) && parseSnapshotName(name.slice(DELETING_PREFIX.length)) !== undefined;
}

export interface ParsedSnapshotName {
  time: Date;
  format: SnapshotNameFormat;
}

export function parseSnapshotName(name: string): ParsedSnapshotName | undefined {
  const format: SnapshotNameFormat | undefined = ISO.test(name) ? 'iso' : RTB.test(name) ? 'rsync-time-backup' : undefined;
  if (!format) return undefined;
  const [y, mo, d, h, mi, s] = (format === 'iso' ? ISO : RTB).exec(name)!.slice(1).map(Number);
  const time = new Date(y, mo - 1, d, h, mi, s);
  // Reject impossible dates (2026-02-30, 25:00) instead of letting Date roll them over.
  const valid =
    time.getFullYear() === y && time.getMonth() === mo - 1 && time.getDate() === d &&
    time.getHours() === h && time.getMinutes() === mi && time.getSeconds() === s;
  return valid ? { time, format } : undefined;
}

export function isSnapshotName(name: string): boolean {
  return parseSnapshotName(name) !== undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The name `date +%Y-%m-%dT%H-%M-%S` would print for this local time. */
export function formatSnapshotName(time: Date): string {
  return `${pad(time.getFullYear(), 4)}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}-${pad(time.getMinutes())}-${pad(time.getSeconds())}`;
}
