import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { FIND_RECORDS, readFindRecord } from '../../changes/findListing';
import { ListedEntry, listingSide, TreeSide } from '../../changes/treeDiff';

/**
 * A local folder listed by one GNU `find -printf` process (streamed, parsed here) instead of one lstat per entry from
 * JavaScript: the same records as a remote listing, the same rules in diffTrees. Undefined when find is missing,
 * lacks -printf (BSD) or reports any problem (a folder it could not read at the top, an entry that vanished): the
 * caller then walks the folder with readdir + lstat, which says what went wrong.
 */
export async function findTree(dir: string, signal?: AbortSignal): Promise<TreeSide | undefined> {
  const entries = await findEntries(dir, signal);
  return entries && listingSide(entries);
}

/** findTree's listing itself: relative path (latin1 text of its bytes) → entry; undefined as for findTree. */
export async function findEntries(dir: string, signal?: AbortSignal): Promise<Map<string, ListedEntry> | undefined> {
  const output = await runFind(dir, signal);
  if (!output) return undefined;
  const entries = new Map<string, ListedEntry>();
  const fields = output.toString('latin1').split('\0'); // one char per byte: names survive byte for byte
  let at = 0;
  const text = () => {
    if (at >= fields.length - 1) throw new Error('findTree: truncated find output');
    return fields[at++];
  };
  const devices: string[] = [];
  while (at < fields.length - 1) {
    const type = text();
    const [rel, entry] = readFindRecord(type, text);
    entries.set(rel, entry);
    if (type === 'b' || type === 'c') devices.push(rel);
  }
  // Device numbers are not in find's -printf: the (rare) block and char devices get a real lstat.
  for (const rel of devices) {
    const stat = await fs.lstat(Buffer.concat([Buffer.from(dir), Buffer.from('/'), Buffer.from(rel, 'latin1')]), { bigint: true }).catch(() => undefined);
    if (!stat) return undefined;
    entries.set(rel, { stat });
  }
  return entries;
}

/** find's whole output, or undefined when it cannot run or exits with an error. */
function runFind(dir: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const child = spawn('find', ['-H', dir, ...FIND_RECORDS], { stdio: ['ignore', 'pipe', 'ignore'], signal });
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', () => resolve(undefined)); // cancelled too: the caller's walk then reports the cancel
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(chunks) : undefined));
  });
}
