import { constants as fsConstants, lstatSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../util/logger';
import { META_DIR, NOTES_INDEX_FILE } from '../format';
import { checkNotes, notesWarning, SnapshotMeta } from '../notes';
import { NotesStamp, readNotesFile } from './notesFile';

/**
 * The notes index, ROOT/.rsync-snapshots.d/notes-index.json: one JSON file that caches every notes file's text with
 * the lstat it had when read (dev, ino, size, mtime, ctime), so a listing of 10,000 snapshots opens one file and
 * lstats the notes (one readdir + lstat pass, as `ls -l` does) instead of opening 10,000 files.
 *
 *   {"format":"rsync-snapshots notes index","version":1,"notes":{"NAME":[dev,ino,size,mtimeMs,ctimeMs,VALUE],…}}
 *
 * VALUE is the notes file's JSON value as JSON.parse gave it, unchecked (absent when the file was not JSON): one
 * JSON.parse of the index gives every note, and each goes through checkNotes, parseNotes's own checks.
 *
 * The notes files stay the truth (other tools and older versions read and write them; nobody has to update the index):
 * - an entry is used only when its snapshot is listed, its notes file is still a regular file, and that file's lstat
 *   equals the entry's in every field: a file changed by pin/unpin, by hand, by another tool, removed or replaced, is
 *   read again (ctime changes with every write and cannot be set back);
 * - a notes file changed within RACY_MS of being read is not cached (a write in the same timestamp tick as our read
 *   could leave its lstat unchanged), it is read each time until it is older;
 * - an entry's value goes through checkNotes exactly as the file's would (the same fields dropped, the same warnings);
 * - the index is read like the notes (never through a symlink, never blocking on a FIFO, only a regular file of at most
 *   INDEX_MAX_BYTES); one that is not JSON of this shape counts as empty and is rebuilt;
 * - it is written only when it would change, under a fresh temp name (O_EXCL) renamed over it (a symlink there is
 *   replaced, never followed), and never when the root is not writable: it is a cache, its failures are silent.
 */
const INDEX_FORMAT = 'rsync-snapshots notes index';
const INDEX_VERSION = 1;
/** A bigger index is ignored (a damaged or hostile root could hold any size) and rebuilt within the limit. */
export const INDEX_MAX_BYTES = 32 * 1024 * 1024;
/** Notes bigger than this are read from their file each time, not copied into the index. */
const ENTRY_MAX_BYTES = 64 * 1024;
/** A notes file modified this recently (or in the future) is not cached yet: see above. */
const RACY_MS = 2000;
/** Temp files of a writer that died are removed once this old. */
const TEMP_STALE_MS = 10 * 60 * 1000;
const TEMP_PREFIX = `${NOTES_INDEX_FILE}.tmp-`;
/** lstat calls between two turns of the event loop (sync calls are several times faster than 10,000 promises). */
const LSTAT_BATCH = 500;
/** Notes files read at once when the index does not hold them. */
const READ_CONCURRENCY = 32;

/** A notes file's lstat, and its JSON value when it was JSON. */
type Entry = [dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number, value?: unknown];

export function notesIndexPath(root: string): string {
  return path.join(root, META_DIR, NOTES_INDEX_FILE);
}

function sameStamp(entry: Entry, stamp: NotesStamp): boolean {
  return entry[0] === stamp.dev && entry[1] === stamp.ino && entry[2] === stamp.size && entry[3] === stamp.mtimeMs && entry[4] === stamp.ctimeMs;
}

function isEntry(value: unknown): value is Entry {
  if (!Array.isArray(value) || (value.length !== 5 && value.length !== 6)) return false;
  for (let i = 0; i < 5; i++) if (typeof value[i] !== 'number' || !Number.isFinite(value[i])) return false;
  return (value[2] as number) <= ENTRY_MAX_BYTES;
}

/** The index's entries by name (each checked when used), or none when it is missing, not a regular file, too big, or not an index. */
async function loadIndex(file: string): Promise<Record<string, unknown>> {
  const entries: Record<string, unknown> = {};
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return entries; // missing, a symlink (ELOOP), a socket, unreadable: no index
  }
  let text: string;
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > INDEX_MAX_BYTES) return entries;
    const buffer = Buffer.alloc(stats.size + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = (await handle.read(buffer, length, buffer.length - length, length)).bytesRead;
    if (length > INDEX_MAX_BYTES) return entries;
    text = buffer.toString('utf8', 0, length);
  } catch {
    return entries;
  } finally {
    await handle.close();
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return entries;
  }
  if (typeof value !== 'object' || value === null) return entries;
  const { format, version, notes } = value as Record<string, unknown>;
  if (format !== INDEX_FORMAT || version !== INDEX_VERSION || typeof notes !== 'object' || notes === null || Array.isArray(notes)) return entries;
  return notes as Record<string, unknown>;
}

