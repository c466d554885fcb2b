import { escapeNameForDisplay, hasEscapedBytes } from '../core/util/nameBytes';

/**
 * A path for a terminal line: as is when harmless, JSON-quoted when it holds control characters (newline, escape…),
 * leading/trailing spaces or bytes that are not UTF-8 (shown as \xNN).
 */
export function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x1f\x7f]|^\s|\s$/.test(name) || hasEscapedBytes(name) ? escapeNameForDisplay(name) : name;
}

/** Local "YYYY-MM-DD HH:MM:SS" for people. */
export function formatLocalTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
