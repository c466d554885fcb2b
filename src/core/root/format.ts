/**
 * The backup-root format, every name of it spelled here once (other tools read and write roots too):
 *
 *   ROOT/2026-06-16T02-00-01/   a finished snapshot (rsync-time-backup's 2026-06-16-020001 is read too)
 *   ROOT/latest                 relative symlink to the newest finished snapshot, swung atomically
 *   ROOT/.inprogress-NAME/      a snapshot being written (never listed; reused as link basis after a crash)
 *   ROOT/.deleting-NAME/        a snapshot being pruned (unlisted first, then removed)
 *   ROOT/.latest.tmp-*          latest's new link before the rename over it
 *   ROOT/.rsync-snapshots.lock  the flock(1) lock shared with cron lines
 *   ROOT/.rsync-snapshots.d/    optional notes (NAME.json), the usage cache and the notes index (a cache of the notes)
 *   ROOT/.rsync-snapshots.probe-*, .rsync-snapshots.linkprobe-*   write and hard-link probes (removed at once)
 */

/** The symlink to the newest finished snapshot. */
export const LATEST_LINK = 'latest';

/** Prefix of latest's temporary link (symlink under this name, then rename over latest). */
export const LATEST_TEMP_PREFIX = '.latest.tmp-';

/** One lock file per backup root, taken with flock(2): `flock -n ROOT/.rsync-snapshots.lock …` in cron excludes us and we exclude it. */
export const LOCK_FILE = '.rsync-snapshots.lock';

/**
 * Set by the generated cron line (`flock -n LOCK env RSYNC_SNAPSHOTS_LOCK_HELD=LOCK rsync-snapshots …`):
 * the caller already holds this lock on our behalf.
 */
export const LOCK_HELD_ENV = 'RSYNC_SNAPSHOTS_LOCK_HELD';

/** Sidecar notes about snapshots we wrote (NAME.json), kept outside the snapshots so their content stays the source's. */
export const META_DIR = '.rsync-snapshots.d';

/** The usage cache inside META_DIR. */
export const USAGE_CACHE_FILE = 'usage-cache.json';

/**
 * The notes index inside META_DIR: a cache of the notes files (each one's lstat and JSON value), so that a listing reads one
 * file, not one per snapshot. Never authoritative: an entry whose notes file's lstat differs is read from the file.
 */
export const NOTES_INDEX_FILE = 'notes-index.json';

/** A snapshot being deleted is first renamed to this prefix (atomically unlisted), then removed. */
export const DELETING_PREFIX = '.deleting-';

/** Write probes (checking a root is writable). */
export const PROBE_PREFIX = '.rsync-snapshots.probe-';

/** Hard-link probes (link(2) in the root). */
export const LINK_PROBE_PREFIX = '.rsync-snapshots.linkprobe-';

/** Snapshot directory names: ours `YYYY-MM-DDTHH-MM-SS` (written and read), rsync-time-backup's `YYYY-MM-DD-HHMMSS` (read only). Local time. */
export type SnapshotNameFormat = 'iso' | 'rsync-time-backup';

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})$/;
const RTB = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})$/;

/** Prefix of a snapshot being written: never listed, never mistaken for a finished one. */
export const IN_PROGRESS_PREFIX = '.inprogress-';

export interface ParsedSnapshotName {
  time: Date;
  format: SnapshotNameFormat;
}

export function parseSnapshotName(name: string): ParsedSnapshotName | undefined {
  let parsed = parsedNames.get(name);
  if (parsed === undefined) {
    if (parsedNames.size >= PARSED_NAMES_MAX) parsedNames.clear();
    parsed = parseName(name);
    parsedNames.set(name, parsed);
  }
  return parsed ? { time: new Date(parsed.ms), format: parsed.format } : undefined;
}

/**
 * Names already parsed (a listing of 10,000 snapshots parses the same names at every refresh: regex and date checks
 * were most of its time). Local time is read once per name: a time zone change while running shows up after a restart.
 */
const parsedNames = new Map<string, { ms: number; format: SnapshotNameFormat } | null>();
const PARSED_NAMES_MAX = 200_000;

function parseName(name: string): { ms: number; format: SnapshotNameFormat } | null {
  const iso = ISO.exec(name);
  const m = iso ?? RTB.exec(name);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const time = new Date(y, mo - 1, d, h, mi, s);
  // Reject impossible dates (2026-02-30, 25:00) instead of letting Date roll them over.
  const valid = time.getFullYear() === y && time.getMonth() === mo - 1 && time.getDate() === d && time.getHours() === h && time.getMinutes() === mi && time.getSeconds() === s;
  return valid ? { ms: time.getTime(), format: iso ? 'iso' : 'rsync-time-backup' } : null;
}

export function isSnapshotName(name: string): boolean {
  return parseSnapshotName(name) !== undefined;
}

/** `.deleting-<snapshot name>`: only ours; anything else with that prefix is someone's folder, never touched. */
export function isDeletingName(name: string): boolean {
  return name.startsWith(DELETING_PREFIX) && parseSnapshotName(name.slice(DELETING_PREFIX.length)) !== undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The name `date +%Y-%m-%dT%H-%M-%S` would print for this local time. */
export function formatSnapshotName(time: Date): string {
  return `${pad(time.getFullYear(), 4)}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}-${pad(time.getMinutes())}-${pad(time.getSeconds())}`;
}
