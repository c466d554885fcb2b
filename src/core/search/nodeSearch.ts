import { Worker } from 'node:worker_threads';
import { SnapshotError } from '../util/errors';
import { MAX_TEXT, type Hit } from './hitParser';
import { MATCH_WORKER, type MatchReply, type MatchRequest, type MatchWorkerData } from './matchWorker';

export interface NodeSearchOptions {
  regex: RegExp;
  /** The query is plain text (no regex): whole chunks are tested before their lines. */
  plain: boolean;
  /** A file with a line longer than this (bytes) is skipped: `onLong` names it. */
  maxLineBytes: number;
  /** The longest one line's match may take before the search stops with an error. */
  timeoutMs: number;
  onHit: (hit: Hit) => void;
  onLong: (path: string) => void;
  /** Called once when the search stops on a timeout (done() then throws it). */
  onFail: () => void;
  signal?: AbortSignal;
}

/**
 * The search without ripgrep: one worker thread streams each file once and matches every whole line with a JS RegExp
 * (matchWorker.ts). A JS RegExp can backtrack for ages, so this thread watches the worker's count of regex tests:
 * one test running longer than `timeoutMs` ends the worker (terminate() stops even a running regex) and the search
 * with a BAD_INPUT saying what to do.
 */
export class NodeSearch {
  private readonly worker: Worker;
  private readonly progress = new Int32Array(new SharedArrayBuffer(8));
  private readonly paths: string[] = [];
  private readonly finished: Promise<void>;
  private failure: Error | undefined;

  constructor(private readonly options: NodeSearchOptions) {
    const { regex, plain, maxLineBytes, signal } = options;
    const workerData: MatchWorkerData = { source: regex.source, flags: regex.flags, plain, maxLineBytes, maxText: MAX_TEXT, state: this.progress.buffer as SharedArrayBuffer };
    this.worker = new Worker(MATCH_WORKER, { eval: true, workerData });
    this.finished = new Promise<void>((resolve) => {
      // A test that is still the same odd count after timeoutMs has run at least that long.
      let seen = -1;
      let since = Date.now();
      const watch = setInterval(
        () => {
          const tests = Atomics.load(this.progress, 0);
          const now = Date.now();
          if (tests !== seen) [seen, since] = [tests, now];
          else if (tests % 2 && now - since >= options.timeoutMs) stop(this.timeout(this.paths[Atomics.load(this.progress, 1)]));
        },
        Math.max(10, Math.min(250, options.timeoutMs / 5)),
      );
      const stop = (failure?: Error) => {
        clearInterval(watch);
        signal?.removeEventListener('abort', onAbort);
        if (failure && !this.failure) {
          this.failure = failure;
          options.onFail();
        }
        void this.worker.terminate();
        resolve();
      };
      const onAbort = () => stop();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.on('message', (reply: MatchReply) => {
        if ('done' in reply) return stop();
        const path = this.paths[reply.id];
        if ('long' in reply) return options.onLong(path);
        for (const [line, text] of reply.hits) options.onHit({ path, line, text });
      });
      this.worker.once('error', (err) => stop(new SnapshotError('BAD_INPUT', `The search failed: ${err.message}. Search with ripgrep instead (install it: "sudo apt-get install ripgrep").`)));
      this.worker.once('exit', () => stop());
      if (signal?.aborted) stop();
    });
  }

  /** Queues a file: `file` to open, `path` to name it in hits. */
  add(file: string | Buffer, path: string): void {
    if (this.failure) return;
    const id = this.paths.push(path) - 1;
    this.worker.postMessage({ id, file } satisfies MatchRequest);
  }

  /** Waits for every queued file; throws the timeout, if one stopped the search. */
  async done(): Promise<void> {
    this.worker.postMessage({ end: true } satisfies MatchRequest);
    await this.finished;
    if (this.failure) throw this.failure;
  }

  private timeout(path: string | undefined): SnapshotError {
    const seconds = this.options.timeoutMs / 1000;
    return new SnapshotError(
      'BAD_INPUT',
      `The regular expression took longer than ${seconds} s on one line${path ? ` of ${path}` : ''}: simplify it, or install ripgrep ("sudo apt-get install ripgrep"; macOS: "brew install ripgrep"), whose engine is linear.`,
    );
  }
}
