import fs from 'node:fs/promises';
import path from 'node:path';
import { diffTrees, localSameContent } from '../../changes/treeDiff';
import { SnapshotError } from '../../util/errors';
import type { ChangesAccess } from '../backupRoot';
import { snapshotInListing } from '../listing';
import { findTree } from './findTree';
import { listLocal } from './list';

/**
 * Changes in a local root: two snapshots are each listed by one find process (readdir + lstat when find cannot);
 * the working folder is walked with readdir + lstat, skipping the root itself when it lies inside.
 */
export function localChanges(root: string): ChangesAccess {
  return {
    async diff(a, b, options) {
      const listing = await listLocal(root);
      const from = snapshotInListing(listing, a);
      let toDir: string;
      let to: string;
      const skip: string[] = [];
      if (typeof b === 'string') {
        const snapshot = snapshotInListing(listing, b);
        toDir = snapshot.path;
        to = snapshot.name;
      } else {
        toDir = to = b.working;
        const inside = await rootInside(root, toDir);
        if (inside) skip.push(inside);
      }
      const walkOptions = { skip, exclude: options.exclude, signal: options.signal, concurrency: options.concurrency, checksum: options.checksum };
      // Two snapshots: each listed by one find process (the working folder holds the root, so it is walked; a narrow
      // comparison, which the exclude limits to a few paths, too).
      const listed = typeof b === 'string' && !options.narrow ? await Promise.all([findTree(from.path, options.signal), findTree(toDir, options.signal)]) : [];
      const raw =
        listed[0] && listed[1]
          ? await diffTrees(listed[0], listed[1], { ...walkOptions, sameContent: localSameContent(from.path, toDir, options.concurrency ?? 64) })
          : await diffTrees(from.path, toDir, walkOptions);
      return { from: from.name, to, raw };
    },
  };
}

/** The backup root's path relative to the working folder when it lies inside it (snapshots never contain it). */
async function rootInside(root: string, working: string): Promise<string | undefined> {
  const [realRoot, realWorking] = await Promise.all([fs.realpath(root), fs.realpath(working)]);
  if (realRoot === realWorking) throw new SnapshotError('BAD_INPUT', `The working folder ${working} is the backup root itself: give the folder that was snapshotted.`);
  return realRoot.startsWith(realWorking + path.sep) ? realRoot.slice(realWorking.length + 1) : undefined;
}
