/**
 * Sidecar notes about a snapshot we wrote, in ROOT/.rsync-snapshots.d/NAME.json (META_DIR) — kept outside the snapshot
 * so its content stays exactly the source's, and optional, so roots written by other tools need none.
 */
export interface SnapshotMeta {
  /** Why the snapshot exists when not a plain run, e.g. "pre-restore". */
  label?: string;
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
