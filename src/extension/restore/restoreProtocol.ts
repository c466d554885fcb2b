import type { RestoreResult } from '../../core/restore/apply';
import type { RestorePlan } from '../../core/restore/types';

/**
 * What to do with open editors that have unsaved changes under the target: save them first (the default: their text
 * lands in the safety snapshot, then the restore overwrites it), leave those files out, or discard the unsaved text.
 */
export type UnsavedChoice = 'save' | 'leaveOut' | 'discard';
const UNSAVED_CHOICES: readonly string[] = ['save', 'leaveOut', 'discard'] satisfies UnsavedChoice[];

/** Messages between the restore webview (src/webview/restore.ts) and RestorePanel: both import these types; each side checks every message's shape. */
export type ToWebview =
  /** `dirty`: item paths of open editors with unsaved changes that the restore reaches. */
  | { type: 'plan'; plan: RestorePlan; asCopy: boolean; undo?: boolean; dirty?: string[] }
  | { type: 'busy'; message: string }
  /** `editors`: what happened to open editors with unsaved changes, in a sentence. */
  | { type: 'applied'; result: RestoreResult; editors?: string }
  | { type: 'error'; message: string; stale?: boolean };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'rendered'; planId: string; rows: number; counts: Record<string, number> }
  | { type: 'apply'; planId: string; exclude: string[]; unsaved?: UnsavedChoice }
  | { type: 'setDelete'; value: boolean }
  | { type: 'showDiff'; path: string }
  | { type: 'openSafetySnapshot' }
  /** Run the dry run again (the target changed since the preview). */
  | { type: 'preview' }
  /** Restore as copy, done: open what was written. */
  | { type: 'openCopy' }
  | { type: 'undo' }
  | { type: 'cancel' };

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Validates a message from the webview: anything unexpected is dropped, never acted on. */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'cancel':
    case 'preview':
    case 'openCopy':
    case 'openSafetySnapshot':
    case 'undo':
      return { type: m.type };
    case 'rendered':
      return typeof m.planId === 'string' && typeof m.rows === 'number' && typeof m.counts === 'object' && m.counts !== null
        ? { type: 'rendered', planId: m.planId, rows: m.rows, counts: m.counts as Record<string, number> }
        : undefined;
    case 'apply':
      if (typeof m.planId !== 'string' || !isStringArray(m.exclude)) return undefined;
      if (m.unsaved === undefined) return { type: 'apply', planId: m.planId, exclude: m.exclude };
      return typeof m.unsaved === 'string' && UNSAVED_CHOICES.includes(m.unsaved) ? { type: 'apply', planId: m.planId, exclude: m.exclude, unsaved: m.unsaved as UnsavedChoice } : undefined;
    case 'setDelete':
      return typeof m.value === 'boolean' ? { type: 'setDelete', value: m.value } : undefined;
    case 'showDiff':
      return typeof m.path === 'string' ? { type: 'showDiff', path: m.path } : undefined;
    default:
      return undefined;
  }
}
