/**
 * File names are bytes; ours are strings (JSON, webview, CLI). A name that is not valid UTF-8 is carried losslessly as
 * text the way Python's "surrogateescape" does: each byte of an invalid sequence (always ≥ 0x80) becomes the lone
 * surrogate U+DC80–U+DCFF, which valid UTF-8 never decodes to. nameBytes() turns such a string back into the exact
 * bytes, fsPath() gives what fs calls need, and escapeNameForDisplay() shows the bytes as \xNN.
 */

const strict = new TextDecoder('utf-8', { fatal: true });
const LONE = /[\udc80-\udcff]/;

/** Bytes → text, lossless: valid UTF-8 as is, every byte of an invalid sequence as U+DC80+byte−0x80. */
export function decodeNameBytes(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const lead = bytes[i];
      const len = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
      let char: string | undefined;
      if (len && i + len <= bytes.length) {
        try {
          char = strict.decode(bytes.subarray(i, i + len));
        } catch {
          char = undefined;
        }
      }
      if (char !== undefined) {
        out += char;
        i += len;
      } else {
        out += String.fromCharCode(0xdc00 + lead);
        i += 1;
      }
    }
    return out;
  }
}

/** Text → the name's bytes (inverse of decodeNameBytes). */
export function nameBytes(name: string): Buffer {
  if (!LONE.test(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.from([code - 0xdc00]));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** A path for fs calls: itself, or its exact bytes when it carries escaped bytes of a name that is not UTF-8. */
export function fsPath(p: string): string | Buffer {
  return LONE.test(p) ? nameBytes(p) : p;
}

/** True when the text carries bytes of a name that is not valid UTF-8. */
export function hasEscapedBytes(name: string): boolean {
  return LONE.test(name);
}

/** The name with escaped bytes shown as \xNN (unquoted, for labels in the editor). */
export function showBytes(name: string): string {
  return name.replace(/[\udc80-\udcff]/g, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16)}`);
}

/** JSON-quoted text (for names that need quoting) with escaped bytes shown as \xNN instead of \udcNN. */
export function escapeNameForDisplay(name: string): string {
  return JSON.stringify(name).replace(/(?<!\\)((?:\\\\)*)\\udc([89a-f][0-9a-f])/g, '$1\\x$2');
}
