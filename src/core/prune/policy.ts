import { SnapshotError } from '../util/errors';

/**
 * Retention policy, pure decision logic (no file system): which snapshots a policy allows to delete.
 *
 * Options combine by agreement: a snapshot is deleted only when EVERY given option selects it, so adding an
 * option can only keep more, never delete more.
 * - olderThan "30d": selects snapshots whose directory mtime is older than the duration, counted like
 *   `find -mtime +30`: the age in whole units, rounded down, must be greater than N (so 30d selects an age of
 *   31 full days or more, exactly the set `find ROOT -maxdepth 1 -type d -name '20*' -mtime +30` prints).
 *   mtime, not the name, because the seed's cron prune uses it and our snapshots are touched when finished.
 *   Units: m (minutes, like -mmin), h, d (default), w.
 * - keepLast N: selects every snapshot except the N newest (by name time).
 * - strategy "1d:1h 7d:1d 90d:1w" (after X keep one per Y; units m, h, d, w) or rsync-time-backup's
 *   "1:1 30:7 365:30" (bare numbers are days): its fn_expire_backups, by name time: walking oldest to newest,
 *   the oldest is always kept; for each other snapshot the token with the largest X whose cut-off (now − X)
 *   it is at or before applies; with Y = 0 it is selected; otherwise it is selected when fewer than Y passed
 *   since the last kept one, counted in whole UTC buckets (days, epoch/86400 rounded down, for d and w, where
 *   1w is 7 days; hours or minutes for h and m), and kept (becoming the last kept) when not. Snapshots newer
 *   than every cut-off are kept. The newest is always kept.
 * Whatever the options say, the newest snapshot and the one `latest` points at are never deleted.
 */
export interface PrunePolicy {
  olderThan?: string;
  keepLast?: number;
  strategy?: string;
}

export interface PolicySnapshot {
  name: string;
  /** Time from the name (local time). */
  time: Date;
  /** The directory's mtime (what `find -mtime` measures). */
  mtime: Date;
}

export interface StrategyToken {
  /** Once a snapshot is this old… */
  after: Duration;
  /** …keep one per this (a count of 0: keep none). */
  every: Duration;
  /** The token as written, for reasons. */
  text: string;
}

export interface PolicyDecision {
  name: string;
  delete: boolean;
  /** Why it is deleted (every option's reason) or why it is kept (the first reason). */
  reason: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const UNIT_NAME: Record<string, string> = { m: 'minute', h: 'hour', d: 'day', w: 'week' };

export interface Duration {
  count: number;
  unit: 'm' | 'h' | 'd' | 'w';
}

export function parseDuration(text: string): Duration {
  const m = /^\s*(\d+)\s*([mhdw]?)\s*$/i.exec(text);
  if (!m) throw new SnapshotError('BAD_INPUT', `Cannot read the age "${text}": write a whole number with a unit, e.g. 30d (days), 12h, 2w or 90m.`);
  return { count: Number(m[1]), unit: (m[2] || 'd').toLowerCase() as Duration['unit'] };
}

/** The default thinning of automatic history: every snapshot for a day, one per hour for a week, one per day for 90 days, one per week after. */
export const DEFAULT_STRATEGY = '1d:1h 7d:1d 90d:1w';

export function parseStrategy(text: string): StrategyToken[] {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) throw new SnapshotError('BAD_INPUT', `The thinning strategy is empty: write tokens like "${DEFAULT_STRATEGY}" (after X keep one per Y), or in days "1:1 30:7 365:30".`);
  return parts.map((part) => {
    const m = /^(\d+)([mhdw]?):(\d+)([mhdw]?)$/i.exec(part);
    if (!m)
      throw new SnapshotError(
        'BAD_INPUT',
        `Cannot read the strategy token "${part}": each token is X:Y (once snapshots are X old, keep one per Y), with units m, h, d, w (bare numbers are days), e.g. "${DEFAULT_STRATEGY}" or "1:1 30:7 365:30".`,
      );
    const unit = (u: string) => (u || 'd').toLowerCase() as Duration['unit'];
    return { after: { count: Number(m[1]), unit: unit(m[2]) }, every: { count: Number(m[3]), unit: unit(m[4]) }, text: part };
  });
}

