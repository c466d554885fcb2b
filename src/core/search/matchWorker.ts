import type * as FsPromises from 'node:fs/promises';
import type * as WorkerThreads from 'node:worker_threads';

/** What the Node search's worker is started with. */
export interface MatchWorkerData {
  source: string;
  flags: string;
  /** The query is plain text: whole chunks of lines are tested before their lines. */
  plain: boolean;
  /** A file with a line longer than this (bytes, without its line break) is skipped. */
  maxLineBytes: number;
  /** Longest line text kept in a hit (hitParser.ts's MAX_TEXT). */
  maxText: number;
  /** Int32Array [tests, file]: `tests` is odd while one regex test runs, `file` the id of the file it reads. */
  state: SharedArrayBuffer;
}

/** main → worker: a file to search (`file` a path, or its bytes for a name that is not UTF-8), or the end of the list. */
export type MatchRequest = { id: number; file: string | Uint8Array } | { end: true };
/** worker → main: a file's matching lines (`[line, text]`), a file skipped for a line over the bound, or all done. */
export type MatchReply = { id: number; hits: [number, string][] } | { id: number; long: true } | { done: true };

/**
 * The worker's whole program, run by `new Worker(MATCH_WORKER, { eval: true })`. It is turned into a string, so it must
 * stay self-contained: nothing from outside this function but its two parameters and globals (the bundles of the
 * CLI and the extension carry no worker file). Each file is streamed once in 64 KiB reads (16 files at once); the
 * pieces of a line that spans reads are kept in a list and joined once; every line is matched whole; a NUL byte
 * means binary (nothing reported, like grep -I).
 */
function matchWorker(threads: typeof WorkerThreads, fs: typeof FsPromises): void {
  const port = threads.parentPort!;
  const { source, flags, plain, maxLineBytes, maxText, state } = threads.workerData as MatchWorkerData;
  const regex = new RegExp(source, flags);
  const progress = new Int32Array(state);
  const CHUNK = 64 * 1024;
  const LIMIT = 16;
  const LONG = 'long';
  let current = -1;
  const test = (id: number, text: string): boolean => {
    if (current !== id) Atomics.store(progress, 1, (current = id));
    Atomics.add(progress, 0, 1);
    const found = regex.test(text);
    Atomics.add(progress, 0, 1);
    return found;
  };

  async function searchFile(id: number, file: string | Uint8Array): Promise<[number, string][] | typeof LONG | undefined> {
    const hits: [number, string][] = [];
    let lineNo = 1;
    let parts: Buffer[] = [];
    let partBytes = 0;
    const check = (bytes: Buffer) => {
      const text = bytes.toString('utf8');
      if (test(id, text)) hits.push([lineNo, text.length > maxText ? text.slice(0, maxText) : text]);
      lineNo++;
    };
    let handle: FsPromises.FileHandle | undefined;
    try {
      handle = await fs.open(typeof file === 'string' ? file : Buffer.from(file), 'r');
      for (;;) {
        // A new buffer for every read: the pieces of a pending line keep pointing into it.
        const buffer = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
        if (!bytesRead) break;
        const data = buffer.subarray(0, bytesRead);
        if (data.indexOf(0) >= 0) return undefined; // binary: nothing reported (grep -I)
        const first = data.indexOf(10);
        if (first < 0) {
          parts.push(data);
          if ((partBytes += data.length) > maxLineBytes) return LONG;
          continue;
        }
        if (partBytes + first > maxLineBytes) return LONG;
        check(parts.length ? Buffer.concat([...parts, data.subarray(0, first)]) : data.subarray(0, first));
        parts = [];
        const start = first + 1;
        const end = data.lastIndexOf(10) + 1;
        // The whole lines of this read. Plain text cannot match across a line break: when the block has no match, none of its lines has.
        const skip = plain && end > start && !test(id, data.toString('utf8', start, end));
        for (let at = start, nl = data.indexOf(10, at); nl >= 0; at = nl + 1, nl = data.indexOf(10, at)) {
          if (nl - at > maxLineBytes) return LONG;
          if (skip) lineNo++;
          else check(data.subarray(at, nl));
        }
        partBytes = data.length - end;
        if (partBytes > maxLineBytes) return LONG;
        if (partBytes) parts.push(data.subarray(end));
      }
    } catch {
      return undefined; // unreadable, or gone meanwhile: nothing to report (as rg/grep skip it with a message)
    } finally {
      await handle?.close();
    }
    if (partBytes) check(Buffer.concat(parts));
    return hits;
  }

  const queue: { id: number; file: string | Uint8Array }[] = [];
  let running = 0;
  let ended = false;
  const pump = () => {
    while (running < LIMIT && queue.length) {
      const { id, file } = queue.shift()!;
      running++;
      void searchFile(id, file).then((found) => {
        running--;
        if (found === LONG) port.postMessage({ id, long: true } satisfies MatchReply);
        else if (found?.length) port.postMessage({ id, hits: found } satisfies MatchReply);
        pump();
      });
    }
    if (ended && !running && !queue.length) port.postMessage({ done: true } satisfies MatchReply);
  };
  port.on('message', (request: MatchRequest) => {
    if ('end' in request) ended = true;
    else queue.push(request);
    pump();
  });
}

/** The worker's source for `new Worker(…, { eval: true })`: works the same from the bundles (dist/cli.js, dist/extension.js) and the tests. */
export const MATCH_WORKER = `(${matchWorker.toString()})(require('node:worker_threads'), require('node:fs/promises'));`;
