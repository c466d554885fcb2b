import fs from 'node:fs/promises';
import path from 'node:path';
import { latestNotMoved } from '../../snapshot/run';
import { errnoCode, isSnapshotError, SnapshotError } from '../../util/errors';
import { Logger } from '../../util/logger';
import { removeDeletingLeftovers, removeTree } from '../../util/removeTree';
import type { SnapshotAccess } from '../backupRoot';
import type { FilesystemSpace } from '../../snapshot/spaceFloor';
import { IN_PROGRESS_PREFIX, isSnapshotName, LATEST_LINK, LATEST_TEMP_PREFIX, META_DIR, PROBE_PREFIX } from '../format';
import { writeSnapshotMeta } from './notes';
import { processRuns } from '../../util/processRuns';

/** The steps of a snapshot run in a local root: mkdir, rename, utimes, an atomic symlink swing. */
export function localSnapshots(root: string, logger: Logger): SnapshotAccess {
  const inProgress = (name: string) => path.join(root, IN_PROGRESS_PREFIX + name);
  return {
    prepare: (source, create) => checkRoot(root, source, create),
    async tidy() {
      // An interrupted prune's .deleting-* folders are finished first: their space is free for this run.
      await removeDeletingLeftovers(root).catch((err) => logger.warn(`could not finish an interrupted deletion in ${root}: ${err}`));
      await removeStaleTemps(root, logger);
    },
    checkLatestReplaceable: () => checkLatestReplaceable(root),
    nameTaken: (name) =>
      fs.lstat(path.join(root, name)).then(
        () => true,
        () => false,
      ),
    selfExcludes: (source) => selfExcludes(source, root),
    space: () => localSpace(root),
    begin: (name) => fs.mkdir(inProgress(name)),
    async abort(name) {
      await removeTree(inProgress(name)).catch((err) => logger.warn(`could not remove ${inProgress(name)}: ${err}`));
      return fs.lstat(inProgress(name)).then(
        () => false,
        () => true,
      );
    },
    async finish(name, meta, leftovers, listing) {
      const finalDir = path.join(root, name);
      await fs.rename(inProgress(name), finalDir);
      const now = new Date();
      await fs.utimes(finalDir, now, now); // rsync -a copied the source dir's mtime; find -mtime pruning needs the run's time
      try {
        await swingLatest(root, name);
      } catch (err) {
        if (isSnapshotError(err)) throw err;
        const code = errnoCode(err);
        throw new SnapshotError('ROOT_INVALID', latestNotMoved(root, name, listing.latest?.name, (err as Error).message, code === 'ENOSPC' || code === 'EDQUOT'));
      }
      for (const leftover of leftovers) await removeTree(path.join(root, leftover)).catch((err) => logger.warn(`could not remove ${leftover}: ${err}`));
      await writeSnapshotMeta(root, name, meta).catch((err) => logger.warn(`could not write snapshot notes: ${err}`));
    },
  };
}

/**
 * latest → NAME (relative), replaced atomically: symlink under a temp name, then rename over. Called under the
 * root's lock, so temp links left by a run that crashed between the two steps are removed here.
 */
export async function swingLatest(root: string, name: string): Promise<void> {
  for (const entry of await fs.readdir(root)) {
    // Only our temp links: a file or folder with that name is someone else's and stays.
    const stale = path.join(root, entry);
    if (entry.startsWith(LATEST_TEMP_PREFIX) && (await fs.lstat(stale).catch(() => undefined))?.isSymbolicLink()) await fs.rm(stale, { force: true });
  }
  const temp = path.join(root, `${LATEST_TEMP_PREFIX}${process.pid}-${Date.now()}`);
  await fs.symlink(name, temp);
  try {
    await fs.rename(temp, path.join(root, LATEST_LINK));
  } catch (err) {
    await fs.rm(temp, { force: true });
    if (errnoCode(err) === 'EISDIR' || errnoCode(err) === 'ENOTEMPTY')
      throw new SnapshotError('ROOT_INVALID', `${path.join(root, LATEST_LINK)} is a real directory, not a symlink: move it away so latest can be updated.`);
    throw err;
  }
}