const seconds = (d: Duration) => (d.count * UNIT_MS[d.unit]) / 1000;

/** How a token's Y counts: in whole UTC days for d and w (as rsync-time-backup counts), in hours or minutes for h and m. */
function buckets(every: Duration): { size: number; count: number } {
  if (every.unit === 'd' || every.unit === 'w') return { size: 86400, count: every.count * (every.unit === 'w' ? 7 : 1) };
  return { size: UNIT_MS[every.unit] / 1000, count: every.count };
}

export function validatePolicy(policy: PrunePolicy): void {
  if (policy.olderThan === undefined && policy.keepLast === undefined && policy.strategy === undefined)
    throw new SnapshotError('BAD_INPUT', 'No retention policy given: pass --older-than (e.g. 30d), --keep-last N and/or --strategy "1:1 30:7 365:30". Nothing was deleted.');
  if (policy.olderThan !== undefined) parseDuration(policy.olderThan);
  if (policy.strategy !== undefined) parseStrategy(policy.strategy);
  if (policy.keepLast !== undefined && (!Number.isInteger(policy.keepLast) || policy.keepLast < 0))
    throw new SnapshotError('BAD_INPUT', `--keep-last must be a whole number of snapshots (0 or more), not ${policy.keepLast}.`);
}

/** `find -mtime +N` semantics, generalised to a unit: whole units of age, rounded down, greater than N. */
export function isOlderThan(mtime: Date, duration: Duration, now: Date): boolean {
  return Math.floor((now.getTime() - mtime.getTime()) / UNIT_MS[duration.unit]) > duration.count;
}

/** Names the strategy would expire, per rsync-time-backup's fn_expire_backups; `sorted` oldest first. */
export function strategyExpires(sorted: PolicySnapshot[], tokens: StrategyToken[], now: Date): Map<string, string> {
  const expired = new Map<string, string>();
  if (sorted.length < 2) return expired;
  const byAfter = [...tokens].sort((a, b) => seconds(b.after) - seconds(a.after));
  const nowSec = Math.floor(now.getTime() / 1000);
  let lastKept = Math.floor(sorted[0].time.getTime() / 1000);
  for (const snap of sorted.slice(1, -1)) {
    const ts = Math.floor(snap.time.getTime() / 1000);
    const token = byAfter.find((t) => ts <= nowSec - seconds(t.after));
    if (!token) continue;
    if (token.every.count === 0) {
      expired.set(snap.name, `strategy ${token.text} keeps nothing older than ${durationWords(token.after)}`);
      continue;
    }
    const { size, count } = buckets(token.every);
    const gap = Math.floor(ts / size) - Math.floor(lastKept / size);
    if (gap < count)
      expired.set(
        snap.name,
        `strategy ${token.text} keeps one per ${durationWords(token.every)} once older than ${durationWords(token.after)}; ${durationWords({ count: gap, unit: size === 86400 ? 'd' : token.every.unit })} after the last kept`,
      );
    else lastKept = ts;
  }
  return expired;
}

/**
 * Decides for each snapshot (any order) whether the policy deletes it. `protectedNames`: never deleted
 * (latest's target); the newest is protected too.
 */
