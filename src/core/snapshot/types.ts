import type { SnapshotTrigger } from '../root/notes';
import type { RsyncProgress } from '../util/rsync';

export interface SnapshotOptions {
  source: string;
  /** rsync --exclude patterns. */
  excludes?: string[];
  /** rsync --one-file-system. */
  oneFileSystem?: boolean;
  /** Create the root (mkdir -p) when it does not exist yet; otherwise a missing root is an error. */
  createRoot?: boolean;
  /** Noted in the sidecar: why the snapshot is taken. */
  trigger?: SnapshotTrigger;
  /** Noted in the sidecar: free text shown beside the snapshot. */
  label?: string;
  /** Noted in the sidecar: how many open editors had unsaved changes the snapshot could not hold (the editor's count). */
  unsaved?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RsyncProgress) => void;
  /** Start time (defaults to now): the snapshot's name. */
  now?: Date;
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
