import { SnapshotError } from '../util/errors';
import { formatBytes } from '../util/format';
import { FileKind, fileKindPhrase, removeCommand } from './fileKind';

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
  /** Folders in the snapshot (rsync's "dir:" count): each costs a new inode and a block in every snapshot, they cannot be hard-linked. */
  folders?: number;
  durationMs?: number;
  /** rsync exit 23: some files could not be read; the snapshot lacks them. */
  partial?: boolean;
  unreadable?: string[];
  /**
   * The rsync --exclude patterns the snapshot was taken with (the user's and the self-excludes): what it does not hold.
   * Restore, undo and rewind leave those paths of the target alone. Absent in roots made by other tools.
   */
  excludes?: string[];
  /** Files open in the editor with unsaved changes when it was taken: their unsaved text is not in the snapshot. */
  unsaved?: number;
}

/** Notes bigger than this are never read (a damaged or hostile root could hold any size): ignored with a warning. */
export const NOTES_MAX_BYTES = 1024 * 1024;

const isString = (v: unknown) => typeof v === 'string';
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown) => typeof v === 'boolean';

/** The type each field must have; notes with another type there drop that field (a new field needs its check here). */
const FIELD_CHECKS: { [K in keyof Required<SnapshotMeta>]: { ok: (v: unknown) => boolean; type: string } } = {
  trigger: { ok: isString, type: 'a string' },
  label: { ok: isString, type: 'a string' },
  pinned: { ok: isBoolean, type: 'true or false' },
  source: { ok: isString, type: 'a string' },
  linkDest: { ok: (v) => v === null || isString(v), type: 'a string or null' },
  filesTotal: { ok: isCount, type: 'a number' },
  filesTransferred: { ok: isCount, type: 'a number' },
  bytesTransferred: { ok: isCount, type: 'a number' },
  totalBytes: { ok: isCount, type: 'a number' },
  folders: { ok: isCount, type: 'a number' },
  durationMs: { ok: isCount, type: 'a number' },
  partial: { ok: isBoolean, type: 'true or false' },
  unreadable: { ok: (v) => Array.isArray(v) && v.every(isString), type: 'a list of strings' },
  excludes: { ok: (v) => Array.isArray(v) && v.every(isString), type: 'a list of strings' },
  unsaved: { ok: isCount, type: 'a number' },
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Notes as JSON text, the one place they are parsed: undefined when not JSON (garbled notes count as none) or not an
 * object; each known field of the wrong type is dropped. `problem` hears of what was dropped, for a warning.
 */
export function parseNotes(text: string, problem: (what: string) => void = () => {}): SnapshotMeta | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return checkNotes(value, problem);
}

/**
 * parseNotes after JSON.parse: notes as a JSON value (a copy, `value` is left as it is), with parseNotes's checks and
 * warnings. For values parsed elsewhere (the notes index holds each notes file's value), so they are checked the same.
 */
export function checkNotes(value: unknown, problem: (what: string) => void = () => {}): SnapshotMeta | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problem(`they are ${typeName(value)}, not an object, so they count as no notes`);
    return undefined;
  }
  const meta = { ...value } as Record<string, unknown>;
  // Each field the notes have (a handful) rather than each field there is: a listing checks 10,000 notes.
  for (const field of Object.keys(meta)) {
    const check = Object.hasOwn(FIELD_CHECKS, field) ? FIELD_CHECKS[field as keyof SnapshotMeta] : undefined;
    if (check && !check.ok(meta[field])) {
      problem(`"${field}" is ${typeName(meta[field])}, not ${check.type}, so it is ignored`);
      delete meta[field];
    }
  }
  return meta as SnapshotMeta;
}

/** The trigger of a snapshot, also for notes written before triggers existed (they said label "pre-restore"). */
export function triggerOf(meta: SnapshotMeta | undefined): SnapshotTrigger | undefined {
  return meta?.trigger ?? (meta?.label === 'pre-restore' ? 'pre-restore' : undefined);
}

/** A warning about notes found in the root that are not used (wholly or in part): `FILE: what, so …`. */
export function notesWarning(file: string, what: string): string {
  return `Notes ${file}: ${what}.`;
}

/** Notes that are a symlink, a FIFO, a folder, …: never opened (a link could point anywhere, a FIFO would block). */
export function notesNotAFileWarning(file: string, kind: FileKind): string {
  return notesWarning(file, `${fileKindPhrase(kind)}, not a file, so they count as no notes; remove it (${removeCommand(kind, file)})`);
}

/** The notes folder is a symlink (or a file, …): no notes are read through it. */
export function notesFolderWarning(dir: string, kind: FileKind): string {
  return notesWarning(dir, `${fileKindPhrase(kind)}, not a folder, so no notes are read; remove it (${removeCommand(kind, dir)})`);
}

export function notesTooBigWarning(file: string, bytes: number | undefined): string {
  return notesWarning(
    file,
    `${bytes === undefined ? 'more than' : formatBytes(bytes) + ', over'} the ${formatBytes(NOTES_MAX_BYTES)} limit, so they count as no notes; remove the file or make it smaller`,
  );
}

/**
 * Notes cannot be written where `file` is not a regular file or absent (a folder there, or the notes folder itself a
 * symlink or a file): never written through or into it; the user removes it. `host`: where the path is, if remote.
 */
export function notesNotWritable(file: string, kind: FileKind, host?: string): SnapshotError {
  const where = host ? ` on ${host}` : '';
  return new SnapshotError('ROOT_INVALID', `${file}${where} is ${fileKindPhrase(kind)}, so no notes can be written there: remove it${where} (${removeCommand(kind, file)}) and retry.`);
}
