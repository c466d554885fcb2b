import type { SnapshotMeta } from '../root/notes';
import { formatBytes } from '../util/format';
import { SnapshotError } from '../util/errors';

/**
 * The free-space and inode floor a snapshot run must not cross. `bytes` and `bytesPercent` (of the filesystem's size)
 * may both be given: then the smaller floor applies ("5 GiB or 5 %, whichever is smaller", so a small disk is not
 * refused outright). `inodesPercent` is of the filesystem's inodes; filesystems without a fixed inode count (btrfs)
 * have no inode floor.
 */
export interface SpaceFloor {
  bytes?: number;
  bytesPercent?: number;
  inodesPercent?: number;
}

/** The floor of automatic history: 5 GiB or 5 % of the disk (whichever is smaller), and 5 % of the inodes. */
export const DEFAULT_FLOOR: Readonly<SpaceFloor> = Object.freeze({ bytes: 5 * 1024 ** 3, bytesPercent: 5, inodesPercent: 5 });

/** A floor in words: "5 GiB (or 5 % of a smaller disk) and 5 % of the inodes". */
export function describeFloor(floor: SpaceFloor): string {
  const bytes =
    floor.bytes !== undefined && floor.bytesPercent !== undefined
      ? `${formatBytes(floor.bytes)} (or ${floor.bytesPercent} % of a smaller disk)`
      : floor.bytes !== undefined
        ? formatBytes(floor.bytes)
        : floor.bytesPercent !== undefined
          ? `${floor.bytesPercent} % of the disk`
          : '';
  const inodes = floor.inodesPercent !== undefined ? `${floor.inodesPercent} % of the inodes` : '';
  return [bytes, inodes].filter(Boolean).join(' and ') || 'nothing';
}

/** What the filesystem holding the root says (statfs locally, `stat -f` on the host of a remote root). */
export interface FilesystemSpace {
  /** Fundamental block size: what a folder costs at least. */
  blockSize: number;
  totalBytes: number;
  /** Available to this user (statfs f_bavail). */
  freeBytes: number;
  /** 0 when the filesystem has no fixed inode count (btrfs): no inode floor then. */
  totalInodes: number;
  freeInodes: number;
}

/** What the next snapshot will likely cost, from the previous snapshot's notes. */
export interface RunCost {
  bytes: number;
  inodes: number;
  /** How it was estimated, for the message. */
  basis: string;
}

/**
 * The next run's cost from the previous snapshot's notes: its folders (never hard-linked: one inode and at least one
 * block each, in every snapshot) plus what rsync copied last time (bytes, and one inode and up to one block of slack
 * per copied file). Notes without a folder count (older notes, roots of other tools) count every entry as a folder,
 * an upper bound. No previous snapshot or no notes: cost unknown, 0 (only the floor itself is checked).
 */
export function estimateRunCost(previous: { name: string; meta?: SnapshotMeta } | undefined, blockSize: number): RunCost {
  const meta = previous?.meta;
  if (!previous) return { bytes: 0, inodes: 0, basis: 'first snapshot, size not estimated' };
  if (!meta || meta.bytesTransferred === undefined) return { bytes: 0, inodes: 0, basis: `no notes for ${previous.name}, size not estimated` };
  const folders = meta.folders ?? meta.filesTotal ?? 0;
  const files = meta.filesTransferred ?? 0;
  return {
    bytes: meta.bytesTransferred + (folders + files) * blockSize,
    inodes: folders + files,
    basis: `like ${previous.name}: ${folders.toLocaleString('en-US')} folders${meta.folders === undefined ? ' (at most)' : ''} and ${files.toLocaleString('en-US')} copied files (${formatBytes(meta.bytesTransferred)})`,
  };
}

export interface FloorVerdict {
  ok: boolean;
  space: FilesystemSpace;
  cost: RunCost;
  /** Free bytes and inodes that must remain after the run. */
  floorBytes: number;
  floorInodes: number;
  /** Which floors the run would cross. */
  crosses: ('space' | 'inodes')[];
}

