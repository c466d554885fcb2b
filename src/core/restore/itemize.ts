import { SnapshotError } from '../util/errors';
import { decodeNameBytes } from '../util/nameBytes';

/**
 * Parser for `rsync --itemize-changes --out-format='%i %n'` output, run with LC_ALL=C.
 *
 * Why this is exact for any file name: rsync escapes every control character (newline, CR, …, but never tab)
 * and — without `-8` — every byte that is not printable in the current locale as `\#ooo` (backslash, hash,
 * exactly three octal digits). A literal backslash is escaped (as `\#134`) only when followed by `#` and three
 * digits, so decoding `\#ooo` back to the byte is unambiguous. With LC_ALL=C every byte ≥ 0x80 is escaped too,
 * so a line is plain ASCII plus tabs, one item per line, whatever the name contains. `%L` (" -> target") is
 * deliberately not used: a name containing " -> " would make it ambiguous; link targets are read from the
 * snapshot instead.
 */
export const ITEMIZE_OUT_FORMAT = '%i %n';

/** The environment rsync runs with so that every non-ASCII byte of a name is escaped. */
export const ITEMIZE_ENV: NodeJS.ProcessEnv = { LC_ALL: 'C' };

export type ItemizedType = 'file' | 'dir' | 'symlink' | 'device' | 'special';

export interface ItemizedLine {
  /** The 11-character %i code, e.g. `>f.st......` or `*deleting  `. */
  code: string;
  /**
   * Decoded name, relative to the transfer root, without the trailing `/` rsync puts on directories; `.` for the root.
   * Bytes of a name that is not UTF-8 are kept as lone surrogates (see nameBytes.ts): use fsPath()/nameBytes() for fs and rsync.
   */
  name: string;
  deleting: boolean;
  /** What the item is (for deletions: `dir` when rsync printed a trailing `/`, else `file`). */
  type: ItemizedType;
  /** Every attribute position shows `+`: the item does not exist on the receiving side yet. */
  isNew: boolean;
  changes: ItemChanges;
}

export interface ItemChanges {
  /** Checksum differs (regular files with --checksum) or, for a symlink, the link's target differs. */
  checksum?: true;
  size?: true;
  time?: true;
  perms?: true;
  owner?: true;
  group?: true;
}

export interface ItemizeOutput {
  items: ItemizedLine[];
  /** Other lines rsync printed on stdout (e.g. "cannot delete non-empty directory: x"), decoded. */
  messages: string[];
}

const TYPE_BY_LETTER: Record<string, ItemizedType> = { f: 'file', d: 'dir', L: 'symlink', D: 'device', S: 'special' };
const ITEM_LINE = /^(\*deleting {2}|[<>ch.][fdLDS][.+ ?a-zA-Z]{9}) (.*)$/s;
const ESCAPE = /\\#([0-7]{3})/g;

/** Decodes rsync's `\#ooo` escapes back into the name's bytes, then UTF-8. Throws for names that are not valid UTF-8. */
export function decodeRsyncName(escaped: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(rsyncNameBytes(escaped));
  } catch {
    throw new SnapshotError('BAD_INPUT', `A file name is not valid UTF-8 (${escaped}): rename it, or restore it with rsync directly.`);
  }
}

/**
 * Decodes rsync's `\#ooo` escapes back into the name's bytes, losslessly: a name that is not valid UTF-8 keeps its
 * bad bytes as escaped text (see nameBytes.ts), so it can be shown, listed and handed back to rsync byte for byte.
 */
export function decodeRsyncNameLossless(escaped: string): string {
  return decodeNameBytes(rsyncNameBytes(escaped));
}

function rsyncNameBytes(escaped: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of escaped.matchAll(ESCAPE)) {
    if (m.index > last) parts.push(Buffer.from(escaped.slice(last, m.index), 'utf8'));
    parts.push(Buffer.from([parseInt(m[1], 8)]));
    last = m.index + m[0].length;
  }
  if (last < escaped.length) parts.push(Buffer.from(escaped.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** One stdout line → an item, or undefined when the line is not an itemized change. */
export function parseItemizeLine(line: string): ItemizedLine | undefined {
  const m = ITEM_LINE.exec(line);
  if (!m) return undefined;
  const code = m[1];
  let name = decodeRsyncNameLossless(m[2]);
  const deleting = code.startsWith('*deleting');
  const endsWithSlash = name.endsWith('/');
  if (endsWithSlash) name = name.slice(0, -1);
  if (name === '' || name === '.') name = '.';
  if (deleting) return { code, name, deleting, type: endsWithSlash ? 'dir' : 'file', isNew: false, changes: {} };
  const type = TYPE_BY_LETTER[code[1]];
  const attrs = code.slice(2);
  const isNew = /^\++$/.test(attrs);
  const changes: ItemChanges = {};
  if (!isNew) {
    if (attrs[0] === 'c') changes.checksum = true;
    if (attrs[1] === 's') changes.size = true;
    if (attrs[2] === 't' || attrs[2] === 'T') changes.time = true;
    if (attrs[3] === 'p') changes.perms = true;
    if (attrs[4] === 'o') changes.owner = true;
    if (attrs[5] === 'g') changes.group = true;
  }
  return { code, name, deleting, type, isNew, changes };
}

/** Parses a whole stdout (lines separated by `\n`; names never contain a raw newline because rsync escapes it). */
export function parseItemizeOutput(stdout: string): ItemizeOutput {
  const items: ItemizedLine[] = [];
  const messages: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line) continue;
    const item = parseItemizeLine(line);
    if (item) items.push(item);
    else messages.push(line.replace(ESCAPE, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return { items, messages };
}
