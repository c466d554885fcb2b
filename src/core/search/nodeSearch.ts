import fs from 'node:fs';
import { createLimiter } from '../util/concurrency';
import { lineText, type Hit } from './hitParser';

/** Files read at once. */
const LIMIT = 8;

/**
 * The search without ripgrep: each file streamed once, line by line, matched with a JS RegExp. A file with a NUL byte
 * is binary and reports nothing (like grep -I).
 */
export class NodeSearch {
  private readonly limit = createLimiter(LIMIT);
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly regex: RegExp,
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
    try {
      for await (const data of fs.createReadStream(file, { highWaterMark: 64 * 1024, signal: this.signal }) as AsyncIterable<Buffer>) {
        if (data.indexOf(0) >= 0) return; // binary: nothing reported (grep -I)
        const chunk = rest ? Buffer.concat([rest, data]) : data;
        let at = 0;
        for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, at)) {
          check(chunk.subarray(at, nl));
          lineNo++;
          at = nl + 1;
        }
        rest = at < chunk.length ? Buffer.from(chunk.subarray(at)) : undefined;
      }
    } catch {
      return; // unreadable, or gone meanwhile: nothing to report (as rg/grep skip it with a message)
    }
    if (rest?.length) check(rest);
    for (const hit of hits) this.onHit(hit);
  }
}
