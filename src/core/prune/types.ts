import type { SnapshotMeta } from '../root/notes';
import type { RootListing } from '../root/listing';
import type { PrunePolicy } from './policy';

export interface PruneEntry {
  name: string;
  /** Time from the name. */
  time: Date;
  /** The directory's mtime (what --older-than measures). */
  mtime: Date;
  reason: string;
  /** What deleting this snapshot alone would free (0 when sizes were not measured). */
  uniqueBytes: number;
  /** Identity of the directory when planned (dev:ino), re-checked before deleting. */
  id: string;
}

export interface PrunePlan {
  root: string;
  policy: PrunePolicy;
  /** The "now" the policy was evaluated at. */
  now: Date;
  /** Oldest first. */
  delete: PruneEntry[];
  /** `forever`: the policy selected it, but it is pinned or a pre-restore safety snapshot (kept unless includePinned). */
  keep: { name: string; time: Date; reason: string; forever?: boolean }[];
  /** Bytes freed by deleting the whole plan (hard links shared only among deleted snapshots included). */
  freesBytes: number;
  /** False when sizes were skipped (measureSizes: false). */
  measured: boolean;
  /** Pinned and pre-restore snapshots may be deleted too (asked for explicitly); otherwise they are kept. */
  includePinned: boolean;
}

export interface PlanOptions {
  now?: Date;
  /** Measure unique/freed bytes with usage() (default true; cached after the first time). */
  measureSizes?: boolean;
  /** Let the policy delete pinned and pre-restore snapshots too (default: they are always kept). */
  includePinned?: boolean;
  /** The root's notes when the caller read them already (one read serves both). */
  notes?: ReadonlyMap<string, SnapshotMeta>;
  signal?: AbortSignal;
}

export interface PruneResult {
  root: string;
  deleted: string[];
  /** Planned entries that were not deleted, and why (changed since the preview, now protected…). */
  skipped: { name: string; why: string }[];
  /** `.deleting-*` folders of an interrupted prune, removed now. */
  finished: string[];
}

export interface ApplyOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, name: string) => void;
}

/** What a prune reads of the root: the listing and each snapshot folder's identity and mtime. */
export interface PruneScan {
  listing: RootListing;
  /** Per snapshot name: `dev:ino` of its folder and the folder's mtime (what --older-than measures). */
  stats: Map<string, { id: string; mtime: Date }>;
}

/** What the root's remove step did with the planned entries. */
export interface PruneDeletion {
  deleted: string[];
  skipped: { name: string; why: string }[];
  /** `.deleting-*` folders of an interrupted prune, finished first. */
  finished: string[];
}
