import { escapeNameForDisplay, hasEscapedBytes } from '../core/util/nameBytes';

/**
 * Characters a terminal may act on instead of showing: C0 controls (ESC starts colour, title and hyperlink sequences;
 * BEL, CR, backspace, newline), DEL, C1 controls (U+009B is a one-character CSI), the bidi overrides and isolates that
 * reorder what is shown (the "Trojan Source" trick), and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_BLOCK = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves as it is but a terminal may act on. */
const UNSAFE_AFTER_JSON = /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
const hex2 = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** Whether text holds a character a terminal may act on (see UNSAFE), or bytes of a name that is not UTF-8. */
export function needsEscaping(text: string, allowTab = false): boolean {
  return (allowTab ? UNSAFE.test(text.replace(/\t/g, ' ')) : UNSAFE.test(text)) || hasEscapedBytes(text);
}

/** JSON-quoted, every character a terminal may act on written as an escape (\n, \u001b, \u202e…), bad bytes as \xNN. */
export function quoteForTerminal(text: string): string {
  return escapeNameForDisplay(text).replace(UNSAFE_AFTER_JSON, hex4);
}

/**
 * An untrusted value inside a line of text output (a snapshot's label or trigger from its notes, a matching line of a
 * searched file, a reason a remote script gave): as is when harmless, else JSON-quoted with escapes, so it can neither
 * drive the terminal nor forge a line. Tabs are harmless here.
 */
export function displayText(text: string): string {
  return needsEscaping(text, true) ? quoteForTerminal(text) : text;
}

/**
 * The last guard before text reaches the terminal (all CLI text output, errors and log lines): every character a
 * terminal may act on except newline and tab, written as \xNN or \uNNNN. Values are escaped where they are printed
 * (displayName, displayText); this catches any that were not, e.g. a path inside an error message.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_IN_BLOCK, (c) => (c.charCodeAt(0) < 0x100 ? hex2(c) : hex4(c)));
}