/** latest must be a symlink (or absent): a real file or folder there is someone's data, and it would make the final step fail after rsync. */
async function checkLatestReplaceable(root: string): Promise<void> {
  const stat = await fs.lstat(path.join(root, LATEST_LINK)).catch(() => undefined);
  if (stat && !stat.isSymbolicLink())
    throw new SnapshotError('ROOT_INVALID', `${path.join(root, LATEST_LINK)} is a real ${stat.isDirectory() ? 'directory' : 'file'}, not a symlink: move it away so latest can be updated.`);
}

async function checkRoot(root: string, source: string, create: boolean): Promise<void> {
  if (root === source) throw new SnapshotError('ROOT_INVALID', `The backup root cannot be the source folder itself (${root}): choose another folder.`);
  let stat = await fs.stat(root).catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)));
  if (!stat) {
    if (!create) throw new SnapshotError('ROOT_INVALID', `Backup root ${root} does not exist: create it (mkdir -p '${root}') or pass --create.`);
    try {
      await fs.mkdir(root, { recursive: true });
    } catch (err) {
      throw new SnapshotError('ROOT_INVALID', `Backup root ${root} could not be created: ${(err as Error).message}`);
    }
    stat = await fs.stat(root);
  }
  if (!stat.isDirectory()) throw new SnapshotError('ROOT_INVALID', `Backup root ${root} is not a folder: choose a folder.`);
  // A real write probe: access(W_OK) says yes to root on a read-only filesystem.
  const probe = path.join(root, `${PROBE_PREFIX}${process.pid}`);
  try {
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (err) {
    const why = errnoCode(err) === 'EROFS' ? 'it is on a read-only filesystem' : 'permission denied';
    throw new SnapshotError('ROOT_INVALID', `Backup root ${root} is not writable (${why}): fix its permissions or choose another folder.`);
  }
}

/** The backup root itself when it lies inside the source (no recursion). */
async function selfExcludes(source: string, root: string): Promise<string[]> {
  const patterns: string[] = [];
  const [realSource, realRoot] = await Promise.all([fs.realpath(source), fs.realpath(root)]);
  if (realRoot.startsWith(realSource + path.sep)) {
    const rel = realRoot.slice(realSource.length + 1);
    const escaped = /[*?[]/.test(rel) ? rel.replace(/[*?[\\]/g, '\\$&') : rel;
    patterns.push(`/${escaped}/`);
  }
  return patterns;
}

/**
 * Temp files of runs killed half-way (kill -9), removed under the lock: write probes (ours:
 * `.rsync-snapshots.probe-PID[-TIME]`, empty regular files) of processes that are gone — a live process's probe is
 * left alone — and half-written notes (`.rsync-snapshots.d/NAME.json.tmp`, only written under this lock).
 */
async function removeStaleTemps(root: string, logger: Logger): Promise<void> {
  const remove = (file: string) => fs.rm(file, { force: true }).catch((err) => logger.warn(`could not remove ${file}: ${err}`));
  const probe = new RegExp(`^${PROBE_PREFIX.replace(/\./g, '\\.')}(\\d+)(-\\d+)?$`);
  for (const entry of await fs.readdir(root)) {
    const m = probe.exec(entry);
    if (!m || processRuns(Number(m[1]))) continue;
    const stat = await fs.lstat(path.join(root, entry)).catch(() => undefined);
    if (stat?.isFile() && stat.size === 0) await remove(path.join(root, entry));
  }
  const notes = await fs.readdir(path.join(root, META_DIR)).catch(() => [] as string[]);
  for (const entry of notes) if (entry.endsWith('.json.tmp') && isSnapshotName(entry.slice(0, -'.json.tmp'.length))) await remove(path.join(root, META_DIR, entry));
}

/** statfs of the root's filesystem; undefined when it fails. */
async function localSpace(root: string): Promise<FilesystemSpace | undefined> {
  const s = await fs.statfs(root).catch(() => undefined);
  if (!s) return undefined;
  return { blockSize: s.bsize, totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize, totalInodes: s.files, freeInodes: s.ffree };
}
