import type { Snapshot } from '../../core/root/listing';

/** A root with more snapshots than this shows them grouped by time; fewer read best as one list. */
export const GROUP_AFTER = 30;

/** One time group of the Snapshots view: Today, Yesterday, Earlier this week, a month of this year, an earlier year. */
export interface SnapshotGroup {
  key: string;
  title: string;
  /** Newest first. */
  snapshots: Snapshot[];
}

const MONTH = new Intl.DateTimeFormat('en', { month: 'long' });

/** The group a time falls in, seen from `now` (local time; weeks start on Monday). */
export function groupOf(time: Date, now: Date): { key: string; title: string } {
  const y = now.getFullYear();
  const today = new Date(y, now.getMonth(), now.getDate());
  const yesterday = new Date(y, now.getMonth(), now.getDate() - 1);
  const weekStart = new Date(y, now.getMonth(), now.getDate() - ((today.getDay() + 6) % 7));
  if (time >= today) return { key: 'today', title: 'Today' };
  if (time >= yesterday) return { key: 'yesterday', title: 'Yesterday' };
  if (time >= weekStart) return { key: 'week', title: 'Earlier this week' };
  if (time.getFullYear() === y) return { key: `month-${time.getMonth() + 1}`, title: MONTH.format(time) };
  return { key: `year-${time.getFullYear()}`, title: String(time.getFullYear()) };
}

/** Snapshots (newest first) in time groups, newest group first; one pass, so 10,000 snapshots cost one walk. */
export function groupSnapshots(newestFirst: Snapshot[], now = new Date()): SnapshotGroup[] {
  const groups: SnapshotGroup[] = [];
  for (const snapshot of newestFirst) {
    const { key, title } = groupOf(snapshot.time, now);
    const last = groups[groups.length - 1];
    if (last?.key === key) last.snapshots.push(snapshot);
    else groups.push({ key, title, snapshots: [snapshot] });
  }
  return groups;
}
