import { SnapshotError } from '../../util/errors';

/**
 * A busy ssh server turns connections away before any login: sshd's `MaxStartups` (default 10:30:100) drops new
 * connections while more than 10 are still unauthenticated, as when a team's cron jobs all start at 02:00. ssh then
 * exits 255 saying `kex_exchange_identification: Connection closed by remote host` or `…: read: Connection reset by
 * peer` — the server never even sent its banner, so nothing ran on the host and trying again is safe. Nothing else is
 * retried: a refused port, a failed login or a host key problem fail at once.
 */
export function refusedBeforeLogin(stderr: string): boolean {
  return /\b(?:kex|ssh)_exchange_identification: /.test(stderr) && !/Permission denied|Host key|host key|REMOTE HOST IDENTIFICATION/.test(stderr);
}

export interface ConnectRetryPolicy {
  /** How many times a turned-away connection is tried again (0: never). */
  retries: number;
  /** The first pause; each further one doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 7 retries: pauses of about 0.5, 1, 2, 4, 8, 8, 8 s (each between half and all of that): at most ~32 s in all. */
export const DEFAULT_CONNECT_RETRY: ConnectRetryPolicy = { retries: 7, baseDelayMs: 500, maxDelayMs: 8000 };

/** The pause before retry number `retry` (1-based): exponential, capped, with "equal jitter" so clients turned away together spread out. */
export function retryDelayMs(retry: number, policy: ConnectRetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Waits `ms`, or throws CANCELLED as soon as the signal aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new SnapshotError('CANCELLED', 'Cancelled while waiting to reconnect to the ssh server.');
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
