import { decide, DEFAULT_STRATEGY } from '../prune/policy';
import type { BackupRoot } from '../root/backupRoot';
import type { RootListing } from '../root/listing';
import type { SnapshotMeta } from '../root/notes';
import { formatBytes } from '../util/format';
import type { DoctorCheck } from './types';

/** What one more snapshot costs beside the bytes rsync copies: every folder is a new inode and block, never a link. */
export interface SnapshotCost {
  bytes: number;
  inodes: number;
  folders: number;
}

/** One snapshot's true cost from its notes: what rsync copied, plus one block and one inode per folder and copied file. */
export function snapshotCost(meta: SnapshotMeta, blockSize: number): SnapshotCost | undefined {
  if (meta.bytesTransferred === undefined) return undefined;
  const folders = meta.folders ?? 0;
  const files = meta.filesTransferred ?? 0;
  return { bytes: meta.bytesTransferred + (folders + files) * blockSize, inodes: folders + files, folders };
}

const retained = new Map<string, number>();

/**
 * How many snapshots `strategy` keeps after `days` of a snapshot every `everyMinutes` (the default thinning of
 * automatic history, by its own decision code): the steady state that history's size follows.
 */
export function snapshotsKept(days: number, everyMinutes: number, strategy = DEFAULT_STRATEGY): number {
  const key = `${days}:${everyMinutes}:${strategy}`;
  const known = retained.get(key);
  if (known !== undefined) return known;
  const now = new Date(2026, 0, 1 + days);
  const count = Math.floor((days * 24 * 60) / everyMinutes);
  const snapshots = Array.from({ length: count }, (_, i) => {
    const time = new Date(now.getTime() - i * everyMinutes * 60_000);
    return { name: String(i), time, mtime: time };
  });
  const kept = decide(snapshots, { strategy }, now).filter((d) => !d.delete).length;
  retained.set(key, kept);
  return kept;
}

/**
 * "each snapshot costs about 1.8 MiB and 460 inodes (folders); 90 days of automatic history (every 10 minutes, thinned
 * by 1d:1h 7d:1d 90d:1w) keep about 371 snapshots ≈ 670 MiB, 171,000 inodes": from the latest snapshot's notes and
 * the filesystem's block size. Undefined when the notes do not say (roots of other tools, older notes).
 */
export function describeCost(cost: SnapshotCost): string {
  const kept = snapshotsKept(90, 10);
  return (
    `each snapshot costs about ${formatBytes(cost.bytes)} and ${cost.inodes.toLocaleString('en-US')} inodes (${cost.folders.toLocaleString('en-US')} folders, which cannot be hard-linked); ` +
    `90 days of automatic history (every 10 minutes, thinned by ${DEFAULT_STRATEGY}) keep about ${kept} snapshots ≈ ${formatBytes(cost.bytes * kept)}, ${(cost.inodes * kept).toLocaleString('en-US')} inodes`
  );
}

/** doctor's "cost per snapshot": what the latest snapshot cost, and what a season of automatic history adds up to. */
export async function checkSnapshotCost(root: BackupRoot, listing: RootListing): Promise<DoctorCheck> {
  const last = listing.latest ?? listing.snapshots[listing.snapshots.length - 1];
  if (!last) return { name: 'cost per snapshot', ok: true, detail: 'no snapshot yet' };
  const meta = await root.notes.read(last.name).catch(() => undefined);
  const space = await root.snapshots.space().catch(() => undefined);
  const cost = meta && meta.folders !== undefined ? snapshotCost(meta, space?.blockSize ?? 4096) : undefined;
  if (!cost) return { name: 'cost per snapshot', ok: true, detail: `unknown: the notes of ${last.name} do not count its folders (taken by another tool or an older version)` };
  return { name: 'cost per snapshot', ok: true, detail: describeCost(cost) };
}
