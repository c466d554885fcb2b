/**
 * Sidecar notes about a snapshot we wrote, in ROOT/.rsync-snapshots.d/NAME.json (META_DIR) — kept outside the snapshot
 * so its content stays exactly the source's, and optional, so roots written by other tools need none.
 */
/**
 * Why a snapshot was taken: the user asked (manual, or the CLI), automatic history (interval, save-idle), or a moment
 * worth keeping (pre-restore, before-delete, before-rename, git).
 */
export type SnapshotTrigger = 'manual' | 'cli' | 'interval' | 'save-idle' | 'pre-restore' | 'before-delete' | 'before-rename' | 'git';

export interface SnapshotMeta {
  /** Why the snapshot was taken. Absent in roots made by other tools and in our notes from before triggers existed. */
  trigger?: SnapshotTrigger;
  /** Free text shown beside the snapshot: the user's own, or a generated one such as "before delete of src/lib". */
  label?: string;
  /** Kept forever: prune and retention leave it alone unless asked explicitly. */
  pinned?: boolean;
  /** The folder the snapshot was taken of (on the machine that took it). */
  source?: string;
  linkDest?: string | null;
  filesTotal?: number;
  filesTransferred?: number;
  bytesTransferred?: number;
  totalBytes?: number;
  durationMs?: number;
  /** rsync exit 23: some files could not be read; the snapshot lacks them. */
  partial?: boolean;
  unreadable?: string[];
}

/** Notes as JSON text, or undefined when they are not an object (garbled notes count as none). */
export function parseNotes(text: string): SnapshotMeta | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as SnapshotMeta) : undefined;
  } catch {
    return undefined;
  }
}

/** The trigger of a snapshot, also for notes written before triggers existed (they said label "pre-restore"). */
export function triggerOf(meta: SnapshotMeta | undefined): SnapshotTrigger | undefined {
  return meta?.trigger ?? (meta?.label === 'pre-restore' ? 'pre-restore' : undefined);
}
