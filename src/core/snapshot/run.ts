import { RootListing } from '../root/listing';
import { parseStats, parseUnreadable } from '../util/rsync';
import type { SnapshotResult } from './types';
import type { SnapshotMeta } from '../root/notes';
import { formatSnapshotName, IN_PROGRESS_PREFIX } from '../root/format';

/** Decisions a snapshot run makes from the root's listing, shared by local and remote roots. */

/**
 * --link-dest: the snapshot latest points at (its absolute path, as `pathOf` gives it on that side), or none —
 * with the reason, when snapshots exist but latest is missing, dangling or not a snapshot.
 */
export function chooseLinkDest(listing: RootListing, pathOf: (name: string) => string): { linkDest: string | null; fullCopyReason?: string } {
  if (listing.latest) return { linkDest: pathOf(listing.latest.name) };
  if (listing.snapshots.length === 0) return { linkDest: null };
  const why =
    listing.latestState === 'missing'
      ? 'latest is missing'
      : listing.latestState === 'dangling'
        ? `latest points at ${listing.latestTarget}, which does not exist`
        : `latest (${listing.latestTarget ?? 'not a symlink'}) is not a snapshot of this root`;
  return {
    linkDest: null,
    fullCopyReason: `Full copy: ${why}, so nothing was hard-linked. From now on latest points at this snapshot and the next ones link against it.`,
  };
}

/** How far ahead of the clock a newest snapshot may be and still count as pushed there by runs in the same seconds. */
const PUSHED_AHEAD_MS = 60_000;

/**
 * The run's local time as a name; a name already taken (finished, in progress, or — per `exists` — any other
 * entry) pushes it to the next free second. When the newest snapshot lies a few seconds ahead (earlier runs of the
 * same seconds were pushed there), the name goes after it, so the new snapshot is the newest and `latest` agrees —
 * even when a prune freed an earlier name of these seconds.
 */
export async function freshName(listing: RootListing, now: Date, exists: (name: string) => Promise<boolean> = async () => false): Promise<string> {
  const taken = new Set([...listing.snapshots.map((s) => s.name), ...listing.inProgress.map((n) => n.slice(IN_PROGRESS_PREFIX.length))]);
  const time = new Date(now.getTime());
  const newest = listing.snapshots[listing.snapshots.length - 1]?.time;
  if (newest && newest.getTime() >= time.getTime() - 999 && newest.getTime() - time.getTime() < PUSHED_AHEAD_MS) time.setTime(newest.getTime() + 1000);
  for (;;) {
    const name = formatSnapshotName(time);
    if (!taken.has(name) && !(await exists(name))) return name;
    time.setSeconds(time.getSeconds() + 1);
  }
}

/** What an accepted run's exit code means for the user: 23 — files that could not be read (listed), 24 — files that vanished. */
export function exitWarnings(run: { exitCode: number; stderr: string }): { unreadable: string[]; warnings: string[] } {
  const unreadable = run.exitCode === 23 ? parseUnreadable(run.stderr) : [];
  const warnings: string[] = [];
  if (run.exitCode === 23)
    warnings.push(
      `Some files could not be read and are missing from this snapshot: ${unreadable.slice(0, 10).join(', ') || 'see the log'}${unreadable.length > 10 ? ` and ${unreadable.length - 10} more` : ''}.`,
    );
  if (run.exitCode === 24) warnings.push('Some files vanished while the snapshot was taken (normal for files deleted meanwhile).');
  return { unreadable, warnings };
}

/** The sidecar notes of a finished snapshot. */
export function snapshotMetaOf(result: SnapshotResult, extra: Pick<SnapshotMeta, 'trigger' | 'label' | 'excludes' | 'unsaved'> & { source: string }): SnapshotMeta {
  return {
    trigger: extra.trigger,
    label: extra.label,
    source: extra.source,
    linkDest: result.linkDest,
    filesTotal: result.filesTotal,
    filesTransferred: result.filesTransferred,
    bytesTransferred: result.bytesTransferred,
    totalBytes: result.totalBytes,
    folders: result.folders,
    durationMs: result.durationMs,
    partial: result.partial || undefined,
    unreadable: result.unreadable.length ? result.unreadable : undefined,
    excludes: extra.excludes,
    unsaved: extra.unsaved || undefined,
  };
}

/** The result of a finished run, from rsync's --stats output (exit 23: kept, but partial). */
export function snapshotResult(
  fields: Pick<SnapshotResult, 'name' | 'path' | 'root' | 'linkDest' | 'fullCopyReason' | 'durationMs' | 'unreadable' | 'warnings'> & Partial<Pick<SnapshotResult, 'madeRoom'>>,
  run: { stdout: string; exitCode: number },
  /** Unchanged files rsync copied because linking failed (link limit or otherwise): copied, never "hard-linked". */
  copiedUnlinked: { count: number; bytes: number; linkLimit: number } = { count: 0, bytes: 0, linkLimit: 0 },
): SnapshotResult {
  const stats = parseStats(run.stdout);
  const transferred = Math.min(stats.regularFiles, stats.regularFilesTransferred + copiedUnlinked.count);
  return {
    ...fields,
    filesTotal: stats.files,
    filesTransferred: transferred,
    filesUnchanged: Math.max(0, stats.regularFiles - transferred),
    bytesTransferred: stats.totalTransferredFileSize + copiedUnlinked.bytes,
    totalBytes: stats.totalFileSize,
    folders: stats.dirs,
    partial: run.exitCode === 23,
    linkLimit: copiedUnlinked.linkLimit,
    madeRoom: fields.madeRoom ?? [],
  };
}

/**
 * The end of a failed or cancelled run's message: what is really left in the root. "Nothing was kept" only when no
 * unfinished copy remains; otherwise the `.inprogress-*` folders left (ours, never listed as snapshots) and why.
 */
export function leftBehind(root: string, latest: string | undefined, left: string[], onHost?: string): string {
  const pointer = `latest is unchanged (${latest ?? 'no snapshot yet'})`;
  if (!left.length) return `Nothing was kept; ${pointer}.`;
  return `No snapshot was made; ${pointer}. Left in the root: ${left.join(', ')} — unfinished ${left.length > 1 ? 'copies' : 'copy'}, never listed as a snapshot; the next snapshot reuses ${left.length > 1 ? 'them' : 'it'} as a link basis (nothing already copied is copied again) and then removes ${left.length > 1 ? 'them' : 'it'}. To free the space now${onHost ? ` (on ${onHost})` : ''}: rm -rf ${left.map((n) => `'${root}/${n}'`).join(' ')}.`;
}

/**
 * A finished snapshot whose `latest` could not be swung (e.g. no inode left for the new symlink): the snapshot is kept
 * and listed, latest still points at the previous one. Says so, and how to fix it.
 */
export function latestNotMoved(root: string, name: string, previous: string | undefined, why: string, noSpace: boolean, host?: string): string {
  const spec = host ? `${host}:${root}` : root;
  const relink = `${host ? `ssh ${host} ` : ''}ln -sfn ${name} '${root}/latest'`;
  const fix = noSpace
    ? `The filesystem of ${spec} is full (no free space or inodes: check with df -h and df -i${host ? ` on ${host}` : ''}). Free some (e.g. rsync-snapshots prune ${spec} --keep-last 30 --dry-run, then without --dry-run), then run ${relink} — or simply take the next snapshot.`
    : `Fix the cause, then run ${relink} — or simply take the next snapshot.`;
  return `Snapshot ${name} is complete and kept in ${spec}, but latest could not be moved to it (${why}): latest still points at ${previous ?? 'nothing'}, so the next snapshot links against that one. ${fix}`;
}
