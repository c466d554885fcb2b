import type { SpaceFloor } from './spaceFloor';
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
  /**
   * Refuse the run (NO_ROOM, nothing made, latest unchanged) when its estimated cost would leave less free than this
   * (DEFAULT_FLOOR for automatic history). Undefined: no floor.
   */
  floor?: SpaceFloor;
  /** When the floor would be crossed: delete the oldest thinnable snapshots first (makeRoom), then try again. */
  makeRoom?: boolean;
  /** makeRoom also in a root holding other folders' snapshots or snapshots without notes (asked for explicitly). */
  makeRoomForeign?: boolean;
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
  /** Folders in the snapshot: each a new inode and block, never hard-linked. */
  folders: number;
  durationMs: number;
  /** rsync exit 23: the snapshot is kept but lacks the files in `unreadable`. */
  partial: boolean;
  unreadable: string[];
  /** Files rsync copied because their inode reached the filesystem's link limit (counted in filesTransferred). */
  linkLimit: number;
  /** Snapshots makeRoom deleted before this run (oldest first); empty when none. */
  madeRoom: string[];
  warnings: string[];
}
