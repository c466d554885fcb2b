import type { BigIntStats } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../../util/errors';
import { sameContent } from '../../util/fileCompare';
import type { VersionCopy } from '../../versions/types';
import type { VersionsAccess } from '../backupRoot';
import type { Snapshot } from '../listing';
import { listLocal } from './list';

/** lstat calls (or small reads) between two yields to the event loop: each batch takes about a millisecond. */
const BATCH = 256;
/** Copies up to this size are read whole (once each, the previous one kept); larger ones are streamed pair by pair. */
const READ_WHOLE_BYTES = 1024 * 1024;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new SnapshotError('CANCELLED', 'Listing versions cancelled.');
}

/**
 * A path's copies in a local root. The lstat calls are synchronous, in batches that yield to the event loop: for
 * thousands of snapshots one promise per lstat costs far more than the lstat itself. Content is compared only for
 * consecutive copies of the same size on different inodes; small copies are read once each (the previous one kept),
 * larger ones streamed.
 */
export function localVersions(root: string): VersionsAccess {
  return {
    sameMachine: true,
    async scan(rel, signal) {
      const listing = await listLocal(root);
      const segments = rel.split('/');
      const parents = segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
      const unreadable: string[] = [];
      const copies: (VersionCopy | undefined)[] = [];
      for (let i = 0; i < listing.snapshots.length; i++) {
        if (i % BATCH === BATCH - 1) {
          checkAborted(signal);
          await yieldToLoop();
        }
        copies.push(lstatCopy(listing.snapshots[i], rel, parents, unreadable));
      }
      return { listing, copies, unreadable };
    },
    async sameContent(_rel, pairs, signal) {
      const results: boolean[] = [];
      let cached: { path: string; bytes: Buffer } | undefined;
      const read = (copy: VersionCopy): Buffer => {
        if (cached?.path !== copy.path) cached = { path: copy.path, bytes: fs.readFileSync(copy.path) };
        return cached.bytes;
      };
      for (let k = 0; k < pairs.length; k++) {
        if (k % BATCH === BATCH - 1) {
          checkAborted(signal);
          await yieldToLoop();
        }
        const [a, b] = pairs[k];
        if (a.stat.size > READ_WHOLE_BYTES) {
          results.push(await sameContent(a.path, b.path));
          continue;
        }
        const older = read(a);
        results.push(older.equals(read(b)));
      }
      return results;
    },
    sameAsLocalFile: (_rel, copy, localFile) => sameContent(copy.path, localFile),
    readCopies: (rel, copies) =>
      Promise.all(
        copies.map(({ snapshot }) =>
          fs.promises.readFile(path.resolve(root, snapshot, rel)).catch((err) => {
            if (['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EISDIR'].includes(errnoCode(err) ?? '')) return undefined;
            throw err;
          }),
        ),
      ),
  };
}

function lstatCopy(snapshot: Snapshot, rel: string, parents: string[], unreadable: string[]): VersionCopy | undefined {
  const file = path.join(snapshot.path, rel);
  const stat = lstatOrError(file);
  if (stat === 'EACCES') unreadable.push(snapshot.name);
  if (typeof stat === 'string') return undefined;
  // lstat follows symlinked parent folders: each parent must be a real folder, else the copy lies outside the snapshot.
  for (const parent of parents) {
    const dir = lstatOrError(path.join(snapshot.path, parent));
    if (dir === 'EACCES') unreadable.push(snapshot.name);
    if (typeof dir === 'string' || !dir.isDirectory()) return undefined;
  }
  return { snapshot, path: file, stat, linkTarget: stat.isSymbolicLink() ? fs.readlinkSync(file) : undefined };
}

/** lstat, or 'ENOENT' (missing, or a parent is not a folder) / 'EACCES' (not allowed to look). */
function lstatOrError(p: string): BigIntStats | 'ENOENT' | 'EACCES' {
  try {
    return fs.lstatSync(p, { bigint: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'ENOENT';
    if (code === 'EACCES' || code === 'EPERM') return 'EACCES';
    throw err;
  }
}
