import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { IN_PROGRESS_PREFIX } from '../root/format';
import { removeStaleRestoreTemp } from '../restore/temp';
import { errnoCode, refuseEmptyPath, SnapshotError } from '../util/errors';
import type { SnapshotOptions, SnapshotResult } from './types';
import { snapshotExcludes, snapshotRsyncOptions } from './rsyncOptions';
import { chooseLinkDest, exitWarnings, freshName, leftBehind, snapshotMetaOf, snapshotResult } from './run';
import { checkFloor } from './floorCheck';
import { copiedBytes, linkFailedWarning, linkLimitWarning, localLinkLimit, parseLinkFailures } from './linkLimit';
import { makeRoom, MadeRoom } from './makeRoom';
import { FloorVerdict, floorError, judgeFloor } from './spaceFloor';

/**
 * Takes one snapshot, the seed workflow made crash-safe, for a local or a remote root alike:
 * lock → rsync -a --link-dest=<latest> SOURCE/ ROOT/.inprogress-NAME/ → rename to ROOT/NAME → touch → latest swung
 * atomically → notes. On failure or cancel nothing is listed and `latest` is untouched. A crashed run's partial copy
 * is reused as a second link basis and removed once this run finished.
 */
export async function takeSnapshot(root: BackupRoot, options: SnapshotOptions): Promise<SnapshotResult> {
  const started = Date.now();
  refuseEmptyPath(options.source, 'source folder');
  const source = path.resolve(options.source);
  await checkSource(source);
  await root.snapshots.prepare(source, options.createRoot ?? false);
  await root.rsync.program(); // rsync missing: say so before anything is locked or made
  let madeRoom: MadeRoom | undefined;
  for (;;) {
    const outcome = await lockedRun(root, source, options, started, madeRoom);
    if ('result' in outcome) return outcome.result;
    // The floor would be crossed and --make-room was asked for: delete the oldest thinnable snapshots (each under the
    // root's lock, taken by the prune), then run again — the floor checked anew under the lock.
    const short = outcome.short;
    madeRoom = await makeRoom(root, {
      source,
      includeForeign: options.makeRoomForeign,
      signal: options.signal,
      now: options.now,
      enough: async () => {
        const space = await root.snapshots.space();
        return space !== undefined && judgeFloor(space, short.cost, options.floor!).ok;
      },
    });
    if (!madeRoom.deleted.length) throw floorError(short, root.spec, madeRoom);
    root.logger.info(`made room in ${root.spec}: deleted ${madeRoom.deleted.join(', ')}`);
  }
}

/**
 * One attempt under the root's lock: the run's result, or — when the floor would be crossed and room may be made —
 * the verdict (nothing made). Without --make-room, or after room was made once, crossing the floor is NO_ROOM.
 */
async function lockedRun(root: BackupRoot, source: string, options: SnapshotOptions, started: number, madeRoom: MadeRoom | undefined): Promise<{ result: SnapshotResult } | { short: FloorVerdict }> {
  const lock = await root.lock({ create: options.createRoot ?? false, operation: options.trigger === 'pre-restore' ? 'restore' : 'snapshot' });
  try {
    // What killed runs left: an interrupted prune's .deleting-* folders (their space is free for this run), stale
    // probes and notes in the root; the temporary files a killed restore left in the source.
    await root.snapshots.tidy();
    await removeStaleRestoreTemp(source).catch((err) => root.logger.warn(`could not remove a killed restore's temporary files in ${source}: ${err}`));
    const listing = await root.list();
    await root.snapshots.checkLatestReplaceable(listing);
    if (options.floor) {
      const verdict = await checkFloor(root, listing, options.floor);
      if (verdict && !verdict.ok) {
        if (options.makeRoom && !madeRoom) return { short: verdict };
        throw floorError(verdict, root.spec, madeRoom);
      }
    }
    const name = await freshName(listing, options.now ?? new Date(), (n) => root.snapshots.nameTaken(n));
    const leftovers = listing.inProgress;
    const { linkDest, fullCopyReason } = chooseLinkDest(listing, (n) => root.hostPath(n));
    const warnings: string[] = [];
    if (fullCopyReason) warnings.push(fullCopyReason);

    // --info=name1: the only way rsync tells of a --link-dest link that failed (e.g. the inode's link limit) and was
    // copied instead; its stats count such a file as unchanged. It also names each copied file (a line each).
    const args = [...(await snapshotRsyncOptions(root, source, options)), '--info=progress2', '--info=name1', '--stats'];
    if (linkDest) args.push(`--link-dest=${linkDest}`);
    // A crashed run's partial copy is reused as a second link basis: what it already holds is linked, not copied
    // again, and it is never written to (a resumed run into it could change metadata shared with older snapshots).
    for (const leftover of leftovers.slice(-19)) args.push(`--link-dest=${root.hostPath(leftover)}`);
    args.push('--', `${source}/`, root.rsync.arg(`${root.hostPath(IN_PROGRESS_PREFIX + name)}/`, 'dest'));

    await root.snapshots.begin(name);
    const run = await root.rsync.run(args, { signal: options.signal, onProgress: options.onProgress });
    const ok = run.exitCode === 0 || run.exitCode === 23 || run.exitCode === 24;
    if (run.cancelled || !ok) {
      // What is really left: the unfinished copies of earlier crashes, and this one when it could not be removed.
      const removed = await root.snapshots.abort(name);
      const tail = leftBehind(root.hostPath(), listing.latest?.name, [...listing.inProgress, ...(removed ? [] : [IN_PROGRESS_PREFIX + name])], root.host);
      if (run.cancelled) throw new SnapshotError('CANCELLED', `Snapshot cancelled. ${tail}`);
      const failure = root.rsync.failure(run, 'Snapshot failed');
      throw new SnapshotError(failure.code, `${failure.message} ${tail}`, failure.details);
    }

    const { unreadable, warnings: exitNotes } = exitWarnings(run);
    warnings.push(...exitNotes);
    const failures = parseLinkFailures(run.stdout, root.hostPath(IN_PROGRESS_PREFIX + name));
    const unlinked = [...failures.linkLimit, ...failures.other.map((o) => o.path)];
    if (failures.linkLimit.length) warnings.push(linkLimitWarning(failures.linkLimit, root.localPath ? await localLinkLimit(root.localPath) : undefined));
    if (failures.other.length) warnings.push(linkFailedWarning(failures.other));
    const bytes = unlinked.length && root.localPath ? await copiedBytes(path.join(root.localPath, IN_PROGRESS_PREFIX + name), unlinked) : 0;
    const result = snapshotResult(
      { name, path: root.pathOf(name), root: root.spec, linkDest, fullCopyReason, durationMs: Date.now() - started, unreadable, warnings, madeRoom: madeRoom?.deleted },
      run,
      { count: unlinked.length, bytes, linkLimit: failures.linkLimit.length },
    );
    await root.snapshots.finish(
      name,
      snapshotMetaOf(result, { trigger: options.trigger, label: options.label, unsaved: options.unsaved, source, excludes: await snapshotExcludes(root, source, options) }),
      leftovers,
      listing,
    );
    result.durationMs = Date.now() - started;
    root.logger.info(`snapshot ${root.pathOf(name)}: ${result.filesTransferred} files copied, ${result.filesUnchanged} unchanged (linked), ${result.durationMs} ms`);
    return { result };
  } finally {
    await lock.release();
  }
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
