import { SnapshotError } from '../util/errors';

/** The longest randomized delay: a day (a daily job that waits longer would overlap the next day's run). */
const MAX_DELAY_SECONDS = 86_400;

/** "15m", "900", "900s", "1h", "90m": seconds. A clear message for anything else. */
export function parseDelay(text: string): number {
  const m = /^\s*(\d+)\s*(s|m|h)?\s*$/i.exec(text);
  if (!m) throw new SnapshotError('BAD_INPUT', `Cannot read the delay "${text}": write it as seconds or with a unit, e.g. 900, 15m or 1h.`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h'];
  if (seconds > MAX_DELAY_SECONDS) throw new SnapshotError('BAD_INPUT', `A delay of "${text}" is longer than a day: use at most 24h.`);
  return seconds;
}

/**
 * A POSIX sh command (for cron's /bin/sh, which is often dash: no $RANDOM) that sleeps a random whole number of
 * seconds in [0, seconds): 16 random bits from /dev/urandom (od), reduced in $((…)). Every client draws its own
 * number, even when all start in the same second (a time-seeded awk rand() would give them all the same delay).
 */
export function randomSleepCommand(seconds: number): string {
  return `sleep $(( $(od -An -N4 -tu4 /dev/urandom) % ${Math.max(1, Math.floor(seconds))} ))`;
}
