import execa from 'execa';
import { finished } from 'node:stream/promises';

export type { ExecaChildProcess } from 'execa';

/** With `reject: false` a failed run resolves to the execa error: its message, and Node's `code` (e.g. ENOENT) when the process could not start. */
export function failureOf(result: execa.ExecaReturnBase<unknown>): { message: string; originalMessage?: string; code?: string } {
  const err = result as Partial<execa.ExecaError<unknown>> & { code?: unknown };
  return { message: err.message ?? err.shortMessage ?? 'failed', originalMessage: err.originalMessage, code: typeof err.code === 'string' ? err.code : undefined };
}

export interface RunOptions<E extends string | null = string> extends execa.Options<E> {
  /** Aborting kills the process (SIGTERM, then SIGKILL after forceKillAfterMs); the run still waits for it to exit. */
  signal?: AbortSignal;
  /** Delay before SIGKILL after an abort's SIGTERM (default 2000 ms). */
  forceKillAfterMs?: number;
}

/**
 * execa (v5) with the behaviours we relied on from execa 9:
 * - an AbortSignal: on abort the child gets SIGTERM, then SIGKILL after forceKillAfterMs, and the run resolves
 *   once the child has exited (callers tell a cancel by `signal.aborted`; execa 5 has no signal option of its own —
 *   Node's spawn `signal` would settle the run on the AbortError before the child is gone);
 * - EPIPE on the child's stdin is not a failure (the child exited or stopped reading before taking all of `input`):
 *   the run reports the child's own exit instead of "could not be started";
 * - with `buffer: false` the run resolves only once stdout and stderr have ended, so a caller reading them as they
 *   stream has seen every byte (execa 5 resolves on the exit event alone, which can come before the last data).
 *   Such a caller must consume both streams.
 */
export function run(file: string, args: readonly string[], options?: RunOptions<string>): execa.ExecaChildProcess<string>;
export function run(file: string, args: readonly string[], options: RunOptions<null>): execa.ExecaChildProcess<Buffer>;
export function run(file: string, args: readonly string[], options: RunOptions<string | null> = {}): execa.ExecaChildProcess<string | Buffer> {
  const { signal, forceKillAfterMs = 2000, ...execaOptions } = options;
  const child = execa(file, args, execaOptions as execa.Options<string>) as execa.ExecaChildProcess<string | Buffer>;
  const stdin = child.stdin;
  if (stdin) {
    const handlers = stdin.listeners('error') as ((err: Error) => void)[];
    stdin.removeAllListeners('error');
    stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err?.code === 'EPIPE') return;
      for (const handler of handlers) handler.call(stdin, err);
    });
  }
  if (signal) {
    const onAbort = () => {
      child.kill('SIGTERM', { forceKillAfterTimeout: forceKillAfterMs });
    };
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('exit', () => signal.removeEventListener('abort', onAbort));
      child.on('error', () => signal.removeEventListener('abort', onAbort));
    }
  }
  if (execaOptions.buffer === false) {
    const exited: Promise<execa.ExecaReturnValue<string | Buffer>> = child.then((result) => result);
    const streams = [child.stdout, child.stderr].filter((s): s is NonNullable<typeof s> => Boolean(s));
    const drained = (async () => {
      const result = await exited;
      await Promise.all(streams.map((stream) => finished(stream).catch(() => undefined)));
      return result;
    })();
    for (const key of ['then', 'catch', 'finally'] as const) {
      Object.defineProperty(child, key, { value: drained[key].bind(drained), configurable: true, writable: true });
    }
  }
  return child;
}
