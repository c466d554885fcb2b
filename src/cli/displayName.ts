import { needsEscaping, quoteForTerminal } from './terminalText';

/**
 * A path for a terminal line: as is when harmless, JSON-quoted when it holds control characters (newline, escape…),
 * bidi overrides, leading/trailing spaces or bytes that are not UTF-8 (shown as \xNN).
 */
export function displayName(name: string): string {
  return needsEscaping(name) || /^\s|\s$/.test(name) ? quoteForTerminal(name) : name;
}

/** Local "YYYY-MM-DD HH:MM:SS" for people. */
export function formatLocalTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