/** Writes the index atomically (fresh temp file, rename over); any failure leaves the old one (or none) and is only logged at debug level. */
async function saveIndex(root: string, entries: Map<string, Entry>, logger: Logger): Promise<void> {
  const file = notesIndexPath(root);
  const notes: Record<string, Entry> = {};
  let bytes = 0;
  for (const [name, entry] of entries) {
    bytes += entry[2] + 100; // the file's size: about what its value takes as JSON
    if (bytes > INDEX_MAX_BYTES / 2) break; // stay well within what loadIndex reads
    notes[name] = entry;
  }
  const temp = `${path.join(root, META_DIR, TEMP_PREFIX)}${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await fs.writeFile(temp, JSON.stringify({ format: INDEX_FORMAT, version: INDEX_VERSION, notes }) + '\n', { flag: 'wx' });
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => {});
    logger.debug(`notes index ${file} not written (listing works without it): ${(err as Error).message}`);
  }
}

function jsonValue(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Temp files of index writers that died: removed when old (a live writer's is seconds old). */
async function removeStaleTemps(root: string, temps: string[]): Promise<void> {
  const now = Date.now();
  for (const name of temps) {
    const file = path.join(root, META_DIR, name);
    const stats = await fs.lstat(file).catch(() => undefined);
    if (stats && !stats.isDirectory() && now - stats.mtimeMs > TEMP_STALE_MS) await fs.rm(file, { force: true }).catch(() => {});
  }
}

/**
 * The notes of these snapshots, as reading each notes file would give them (the same values and warnings), from the
 * index where it is right and from the files where it is not; the index is rewritten when it was stale. The caller
 * has checked that the notes folder is a real folder. `racyMs` is for tests only.
 */
export async function readNotesIndexed(root: string, names: string[], logger: Logger, racyMs = RACY_MS): Promise<Map<string, SnapshotMeta>> {
  const notes = new Map<string, SnapshotMeta>();
  const dir = path.join(root, META_DIR);
  let present: Set<string>;
  try {
    present = new Set(await fs.readdir(dir));
  } catch {
    return notes; // gone or unreadable since the caller looked: no notes, as reading each file would find
  }
  const temps = [...present].filter((n) => n.startsWith(TEMP_PREFIX));
  const index = await loadIndex(notesIndexPath(root));
  const prefix = `${dir}/`;
  const warner = (file: string) => (what: string) => logger.warn(notesWarning(file, what));
  const kept = new Map<string, Entry>();
  const results = new Map<string, SnapshotMeta | undefined>();
  const unread: string[] = [];
  for (let i = 0; i < names.length; i++) {
    if (i && i % LSTAT_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    const name = names[i];
    if (!present.has(`${name}.json`)) continue;
    const file = `${prefix}${name}.json`;
    const entry = Object.hasOwn(index, name) ? index[name] : undefined;
    const stats = isEntry(entry) ? lstatSync(file, { throwIfNoEntry: false }) : undefined;
    if (isEntry(entry) && stats?.isFile() && sameStamp(entry, stats)) {
      kept.set(name, entry);
      results.set(name, entry.length === 6 ? checkNotes(entry[5], warner(file)) : undefined);
    } else unread.push(name);
  }
  const added = new Map<string, Entry>();
  const now = Date.now();
  let next = 0;
  const worker = async () => {
    for (let name = unread[next++]; name !== undefined; name = unread[next++]) {
      const read = await readNotesFile(root, name, logger);
      results.set(name, read?.meta);
      const stamp = read?.stamp;
      if (stamp && stamp.size <= ENTRY_MAX_BYTES && now - Math.max(stamp.mtimeMs, stamp.ctimeMs) >= racyMs) {
        const entry: Entry = [stamp.dev, stamp.ino, stamp.size, stamp.mtimeMs, stamp.ctimeMs];
        const value = jsonValue(read.text);
        if (value !== undefined) entry.push(value.value);
        added.set(name, entry);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, unread.length) }, worker));
  // In the listing's order, as reading each file gave them.
  for (const name of names) {
    const meta = results.get(name);
    if (meta) notes.set(name, meta);
  }
  if (added.size || kept.size !== Object.keys(index).length) await saveIndex(root, new Map([...kept, ...added]), logger);
  if (temps.length) await removeStaleTemps(root, temps);
  return notes;
}
