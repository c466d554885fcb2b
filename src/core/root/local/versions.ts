import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../../util/concurrency';
import { errnoCode } from '../../util/errors';
import { sameContent } from '../../util/fileCompare';
import type { VersionCopy } from '../../versions/types';
import type { VersionsAccess } from '../backupRoot';
import type { Snapshot } from '../listing';
import { listLocal } from './list';

/** Parallel file-system calls. */
const LIMIT = 64;

/** A path's copies in a local root: lstat in every snapshot (64 at a time), content compared by streaming both files. */
export function localVersions(root: string): VersionsAccess {
  return {
    sameMachine: true,
    async scan(rel) {
      const listing = await listLocal(root);
      const segments = rel.split('/');
      const parents = segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
      const unreadable: string[] = [];
      const copies = await mapLimit(listing.snapshots, LIMIT, (snapshot) => lstatCopy(snapshot, rel, parents, unreadable));
      return { listing, copies, unreadable };
    },
    sameContent: (_rel, pairs) => mapLimit(pairs, LIMIT, ([a, b]) => sameContent(a.path, b.path)),
    sameAsLocalFile: (_rel, copy, localFile) => sameContent(copy.path, localFile),
  };
}

async function lstatCopy(snapshot: Snapshot, rel: string, parents: string[], unreadable: string[]): Promise<VersionCopy | undefined> {
  const file = path.join(snapshot.path, rel);
  // lstat follows symlinked parent folders: each parent must be a real folder, else the copy lies outside the snapshot.
  const [stat, ...dirs] = await Promise.all([file, ...parents.map((p) => path.join(snapshot.path, p))].map((p) => lstatOrError(p)));
  const failed = [stat, ...dirs].find((s) => typeof s === 'string');
  if (failed) {
    if (failed === 'EACCES') unreadable.push(snapshot.name);
    return undefined;
  }
  if (!dirs.every((d) => (d as BigIntStats).isDirectory())) return undefined;
  const lstat = stat as BigIntStats;
  return { snapshot, path: file, stat: lstat, linkTarget: lstat.isSymbolicLink() ? await fs.readlink(file) : undefined };
}

/** lstat, or 'ENOENT' (missing, or a parent is not a folder) / 'EACCES' (not allowed to look). */
async function lstatOrError(p: string): Promise<BigIntStats | 'ENOENT' | 'EACCES'> {
  try {
    return await fs.lstat(p, { bigint: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'ENOENT';
    if (code === 'EACCES' || code === 'EPERM') return 'EACCES';
    throw err;
  }
}