/** The floor in bytes and inodes on this filesystem. */
export function floorOn(space: FilesystemSpace, floor: SpaceFloor): { bytes: number; inodes: number } {
  const candidates = [floor.bytes, floor.bytesPercent === undefined ? undefined : (space.totalBytes * floor.bytesPercent) / 100].filter((v): v is number => v !== undefined);
  const bytes = candidates.length ? Math.min(...candidates) : 0;
  const inodes = floor.inodesPercent === undefined || space.totalInodes === 0 ? 0 : (space.totalInodes * floor.inodesPercent) / 100;
  return { bytes: Math.ceil(bytes), inodes: Math.ceil(inodes) };
}

/** Pure: would a run of this cost leave less free than the floor? */
export function judgeFloor(space: FilesystemSpace, cost: RunCost, floor: SpaceFloor): FloorVerdict {
  const { bytes, inodes } = floorOn(space, floor);
  const crosses: FloorVerdict['crosses'] = [];
  if (bytes > 0 && space.freeBytes - cost.bytes < bytes) crosses.push('space');
  if (inodes > 0 && space.freeInodes - cost.inodes < inodes) crosses.push('inodes');
  return { ok: crosses.length === 0, space, cost, floorBytes: bytes, floorInodes: inodes, crosses };
}

/** The refusal: free now, the estimate, the floor, what to do. Exit status 4 in the CLI. */
export function floorError(verdict: FloorVerdict, spec: string, madeRoom?: { deleted: string[]; note?: string }): SnapshotError {
  const { space, cost } = verdict;
  const parts: string[] = [];
  if (verdict.crosses.includes('space'))
    parts.push(`${formatBytes(space.freeBytes)} free, the next snapshot needs about ${formatBytes(cost.bytes)}, and ${formatBytes(verdict.floorBytes)} must stay free`);
  if (verdict.crosses.includes('inodes'))
    parts.push(
      `${space.freeInodes.toLocaleString('en-US')} inodes free, the next snapshot needs about ${cost.inodes.toLocaleString('en-US')}, and ${verdict.floorInodes.toLocaleString('en-US')} must stay free`,
    );
  const deleted = madeRoom?.deleted.length ? ` --make-room deleted ${madeRoom.deleted.length} snapshot(s) (${madeRoom.deleted.join(', ')}), and that was not enough.` : '';
  const note = madeRoom?.note ? ` ${madeRoom.note}` : '';
  const todo = madeRoom
    ? `Free space on that filesystem, prune more (rsync-snapshots prune ${spec} --keep-last 30 --dry-run), or lower the floor (--keep-free, --keep-free-inodes).`
    : `Prune old snapshots (rsync-snapshots prune ${spec} --keep-last 30 --dry-run, then without --dry-run), run again with --make-room (deletes the oldest snapshots that are not pinned, labelled or safety snapshots), or lower the floor (--keep-free, --keep-free-inodes).`;
  return new SnapshotError(
    'NO_ROOM',
    `Not enough room for a snapshot in ${spec}: ${parts.join('; ')} (estimate ${cost.basis}). No snapshot was made; latest is unchanged.${deleted}${note} ${todo}`,
    madeRoom?.deleted ?? [],
  );
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `--keep-free`: `5G`, `500M`, `1.5T`, `1048576` (bytes; K M G T are powers of 1024, an optional `iB`/`B` allowed) or `5%`. */
export function parseKeepFree(text: string): Pick<SpaceFloor, 'bytes' | 'bytesPercent'> {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const value = Number(pct[1]);
    if (value > 100) throw new SnapshotError('BAD_INPUT', `--keep-free ${text}: a percentage is at most 100%.`);
    return { bytesPercent: value };
  }
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(t);
  if (!m) throw new SnapshotError('BAD_INPUT', `--keep-free takes a size such as 5G, 500M or 1048576 (bytes), or a percentage such as 5%, not "${text}".`);
  return { bytes: Math.round(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]) };
}

/** `--keep-free-inodes`: a percentage of the filesystem's inodes, `5%` (the `%` may be left out). */
export function parseKeepFreeInodes(text: string): Pick<SpaceFloor, 'inodesPercent'> {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  if (!m || Number(m[1]) > 100) throw new SnapshotError('BAD_INPUT', `--keep-free-inodes takes a percentage of the filesystem's inodes from 0 to 100, such as 5%, not "${text}".`);
  return { inodesPercent: Number(m[1]) };
}
