import type { RestoreResult } from '../core/restore/apply';
import type { RestorePlan } from '../core/restore/types';

/** Messages between the restore webview (src/webview/restore.ts) and RestorePanel: both import these types; each side checks every message's shape. */
export type ToWebview =
  | { type: 'plan'; plan: RestorePlan; asCopy: boolean; undo?: boolean }
  | { type: 'busy'; message: string }
  | { type: 'applied'; result: RestoreResult }
  | { type: 'error'; message: string; stale?: boolean };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'rendered'; planId: string; rows: number; counts: Record<string, number> }
  | { type: 'apply'; planId: string; exclude: string[] }
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
      return typeof m.planId === 'string' && isStringArray(m.exclude) ? { type: 'apply', planId: m.planId, exclude: m.exclude } : undefined;
    case 'setDelete':
      return typeof m.value === 'boolean' ? { type: 'setDelete', value: m.value } : undefined;
    case 'showDiff':
      return typeof m.path === 'string' ? { type: 'showDiff', path: m.path } : undefined;
    default:
      return undefined;
  }
}
