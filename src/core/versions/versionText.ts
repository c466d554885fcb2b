import fs from 'node:fs/promises';
import type { BackupRoot } from '../root/backupRoot';
import { errnoCode } from '../util/errors';
import { splitLines } from './lineDiff';
import type { FileHistory } from './types';

/** Text larger than this is not diffed line by line (counts and selection history say so instead). */
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;

/** A version's lines, or why there are none: not a text file (a NUL byte in the first 8 KiB, as git decides), too large, not a file. */
export type VersionText = { lines: string[] } | { skipped: 'binary' | 'too-large' | 'not-a-file' | 'missing' };

/** Pure: the lines of these bytes, or 'binary' / 'too-large'. */
export function textOf(bytes: Buffer): VersionText {
  if (bytes.length > MAX_TEXT_BYTES) return { skipped: 'too-large' };
  if (bytes.subarray(0, 8192).includes(0)) return { skipped: 'binary' };
  return { lines: splitLines(bytes.toString('utf8')) };
}

/** Reads the versions' texts (each at most once, bounded) from the root. */
export class VersionTexts {
  private readonly cache = new Map<number, Promise<VersionText>>();

  constructor(
    private readonly root: BackupRoot,
    private readonly history: FileHistory,
    private readonly signal?: AbortSignal,
  ) {}

  get(index: number): Promise<VersionText> {
    let text = this.cache.get(index);
    if (!text) {
      text = this.read(index);
      this.cache.set(index, text);
    }
    return text;
  }

  private async read(index: number): Promise<VersionText> {
    const version = this.history.versions[index];
    if (version.kind !== 'file') return { skipped: 'not-a-file' };
    if (version.size > MAX_TEXT_BYTES) return { skipped: 'too-large' };
    return textOf(await this.root.files.read(version.lastSnapshot, this.history.relativePath, this.signal, MAX_TEXT_BYTES + 1));
  }
}

/** The working file's text (on this machine), bounded like a version's. */
export async function workingText(file: string): Promise<VersionText> {
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile()) return { skipped: 'not-a-file' };
    if (stat.size > MAX_TEXT_BYTES) return { skipped: 'too-large' };
    return textOf(await fs.readFile(file));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return { skipped: 'missing' };
    throw err;
  }
}
