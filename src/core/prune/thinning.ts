import type { BackupRoot } from '../root/backupRoot';
import { SnapshotMeta, triggerOf } from '../root/notes';
import { planPrune } from './prune';
import type { PrunePlan } from './types';

/** How long a label the editor wrote itself ("before delete of …", after a git operation) keeps a snapshot from thinning. */
export const TOOL_LABEL_DAYS = 7;
const TOOL_LABELLED = new Set(['before-delete', 'before-rename', 'git']);
const DAY_MS = 86_400_000;

/**
 * Why thinning keeps a snapshot the strategy would delete, or undefined. A label the user wrote keeps it forever; a
 * label the editor generated keeps it for TOOL_LABEL_DAYS, then it thins like the rest. (Pinned snapshots and
 * safety snapshots are kept by every prune: keptForever.)
 */
export function thinningKeeps(meta: SnapshotMeta | undefined, time: Date, now: Date): string | undefined {
  if (!meta?.label) return undefined;
  const trigger = triggerOf(meta);
  if (trigger === 'pre-restore') return undefined; // kept forever already, by every prune
  if (trigger && TOOL_LABELLED.has(trigger)) {
    return now.getTime() - time.getTime() < TOOL_LABEL_DAYS * DAY_MS ? `labelled by the editor less than ${TOOL_LABEL_DAYS} days ago (${meta.label})` : undefined;
  }
  return `labelled by you (${meta.label}): thinning never deletes it`;
}

/**
 * The plan that thins automatic history by `strategy` ("1d:1h 7d:1d 90d:1w"): what planPrune's strategy deletes,
 * less what the user labelled, and less what the editor labelled in the last TOOL_LABEL_DAYS days. Deletes nothing;
 * apply it with applyPrune (under the root's lock, each entry re-checked). Sizes are not measured.
 */
export async function planThinning(root: BackupRoot, strategy: string, options: { now?: Date; signal?: AbortSignal } = {}): Promise<PrunePlan> {
  const now = options.now ?? new Date();
  const { notes } = await root.notes.readAll();
  const plan = await planPrune(root, { strategy }, { now, measureSizes: false, signal: options.signal, notes });
  if (!plan.delete.length) return plan;
  const keep = [...plan.keep];
  const remove = plan.delete.filter((entry) => {
    const why = thinningKeeps(notes.get(entry.name), entry.time, now);
    if (why) keep.push({ name: entry.name, time: entry.time, reason: `${why}; the strategy would delete it (${entry.reason})`, forever: true });
    return !why;
  });
  keep.sort((a, b) => a.time.getTime() - b.time.getTime());
  return { ...plan, delete: remove, keep };
}
