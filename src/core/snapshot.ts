import fs from 'node:fs/promises';
import path from 'node:path';
import { LATEST_LINK, listSnapshots } from './backupRoot';
import { errnoCode, isSnapshotError, refuseEmptyPath, SnapshotError } from './errors';
import { acquireLock } from './lock';
import { Logger, silentLogger } from './logger';
import { removeDeletingLeftovers, removeTree } from './removeTree';
import { removeStaleRestoreTemp, RESTORE_TEMP_EXCLUDE } from './restoreTemp';
import { describeRsyncFailure, RsyncProgress, runRsync } from './rsync';
import { writeSnapshotMeta } from './snapshotMeta';
import { chooseLinkDest, exitWarnings, freshName, latestNotMoved, leftBehind, snapshotMetaOf, snapshotResult } from './snapshotRun';
import { IN_PROGRESS_PREFIX } from './snapshotName';
import { findExecutable } from './tools';
import { takeRemoteSnapshot } from './remote/remoteSnapshot';
import { isRemoteRootSpec } from './remote/rootLocation';

export interface SnapshotOptions {
  source: string;
  root: string;
  /** rsync --exclude patterns. */
  excludes?: string[];
  /** rsync --one-file-system. */
  oneFileSystem?: boolean;
  /** Create the root (mkdir -p) when it does not exist yet; otherwise a missing root is an error. */
  createRoot?: boolean;
  /** Noted in the sidecar, e.g. "pre-restore". */
  label?: string;
  rsyncPath?: string;
  signal?: AbortSignal;
  onProgress?: (progress: RsyncProgress) => void;
  logger?: Logger;
  /** Start time (defaults to now): the snapshot's name. */
  now?: Date;
  /** ssh command for a remote root `[user@]host:/path` (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
}

export interface SnapshotResult {
  name: string;
  path: string;
  root: string;
  /** Absolute path given to --link-dest, or null for a full copy. */
  linkDest: string | null;
  /** Why there was no --link-dest, when there was none. */
  fullCopyReason?: string;
  filesTotal: number;
  filesTransferred: number;
  /** Regular files that were unchanged, hence hard-linked to the previous snapshot. */
  filesUnchanged: number;
  bytesTransferred: number;
  totalBytes: number;
  durationMs: number;
  /** rsync exit 23: the snapshot is kept but lacks the files in `unreadable`. */
  partial: boolean;
  unreadable: string[];
  warnings: string[];
}

