import fs from 'node:fs/promises';
import { createLimiter } from '../util/concurrency';
import { lineText, type Hit } from './hitParser';

/** Files read at once. */
const LIMIT = 16;
/** Bytes read at a time. */
const CHUNK = 64 * 1024;

/**
 * The search without ripgrep: each file streamed once, line by line, matched with a JS RegExp. A file with a NUL byte
 * is binary and reports nothing (like grep -I).
 */
export class NodeSearch {
  private readonly limit = createLimiter(LIMIT);
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly regex: RegExp,
    /** The query is plain text (no regex): whole chunks are tested before their lines. */
    private readonly plain: boolean,
    private readonly onHit: (hit: Hit) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Queues a file: `file` to open, `path` to name it in hits. */
  add(file: string | Buffer, path: string): void {
    this.pending.push(this.limit(() => this.searchFile(file, path)));
  }

  async done(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async searchFile(file: string | Buffer, path: string): Promise<void> {
    if (this.signal?.aborted) return;
    const hits: Hit[] = [];
    let lineNo = 1;
    let rest: Buffer | undefined;
    const check = (bytes: Buffer) => {
      const text = lineText(bytes);
      if (this.regex.test(text)) hits.push({ path, line: lineNo, text });
    };
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(file, 'r');
      for (;;) {
        const buffer = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
        if (!bytesRead) break;
        const data = buffer.subarray(0, bytesRead);
        if (data.indexOf(0) >= 0) return; // binary: nothing reported (grep -I)
        const chunk = rest ? Buffer.concat([rest, data]) : data;
        const end = chunk.lastIndexOf(10) + 1;
        // Plain text cannot match across a line break: a chunk of whole lines without it has no matching line.
        if (this.plain && end && !this.regex.test(chunk.toString('utf8', 0, end))) lineNo += count(chunk, end);
        else
          for (let at = 0, nl = chunk.indexOf(10); nl >= 0 && nl < end; at = nl + 1, nl = chunk.indexOf(10, at)) {
            check(chunk.subarray(at, nl));
            lineNo++;
          }
        rest = end < chunk.length ? Buffer.from(chunk.subarray(end)) : undefined;
      }
    } catch {
      return; // unreadable, or gone meanwhile: nothing to report (as rg/grep skip it with a message)
    } finally {
      await handle?.close();
    }
    if (rest?.length) check(rest);
    for (const hit of hits) this.onHit(hit);
  }
}

/** Line breaks in the first `end` bytes. */
function count(chunk: Buffer, end: number): number {
  let n = 0;
  for (let nl = chunk.indexOf(10); nl >= 0 && nl < end; nl = chunk.indexOf(10, nl + 1)) n++;
  return n;
}
