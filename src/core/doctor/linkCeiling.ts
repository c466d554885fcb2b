import fs from 'node:fs/promises';
import path from 'node:path';
import type { RootListing } from '../root/listing';
import { localLinkLimit } from '../snapshot/linkLimit';
import type { DoctorCheck } from './types';

const DAY_MS = 86_400_000;

/** The inode of `dir`'s tree with the most hard links: its count, one path, and how many paths of the tree share it. */
export async function highestLinkCount(dir: string): Promise<{ links: number; rel: string; inTree: number } | undefined> {
  let best: { links: number; rel: string; ino: number } | undefined;
  const inTree = new Map<number, number>();
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) {
        const st = await fs.lstat(path.join(dir, child)).catch(() => undefined);
        if (!st || st.nlink < 2) continue;
        inTree.set(st.ino, (inTree.get(st.ino) ?? 0) + 1);
        if (!best || st.nlink > best.links) best = { links: st.nlink, rel: child, ino: st.ino };
      }
    }
  };
  await walk('');
  return best && { links: best.links, rel: best.rel, inTree: inTree.get(best.ino) ?? 1 };
}

/** Snapshots per day lately: those of the last 7 days (or of the whole history when it is younger), at least one a day. */
function snapshotsPerDay(listing: RootListing, now: Date): number {
  const times = listing.snapshots.map((s) => s.time.getTime());
  if (times.length < 2) return 1;
  const since = Math.max(times[0], now.getTime() - 7 * DAY_MS);
  const recent = times.filter((t) => t >= since).length;
  return Math.max(recent / Math.max((now.getTime() - since) / DAY_MS, 1 / 24), 1 / 7);
}

/**
 * The hard-link ceiling: the highest link count in latest (what the next snapshot links against), the filesystem's
 * limit per inode (statfs f_type: ext4 65,000) and, at the current rate (each snapshot adds as many links to an
 * unchanged inode as latest holds paths of it), the date it would be reached. At the limit rsync copies the file
 * silently; snapshots count it as copied ("link limit"). Local roots only: the walk reads every file's inode.
 */
export async function checkLinkCeiling(localPath: string | undefined, listing: RootListing, now = new Date()): Promise<DoctorCheck> {
  const name = 'hard-link ceiling';
  if (!localPath) return { name, ok: true, detail: 'not measured on a remote root (snapshots report files copied at the link limit)' };
  if (!listing.latest) return { name, ok: true, detail: 'no latest snapshot to measure' };
  const limit = await localLinkLimit(localPath);
  const top = await highestLinkCount(path.join(localPath, listing.latest.name));
  const limitText = limit ? `ext4's limit ${limit.toLocaleString('en-US')}` : 'no known limit on this filesystem';
  if (!top) return { name, ok: true, detail: `no file of ${listing.latest.name} is hard-linked yet; ${limitText}` };
  const said = `highest link count ${top.links.toLocaleString('en-US')} (${top.rel}) of ${limitText}`;
  if (!limit) return { name, ok: true, detail: said };
  if (top.links >= limit)
    return {
      name,
      ok: false,
      detail: `${said}: reached — rsync copies such files instead of linking them (each copy costs its full size once, then links again)`,
      fix: 'Harmless for the snapshots; snapshots report these copies as "link limit". Thinning old snapshots (prune) lowers the counts.',
    };
  const perDay = snapshotsPerDay(listing, now) * top.inTree;
  const when = new Date(now.getTime() + ((limit - top.links) / perDay) * DAY_MS);
  return { name, ok: true, detail: `${said}; at ${perDay.toFixed(perDay < 10 ? 1 : 0)} links a day it would be reached about ${when.toISOString().slice(0, 10)}` };
}
