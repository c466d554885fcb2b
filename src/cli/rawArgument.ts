import fs from 'node:fs';
import { decodeNameBytes } from '../core/util/nameBytes';

const collapse = (s: string) => s.replace(/\ufffd+/g, '\ufffd');

/**
 * Node decodes argv as UTF-8 and turns bytes that are not UTF-8 into U+FFFD: a name like $'\xff\xfe' arrives as "��",
 * which names no file. On Linux the exact bytes are in /proc/self/cmdline: an argument holding U+FFFD becomes the one
 * argument there that decodes to it, in the lossless text form of util/nameBytes (its bad bytes kept). Unchanged when
 * there is none, or when several different ones would fit.
 */
export function rawArgument(arg: string): string {
  if (!arg.includes('\ufffd')) return arg;
  let cmdline: Buffer;
  try {
    cmdline = fs.readFileSync('/proc/self/cmdline');
  } catch {
    return arg;
  }
  const matches = new Set<string>();
  let start = 0;
  for (let end = cmdline.indexOf(0); end >= 0; start = end + 1, end = cmdline.indexOf(0, start)) {
    const raw = cmdline.subarray(start, end);
    if (collapse(raw.toString('utf8')) === collapse(arg)) matches.add(decodeNameBytes(raw));
  }
  return matches.size === 1 ? [...matches][0] : arg;
}
