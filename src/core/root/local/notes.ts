import fs from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotNotes } from '../backupRoot';
import { errnoCode, SnapshotError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import { fileKindOf } from '../fileKind';
import { isSnapshotName, META_DIR } from '../format';
import type { RootListing } from '../listing';
import { metaPath, readNotesFile } from './notesFile';
import { readNotesIndexed } from './notesIndex';
import { notesFolderWarning, notesNotWritable, SnapshotMeta } from '../notes';

export { metaPath };

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

/** Removes a deleted snapshot's notes and its change set (rm of the entries themselves: a symlink there is not followed). */
export async function removeSnapshotMeta(root: string, name: string): Promise<void> {
  await fs.rm(metaPath(root, name), { force: true });
  await fs.rm(path.join(root, META_DIR, `${name}.changes`), { force: true });
}

/**
 * The notes of one snapshot, or undefined: opened without following a symlink and without blocking (a FIFO), read only
 * when a regular file of at most NOTES_MAX_BYTES; anything else counts as no notes, with a warning.
 */
async function readMeta(root: string, name: string, logger: Logger): Promise<SnapshotMeta | undefined> {
  return (await readNotesFile(root, name, logger))?.meta;
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
    /** The listing and the notes: from the notes index where it matches the notes files, from the files where not. */
    async readAll() {
      const listing = await list();
      const readable = await notesFolderReadable(root, logger);
      const notes = readable
        ? await readNotesIndexed(
            root,
            listing.snapshots.map((s) => s.name),
            logger,
          )
        : new Map<string, SnapshotMeta>();
      return { listing, notes };
    },
  };
}
