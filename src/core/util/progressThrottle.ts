import type { RsyncProgress } from './rsync';

/**
 * Passes an rsync progress update on when its percentage moved or `intervalMs` went by since the last one passed.
 * rsync prints a progress line per file (100,000 in a big first snapshot); each one shown is a message to the
 * editor's window. Updates still arrive at least every `intervalMs` while rsync reports.
 */
export function throttleProgress(report: (progress: RsyncProgress) => void, intervalMs = 200, now: () => number = Date.now): (progress: RsyncProgress) => void {
  let lastAt = -Infinity;
  let lastPercent: number | undefined;
  return (progress) => {
    const at = now();
    if (progress.percent === lastPercent && at - lastAt < intervalMs) return;
    lastAt = at;
    lastPercent = progress.percent;
    report(progress);
  };
}
