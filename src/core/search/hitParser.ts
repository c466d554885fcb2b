import { decodeNameBytes } from '../util/nameBytes';

/** One matching line of one searched file. */
export interface Hit {
  /** `SNAPSHOT/REL` as the script gave it to the tool. */
  path: string;
  line: number;
  text: string;
}

/** Longest line text kept (minified files): longer lines are cut here. */
export const MAX_TEXT = 2000;

/** A line's bytes as the text results carry (UTF-8, cut at MAX_TEXT characters): the same for every tool and the working file. */
export function lineText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}
/** ripgrep reports a binary file (searched because it was named) with this line, not a match: dropped, as grep -I would skip it. */
const BINARY_NOTICE = /: binary file matches \(.*\)$/;

const NUL = 0;
const COLON = 58;
const NEWLINE = 10;

/** Reads `PATH\0LINE:TEXT\n` lines (rg --null, grep -Z) as they stream, in any chunking. */
export class HitParser {
  private carry: Buffer | undefined;

  constructor(private readonly onHit: (hit: Hit) => void) {}

  push(data: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, data]) : data;
    this.carry = undefined;
    let at = 0;
    for (;;) {
      const nul = buf.indexOf(NUL, at);
      if (nul < 0) break;
      const colon = buf.indexOf(COLON, nul + 1);
      const newline = buf.indexOf(NEWLINE, nul + 1);
      if (colon < 0 || newline < 0) break;
      let path = buf.subarray(at, nul);
      // Drop rg's binary-file notices (lines without a NUL) that came before this record.
      for (let nl = path.indexOf(NEWLINE); nl >= 0 && BINARY_NOTICE.test(path.toString('latin1', 0, nl)); nl = path.indexOf(NEWLINE)) path = path.subarray(nl + 1);
      const line = Number(buf.toString('latin1', nul + 1, colon));
      const text = lineText(buf.subarray(colon + 1, newline));
      if (Number.isInteger(line) && line > 0) this.onHit({ path: decodeNameBytes(path), line, text });
      at = newline + 1;
    }
    if (at < buf.length) this.carry = Buffer.from(buf.subarray(at));
  }
}
