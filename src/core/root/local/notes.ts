import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotNotes } from '../backupRoot';
import { errnoCode, SnapshotError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import { fileKindOf } from '../fileKind';
import { isSnapshotName, META_DIR } from '../format';
import type { RootListing } from '../listing';
import { NOTES_MAX_BYTES, notesFolderWarning, notesNotAFileWarning, notesNotWritable, notesTooBigWarning, notesWarning, parseNotes, SnapshotMeta } from '../notes';

export function metaPath(root: string, name: string): string {
  return path.join(root, META_DIR, `${name}.json`);
}

/**
 * Writes the notes under a temp name, created fresh (O_EXCL: never through a symlink left there), and renames it over
 * the old notes (a rename replaces a symlink, it does not follow it). A notes folder that is not a real folder, or a
 * folder where the notes belong, is refused with what to do.
 */
export async function writeSnapshotMeta(root: string, name: string, meta: SnapshotMeta): Promise<void> {
  const dir = path.join(root, META_DIR);
  await fs.mkdir(dir, { recursive: true });
  const dirStats = await fs.lstat(dir);
  if (!dirStats.isDirectory()) throw notesNotWritable(dir, fileKindOf(dirStats));
  const file = metaPath(root, name);
  const existing = await fs.lstat(file).catch(() => undefined);
  if (existing?.isDirectory()) throw notesNotWritable(file, 'folder');
  const temp = `${file}.tmp`;
  try {
    await fs.rm(temp, { force: true, recursive: true }); // a leftover (even a symlink) goes; it is ours, by its name
    await fs.writeFile(temp, JSON.stringify(meta, null, 2) + '\n', { flag: 'wx' });
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => {}); // e.g. a full disk: no half-written notes stay behind
    if (errnoCode(err) === 'EISDIR' || errnoCode(err) === 'ENOTEMPTY') throw notesNotWritable(file, 'folder'); // made a folder meanwhile
    throw err;
  }
}

export async function removeSnapshotMeta(root: string, name: string): Promise<void> {
  await fs.rm(metaPath(root, name), { force: true });
}

/**
 * The notes of one snapshot, or undefined: opened without following a symlink and without blocking (a FIFO), read only
 * when a regular file of at most NOTES_MAX_BYTES; anything else counts as no notes, with a warning.
 */
async function readMeta(root: string, name: string, logger: Logger): Promise<SnapshotMeta | undefined> {
  const file = metaPath(root, name);
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    // ELOOP: a symlink; ENXIO: a socket; anything else (e.g. EACCES) counts as no notes, as it always did.
    const stats = await fs.lstat(file).catch(() => undefined);
    if (stats && !stats.isFile()) logger.warn(notesNotAFileWarning(file, fileKindOf(stats)));
    return undefined;
  }
  try {
    const stats = await handle.stat();
    const kind = fileKindOf(stats);
    if (kind !== 'file') {
      logger.warn(notesNotAFileWarning(file, kind));
      return undefined;
    }
    if (stats.size > NOTES_MAX_BYTES) {
      logger.warn(notesTooBigWarning(file, stats.size));
      return undefined;
    }
    // Never more than its size said (and so the limit) plus one byte, even if the file grows while we read it.
    const buffer = Buffer.alloc(stats.size + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = (await handle.read(buffer, length, buffer.length - length, length)).bytesRead;
    if (length > NOTES_MAX_BYTES) {
      logger.warn(notesTooBigWarning(file, undefined));
      return undefined;
    }
    return parseNotes(buffer.toString('utf8', 0, length), (what) => logger.warn(notesWarning(file, what)));
  } catch {
    return undefined; // e.g. EIO: no notes, as before
  } finally {
    await handle.close();
  }
}

/** The notes folder is read only when it is a real folder of the root, never through a symlink to elsewhere. */
async function notesFolderReadable(root: string, logger: Logger): Promise<boolean> {
  const dir = path.join(root, META_DIR);
  const stats = await fs.lstat(dir).catch(() => undefined);
  if (!stats || stats.isDirectory()) return stats !== undefined;
  logger.warn(notesFolderWarning(dir, fileKindOf(stats)));
  return false;
}

export function localNotes(root: string, list: () => Promise<RootListing>, logger: Logger): SnapshotNotes {
  return {
    read: async (name) => ((await notesFolderReadable(root, logger)) ? readMeta(root, name, logger) : undefined),
    async write(name, meta) {
      if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `${name} is not a snapshot name: no notes written.`);
      await writeSnapshotMeta(root, name, meta);
    },
    async readAll() {
      const listing = await list();
      const notes = new Map<string, SnapshotMeta>();
      if (await notesFolderReadable(root, logger))
        await Promise.all(
          listing.snapshots.map(async (s) => {
            const meta = await readMeta(root, s.name, logger);
            if (meta) notes.set(s.name, meta);
          }),
        );
      return { listing, notes };
    },
  };
}
