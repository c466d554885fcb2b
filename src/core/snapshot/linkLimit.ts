import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Files rsync copied because --link-dest's hard link failed. rsync falls back to a local copy and says nothing unless
 * --info=name1 is on (then: `rsync: [generator] link "DEST/REL" => BASIS failed: Too many links (31)`); its --stats
 * still count the file as not transferred, i.e. "unchanged and hard-linked". Measured with rsync 3.2–3.5 on ext4 at
 * 65,000 links. EMLINK (31, the inode's link limit) is told apart from other causes (EPERM of protected hard links, …).
 */
export interface LinkFailures {
  /** Relative paths copied because their inode reached the filesystem's link limit (EMLINK). */
  linkLimit: string[];
  /** Relative paths copied because linking failed otherwise, with rsync's reason. */
  other: { path: string; why: string }[];
}

const LINK_FAILED = /^rsync: (?:\[\w+\] )?link "(.*)" => .* failed: (.*?) \((\d+)\)$/;
const EMLINK = 31;

/** The link failures in a snapshot run's stdout (with --info=name1); `dest` is the destination folder's path as rsync was given it. */
export function parseLinkFailures(stdout: string, dest: string): LinkFailures {
  const failures: LinkFailures = { linkLimit: [], other: [] };
  if (!stdout.includes('" => ')) return failures; // the normal case: no scan of every name line
  const prefix = dest.endsWith('/') ? dest : `${dest}/`;
  for (const line of stdout.split(/[\r\n]/)) {
    const m = LINK_FAILED.exec(line);
    if (!m) continue;
    const at = m[1].indexOf(prefix);
    const rel = at >= 0 ? m[1].slice(at + prefix.length) : m[1];
    if (Number(m[3]) === EMLINK) failures.linkLimit.push(rel);
    else failures.other.push({ path: rel, why: m[2] });
  }
  return failures;
}

/** Bytes of the copied files of a local snapshot (lstat each); 0 for what cannot be read. */
export async function copiedBytes(snapshotDir: string, rels: string[]): Promise<number> {
  const sizes = await Promise.all(
    rels.map((rel) =>
      fs.lstat(path.join(snapshotDir, rel)).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/** The warning for a run that hit the link limit: how many, which (the first few), and what it means. */
export function linkLimitWarning(rels: string[], limit: number | undefined): string {
  const shown = rels.slice(0, 5).join(', ') + (rels.length > 5 ? ` and ${rels.length - 5} more` : '');
  return `${rels.length} file(s) were copied, not hard-linked, because their inode reached the filesystem's link limit${limit ? ` (${limit.toLocaleString('en-US')} links)` : ''}: ${shown}. This is safe (each new copy starts a fresh inode for the snapshots after it), but each such copy costs its full size once.`;
}

export function linkFailedWarning(other: LinkFailures['other']): string {
  const shown = other
    .slice(0, 5)
    .map((o) => `${o.path} (${o.why})`)
    .join(', ');
  return `${other.length} unchanged file(s) could not be hard-linked and were copied: ${shown}${other.length > 5 ? ` and ${other.length - 5} more` : ''}.`;
}

const EXT_MAGIC = 0xef53;

/** The link limit of a local folder's filesystem from statfs's f_type: ext2/3/4 share one magic, taken as ext4's 65,000. */
export async function localLinkLimit(dir: string): Promise<number | undefined> {
  const stats = await fs.statfs(dir).catch(() => undefined);
  return stats?.type === EXT_MAGIC ? 65_000 : undefined;
}
