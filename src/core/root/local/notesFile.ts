import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../../util/errors';
import type { Logger } from '../../util/logger';
import { fileKindOf } from '../fileKind';
import { META_DIR } from '../format';
import { NOTES_MAX_BYTES, notesNotAFileWarning, notesTooBigWarning, notesWarning, parseNotes, SnapshotMeta } from '../notes';

export function metaPath(root: string, name: string): string {
  return path.join(root, META_DIR, `${name}.json`);
}

/** What identifies one version of a notes file without reading it (for the notes index): lstat's fields. */
export interface NotesStamp {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** What readNotesFile read: the text of a regular file within the limit, the notes parsed, and the stamp of what was read. */
export interface NotesFileRead {
  meta: SnapshotMeta | undefined;
  text: string;
  /** The fstat of the file read; undefined when its size changed while it was read (the text is not what it says). */
  stamp: NotesStamp | undefined;
}

/**
 * readMeta's reading, with the text and the fstat of the file read (for the notes index): undefined when there is no
 * regular file within the limit to read (warned as readMeta warns).
 */
export async function readNotesFile(root: string, name: string, logger: Logger): Promise<NotesFileRead | undefined> {
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
    const text = buffer.toString('utf8', 0, length);
    const { dev, ino, size, mtimeMs, ctimeMs } = stats;
    return { meta: parseNotes(text, (what) => logger.warn(notesWarning(file, what))), text, stamp: length === size ? { dev, ino, size, mtimeMs, ctimeMs } : undefined };
  } catch {
    return undefined; // e.g. EIO: no notes, as before
  } finally {
    await handle.close();
  }
}