/**
 * Takes one snapshot, the seed workflow made crash-safe:
 * lock → rsync -a --link-dest=<latest> SOURCE/ ROOT/.inprogress-NAME/ → rename to ROOT/NAME → touch → latest swung atomically.
 * On failure or cancel nothing is listed and `latest` is untouched.
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  refuseEmptyPath(options.source, 'source folder');
  refuseEmptyPath(options.root, 'backup root');
  if (isRemoteRootSpec(options.root)) return takeRemoteSnapshot(options);
  const started = Date.now();
  const logger = options.logger ?? silentLogger;
  const source = path.resolve(options.source);
  const root = path.resolve(options.root);
  await checkSource(source);
  await checkRoot(root, source, options.createRoot ?? false);
  const rsync = await findExecutable('rsync', options.rsyncPath);
  const lock = await acquireLock(root, process.env, options.label === 'pre-restore' ? 'restore' : 'snapshot');
  try {
    // An interrupted prune's .deleting-* folders are finished first: their space is free for this run. So are the
    // temporary files a killed restore left in the source.
    await removeDeletingLeftovers(root).catch((err) => logger.warn(`could not finish an interrupted deletion in ${root}: ${err}`));
    await removeStaleRestoreTemp(source).catch((err) => logger.warn(`could not remove a killed restore's temporary files in ${source}: ${err}`));
    const listing = await listSnapshots(root);
    await checkLatestReplaceable(root);
    const name = await freshName(listing, options.now ?? new Date(), (n) => fs.lstat(path.join(root, n)).then(() => true, () => false));
    const partialDir = path.join(root, IN_PROGRESS_PREFIX + name);
    const leftovers = listing.inProgress.map((n) => path.join(root, n));
    const { linkDest, fullCopyReason } = chooseLinkDest(listing, (n) => path.join(root, n));
    const warnings: string[] = [];
    if (fullCopyReason) warnings.push(fullCopyReason);

    // --modify-window=-1: compare mtimes to the nanosecond. rsync's default quick check ignores sub-second
    // differences, so a same-size edit within the second of the previous snapshot would be linked, i.e. lost.
    const args = ['-a', '--modify-window=-1', '--no-human-readable', '--info=progress2', '--stats'];
    if (options.oneFileSystem) args.push('--one-file-system');
    for (const pattern of await excludesFor(source, root, options.excludes ?? [])) args.push(`--exclude=${pattern}`);
    args.push(RESTORE_TEMP_EXCLUDE); // a killed restore's temporary files are never part of a snapshot
    if (linkDest) args.push(`--link-dest=${linkDest}`);
    // A crashed run's partial copy is reused as a second link basis: what it already holds is linked, not copied
    // again, and it is never written to (a resumed run into it could change metadata shared with older snapshots).
    for (const leftover of leftovers.slice(-19)) args.push(`--link-dest=${leftover}`);
    args.push('--', `${source}/`, `${partialDir}/`);

    await fs.mkdir(partialDir);
    const run = await runRsync(rsync, args, { signal: options.signal, onProgress: options.onProgress, logger });
    const ok = run.exitCode === 0 || run.exitCode === 23 || run.exitCode === 24;
    if (run.cancelled || !ok) {
      await removeTree(partialDir).catch((err) => logger.warn(`could not remove ${partialDir}: ${err}`));
      const left = [...listing.inProgress, ...((await fs.lstat(partialDir).then(() => true, () => false)) ? [path.basename(partialDir)] : [])];
      if (run.cancelled) throw new SnapshotError('CANCELLED', `Snapshot cancelled. ${leftBehind(root, listing.latest?.name, left)}`);
      throw new SnapshotError('RSYNC_FAILED', `Snapshot failed: ${describeRsyncFailure(run)}. ${leftBehind(root, listing.latest?.name, left)}`, run.stderr.split('\n').filter(Boolean));
    }

    const { unreadable, warnings: exitNotes } = exitWarnings(run);
    warnings.push(...exitNotes);

    const finalDir = path.join(root, name);
    await fs.rename(partialDir, finalDir);
    const now = new Date();
    await fs.utimes(finalDir, now, now); // rsync -a copied the source dir's mtime; find -mtime pruning needs the run's time
    try {
      await swingLatest(root, name);
    } catch (err) {
      if (isSnapshotError(err)) throw err;
      const code = errnoCode(err);
      throw new SnapshotError('ROOT_INVALID', latestNotMoved(root, name, listing.latest?.name, (err as Error).message, code === 'ENOSPC' || code === 'EDQUOT'));
    }
    for (const leftover of leftovers) await removeTree(leftover).catch((err) => logger.warn(`could not remove ${leftover}: ${err}`));

    const result = snapshotResult({ name, path: finalDir, root, linkDest, fullCopyReason, durationMs: Date.now() - started, unreadable, warnings }, run);
    await writeSnapshotMeta(root, name, snapshotMetaOf(result, { label: options.label, source })).catch((err) => logger.warn(`could not write snapshot notes: ${err}`));
    logger.info(`snapshot ${name}: ${result.filesTransferred} files copied, ${result.filesUnchanged} unchanged (linked), ${result.durationMs} ms`);
    return result;
  } finally {
    await lock.release();
  }
}

const LATEST_TEMP_PREFIX = '.latest.tmp-';

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

export async function checkSource(source: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(source);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new SnapshotError('SOURCE_INVALID', `Source folder ${source} does not exist: check the path.`);
    throw new SnapshotError('SOURCE_INVALID', `Source folder ${source} cannot be read: ${(err as Error).message}`);
  }
  if (!stat.isDirectory()) throw new SnapshotError('SOURCE_INVALID', `Source ${source} is not a folder: snapshots are taken of folders.`);
  try {
    await fs.access(source, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    throw new SnapshotError('SOURCE_INVALID', `Source folder ${source} cannot be read (permission denied).`);
  }
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
  const probe = path.join(root, `.rsync-snapshots.probe-${process.pid}`);
  try {
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (err) {
    const why = errnoCode(err) === 'EROFS' ? 'it is on a read-only filesystem' : 'permission denied';
    throw new SnapshotError('ROOT_INVALID', `Backup root ${root} is not writable (${why}): fix its permissions or choose another folder.`);
  }
}

/** User excludes plus the backup root itself when it lies inside the source (no recursion). */
async function excludesFor(source: string, root: string, excludes: string[]): Promise<string[]> {
  const patterns = [...excludes];
  const [realSource, realRoot] = await Promise.all([fs.realpath(source), fs.realpath(root)]);
  if (realRoot.startsWith(realSource + path.sep)) {
    const rel = realRoot.slice(realSource.length + 1);
    const escaped = /[*?[]/.test(rel) ? rel.replace(/[*?[\\]/g, '\\$&') : rel;
    patterns.push(`/${escaped}/`);
  }
  return patterns;
}