export function decide(snapshots: PolicySnapshot[], policy: PrunePolicy, now: Date, protectedNames: Set<string> = new Set()): PolicyDecision[] {
  validatePolicy(policy);
  const sorted = [...snapshots].sort((a, b) => a.time.getTime() - b.time.getTime() || a.name.localeCompare(b.name));
  const duration = policy.olderThan !== undefined ? parseDuration(policy.olderThan) : undefined;
  const expired = policy.strategy !== undefined ? strategyExpires(sorted, parseStrategy(policy.strategy), now) : undefined;
  const newest = sorted[sorted.length - 1]?.name;
  return sorted.map((snap, i) => {
    if (snap.name === newest) return { name: snap.name, delete: false, reason: 'the newest snapshot is always kept' };
    if (protectedNames.has(snap.name)) return { name: snap.name, delete: false, reason: 'latest points at it' };
    const reasons: string[] = [];
    if (duration) {
      if (!isOlderThan(snap.mtime, duration, now)) return { name: snap.name, delete: false, reason: `not older than ${duration.count} ${UNIT_NAME[duration.unit]}(s)` };
      reasons.push(`older than ${duration.count} ${UNIT_NAME[duration.unit]}(s) (modified ${snap.mtime.toISOString()})`);
    }
    if (policy.keepLast !== undefined) {
      const rank = sorted.length - i; // 1 = newest
      if (rank <= policy.keepLast) return { name: snap.name, delete: false, reason: `one of the ${policy.keepLast} newest` };
      reasons.push(`not among the ${policy.keepLast} newest`);
    }
    if (expired) {
      const why = expired.get(snap.name);
      if (!why) return { name: snap.name, delete: false, reason: 'kept by the strategy' };
      reasons.push(why);
    }
    return { name: snap.name, delete: true, reason: reasons.join('; ') };
  });
}

/** "1 day", "2 hours", "1 week" (7 days), "1 year" (365 days), "30 days". */
function durationWords(d: Duration): string {
  const days = d.unit === 'd' ? d.count : d.unit === 'w' ? d.count * 7 : undefined;
  if (days === 7 || (d.unit === 'w' && d.count === 1)) return '1 week';
  if (days === 365) return '1 year';
  if (d.unit === 'w' && days !== undefined && days % 7 === 0) return `${d.count} weeks`;
  const n = days ?? d.count;
  const unit = days !== undefined ? 'day' : UNIT_NAME[d.unit];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "one per day", "one per week", "one per hour", "one every 30 days". */
function onePer(d: Duration): string {
  const words = durationWords(d);
  return words.startsWith('1 ') ? `one per ${words.slice(2)}` : `one every ${words}`;
}

/** A thinning strategy in plain words: "1:1 30:7 365:30" → "keeps everything for 1 day, then one per day until 30 days old, …". */
function describeStrategy(tokens: StrategyToken[]): string {
  const sorted = [...tokens].sort((a, b) => seconds(a.after) - seconds(b.after));
  const parts = sorted.map((t, i) => {
    const until = sorted[i + 1] ? ` until ${durationWords(sorted[i + 1].after)} old` : ' after that';
    return t.every.count === 0 ? `none${until}` : `${onePer(t.every)}${until}`;
  });
  const first = sorted[0].after;
  return `${first.count > 0 ? `keeps everything for ${durationWords(first)}, then ` : 'keeps '}${parts.join(', ')}`;
}

/**
 * What a policy keeps, in plain words for people (no tool names or notation): "keeps the newest 20", "deletes
 * snapshots older than 30 days", "keeps everything for 1 day, then one per day until 30 days old, …". All given options
 * must agree before a snapshot is deleted, so they join with "and".
 */
export function describePolicy(policy: PrunePolicy): string {
  const parts: string[] = [];
  if (policy.strategy !== undefined) parts.push(describeStrategy(parseStrategy(policy.strategy)));
  if (policy.keepLast !== undefined) parts.push(`keeps the newest ${policy.keepLast}`);
  if (policy.olderThan !== undefined) {
    const d = parseDuration(policy.olderThan);
    parts.push(`deletes only snapshots older than ${d.count} ${UNIT_NAME[d.unit]}${d.count === 1 ? '' : 's'}`);
  }
  return parts.join('; ') || 'keeps everything';
}
