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

/** Copies read in one go (remote: one ssh call), at most this many files and bytes. */
const BATCH_FILES = 64;
const BATCH_BYTES = 32 * 1024 * 1024;

/** Reads the versions' texts (each at most once, bounded), in batches: walking back from a version reads the older ones with it. */
export class VersionTexts {
  private readonly cache = new Map<number, Promise<VersionText>>();

  constructor(
    private readonly root: BackupRoot,
    private readonly history: FileHistory,
    private readonly signal?: AbortSignal,
  ) {}

  /** Version `index`'s text; when it is not read yet, the older versions before it are read in the same batch. */
  get(index: number): Promise<VersionText> {
    if (!this.cache.has(index))
      this.prefetch(
        Array.from({ length: index + 1 }, (_, i) => index - i),
        1,
      );
    return this.cache.get(index)!;
  }

  /** Reads these versions (in this order, each at most once) in batches; `maxBatches` stops after that many reads. */
  prefetch(indices: number[], maxBatches = Infinity): void {
    let batch: number[] = [];
    let bytes = 0;
    let batches = 0;
    for (const i of indices) {
      if (this.cache.has(i)) continue;
      const version = this.history.versions[i];
      if (version.kind !== 'file') this.cache.set(i, Promise.resolve({ skipped: 'not-a-file' }));
      else if (version.size > MAX_TEXT_BYTES) this.cache.set(i, Promise.resolve({ skipped: 'too-large' }));
      else {
        if (batch.length && (batch.length >= BATCH_FILES || bytes + version.size > BATCH_BYTES)) {
          this.read(batch);
          if (++batches >= maxBatches) return;
          batch = [];
          bytes = 0;
        }
        batch.push(i);
        bytes += version.size;
      }
    }
    if (batch.length) this.read(batch);
  }

  private read(batch: number[]): void {
    const copies = batch.map((i) => ({ snapshot: this.history.versions[i].lastSnapshot, size: this.history.versions[i].size }));
    const all = this.root.versions.readCopies(this.history.relativePath, copies, this.signal);
    batch.forEach((i, k) => {
      const text = all.then((buffers): VersionText => (buffers[k] ? textOf(buffers[k]!) : { skipped: 'missing' }));
      text.catch(() => {}); // read ahead: whoever awaits it gets the error; one nobody awaits is no unhandled rejection
      this.cache.set(i, text);
    });
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
