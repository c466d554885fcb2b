import fs from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';

/** Paths at least this long (bytes) are reached step by step: PATH_MAX is 4,096 bytes, including /proc/self/fd/N/. */
const SHORT_ENOUGH = 3800;

/**
 * Runs `fn` on a path the kernel accepts for `p`: `p` itself when it is short, else `/proc/self/fd/N/REST`, where N is
 * a directory opened step by step along `p` (each step well under PATH_MAX). The last component is never opened, so
 * lstat and readlink on the result see it as they would on `p`. A restore can write paths longer than PATH_MAX (rsync
 * works relative to the folder it is in); this lets the checks before and after read them too (Linux).
 */
export async function withReachablePath<T>(p: string | Buffer, fn: (reachable: string | Buffer) => Promise<T>): Promise<T> {
  const bytes = Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8');
  if (bytes.length < SHORT_ENOUGH) return fn(p);
  const handles: fs.FileHandle[] = [];
  try {
    let rest = bytes;
    let prefix = Buffer.alloc(0); // '' or /proc/self/fd/N/
    while (prefix.length + rest.length >= SHORT_ENOUGH) {
      // The longest run of whole components that fits, opened as a directory.
      const cut = rest.lastIndexOf(0x2f, SHORT_ENOUGH - prefix.length - 1);
      if (cut <= 0) break; // a single component this long: let the call fail as it would
      const handle = await fs.open(Buffer.concat([prefix, rest.subarray(0, cut)]), constants.O_RDONLY | constants.O_DIRECTORY);
      handles.push(handle);
      prefix = Buffer.from(`/proc/self/fd/${handle.fd}/`);
      rest = rest.subarray(cut + 1);
    }
    return await fn(Buffer.concat([prefix, rest]));
  } finally {
    for (const handle of handles) await handle.close().catch(() => {});
  }
}

/** lstat of any path, however long (see withReachablePath). */
export function lstatLong(p: string | Buffer): Promise<Stats> {
  return withReachablePath(p, (r) => fs.lstat(r));
}

/** readlink of any path, however long. */
export function readlinkLong(p: string | Buffer): Promise<string> {
  return withReachablePath(p, (r) => fs.readlink(r));
}
