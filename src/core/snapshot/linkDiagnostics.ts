import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { parseSnapshotName } from '../root/format';
import type { RootListing } from '../root/listing';
import { probeHardLinks } from '../util/linkProbe';
import { decodeNameBytes, fsPath } from '../util/nameBytes';
import type { SnapshotResult } from './types';

/** Why a snapshot that should have been mostly hard links is (almost) a full copy. */
export type LinkCause = 'ok' | 'first-snapshot' | 'latest-missing' | 'latest-dangling' | 'latest-invalid' | 'different-filesystem' | 'no-hard-links' | 'attribute-mismatch' | 'unknown';

export type LinkAttribute = 'uid' | 'gid' | 'mode' | 'mtime';

export interface LinkDiagnosis {
  /** True when nothing (or almost nothing) was hard-linked although most files were unchanged. */
  problem: boolean;
  cause: LinkCause;
  /** For a person: what happened, why, and what to do. */
  message: string;
  /** A file (relative to the snapshot) that should have been linked but was copied. */
  file?: string;
  /** Which of its attributes differed from the previous snapshot's copy. */
  attribute?: LinkAttribute;
  /** Attribute values: previous snapshot's and this one's. */
  previousValue?: string;
  currentValue?: string;
  /** Files compared: same path in both snapshots; linked (same inode); same size and content but another inode. */
  compared: number;
  linked: number;
  copiedUnchanged: number;
}

export interface DiagnoseOptions {
  /** Regular files compared at most (walk order); default 5000. */
  sampleLimit?: number;
}

const CONTENT_COMPARE_MAX = 1 << 20;

/**
 * Looks at a finished snapshot next to the previous one. Compares up to `sampleLimit` regular files present
 * in both under the same path: linked (same inode) or copied although unchanged (same size and content).
 * When nothing was linked although most were unchanged, finds the cause, checking in order: no --link-dest
 * (latest missing, dangling or not a snapshot — result.fullCopyReason); the previous snapshot on another
 * filesystem than this one; hard links refused in the root (link(2) probe); an attribute rsync -a compares
 * differing between the two copies of an unchanged file (uid, gid, mode, mtime).
 * Local roots only (it reads both snapshots' files): for a remote root it says so and finds nothing.
 */
export async function diagnoseLinking(backupRoot: BackupRoot, result: SnapshotResult, options: DiagnoseOptions = {}): Promise<LinkDiagnosis> {
  const root = backupRoot.localPath;
  if (!root)
    return {
      problem: false,
      cause: 'unknown',
      message: `Link diagnostics read both snapshots' files, so they run on local roots only; check ${backupRoot.spec} with "rsync-snapshots doctor".`,
      compared: 0,
      linked: 0,
      copiedUnchanged: 0,
    };
  const previousPath = result.linkDest ?? (await previousSnapshot(result, await backupRoot.list()));
  if (!previousPath) return { problem: false, cause: 'first-snapshot', message: 'First snapshot: nothing to link against.', compared: 0, linked: 0, copiedUnchanged: 0 };

  const sample = await compareTrees(previousPath, result.path, options.sampleLimit ?? 5000);
  const counts = { compared: sample.compared, linked: sample.linked, copiedUnchanged: sample.copiedUnchanged };
  const unchanged = sample.linked + sample.copiedUnchanged;
  // "Nothing linked although most files were unchanged": fewer than 1% linked, and at least half unchanged.
  const problem = sample.compared > 0 && unchanged * 2 >= sample.compared && sample.linked * 100 < Math.max(1, unchanged);
  if (!problem) {
    return { problem: false, cause: 'ok', message: `${sample.linked} of ${sample.compared} files compared are hard links to ${path.basename(previousPath)}.`, ...counts };
  }
  const first = sample.firstCopied;
  const head = `Snapshot ${result.name} is a full copy: ${sample.copiedUnchanged} of ${sample.compared} files compared are unchanged since ${path.basename(previousPath)} but were copied instead of hard-linked, so this snapshot costs its full size.`;

  if (!result.linkDest) {
    const reason = result.fullCopyReason ?? '';
    const cause: LinkCause = /missing/.test(reason) ? 'latest-missing' : /does not exist/.test(reason) ? 'latest-dangling' : 'latest-invalid';
    const fix =
      cause === 'latest-missing'
        ? `ROOT/latest was missing, so rsync had no --link-dest. It now points at ${result.name}; the next snapshot links again.`
        : `ROOT/latest did not point at a snapshot (${reason || 'invalid'}), so rsync had no --link-dest. It now points at ${result.name}; the next snapshot links again.`;
    return { problem: true, cause, message: `${head} ${fix}`, file: first?.rel, ...counts };
  }

  const [prevStat, curStat] = await Promise.all([fs.stat(previousPath), fs.stat(result.path)]);
  if (prevStat.dev !== curStat.dev) {
    return {
      problem: true,
      cause: 'different-filesystem',
      message: `${head} The previous snapshot ${previousPath} is on another filesystem (device ${prevStat.dev}) than ${result.path} (device ${curStat.dev}); hard links cannot cross filesystems. Keep the whole backup root on one filesystem (e.g. do not mount a disk inside it).`,
      file: first?.rel,
      ...counts,
    };
  }

  const linkProbe = await probeHardLinks(root);
  if (!linkProbe.ok) {
    return {
      problem: true,
      cause: 'no-hard-links',
      message: `${head} The filesystem of ${root} refuses hard links (${linkProbe.error}). Put the backup root on a filesystem with hard links (ext4, xfs, btrfs, APFS, NTFS via ntfs-3g), not FAT/exFAT or a share without them.`,
      file: first?.rel,
      ...counts,
    };
  }

  if (first) {
    const diff = attributeDifference(first.prev, first.cur);
    if (diff) {
      const hint =
        diff.attribute === 'uid' || diff.attribute === 'gid'
          ? "rsync -a preserves ownership only when run as root, so every copy differs from the previous one. Run the snapshot as root, or make the previous snapshot's files owned by the running user (chown -R)."
          : diff.attribute === 'mode'
            ? 'The permissions changed in the source (e.g. a chmod -R, or a checkout/unzip tool resetting modes). Once they stay stable, the next snapshots link again.'
            : 'The modification times changed in the source without the content changing (e.g. a tool that touches every file, or a filesystem with coarse timestamps). Once they stay stable, the next snapshots link again.';
      return {
        problem: true,
        cause: 'attribute-mismatch',
        message: `${head} For example ${first.rel}: its ${diff.attribute} differs (${diff.previous} before, ${diff.current} now), and rsync -a links only files whose attributes match. ${hint}`,
        file: first.rel,
        attribute: diff.attribute,
        previousValue: diff.previous,
        currentValue: diff.current,
        ...counts,
      };
    }
  }
  return {
    problem: true,
    cause: 'unknown',
    message: `${head} latest, the filesystem and the compared attributes (uid, gid, mode, mtime) look fine; check ACLs/extended attributes and rsync's options.`,
    file: first?.rel,
    ...counts,
  };
}

async function previousSnapshot(result: SnapshotResult, listing: RootListing): Promise<string | undefined> {
  const time = parseSnapshotName(result.name)?.time.getTime() ?? Infinity;
  const before = listing.snapshots.filter((s) => s.name !== result.name && s.time.getTime() <= time);
  return before.length ? before[before.length - 1].path : undefined;
}

interface CopiedFile {
  rel: string;
  prev: import('node:fs').Stats;
  cur: import('node:fs').Stats;
}

async function compareTrees(previous: string, current: string, limit: number): Promise<{ compared: number; linked: number; copiedUnchanged: number; firstCopied?: CopiedFile }> {
  let compared = 0;
  let linked = 0;
  let copiedUnchanged = 0;
  let firstCopied: CopiedFile | undefined;
  const stack = [''];
  while (stack.length && compared < limit) {
    const rel = stack.pop()!;
    // Names as bytes (a name that is not UTF-8 is carried escaped, see nameBytes.ts), so every file can be looked at.
    const entries = await fs.readdir(fsPath(path.join(current, rel)), { withFileTypes: true, encoding: 'buffer' }).catch(() => []);
    for (const entry of entries) {
      if (compared >= limit) break;
      const name = decodeNameBytes(entry.name);
      const childRel = rel ? `${rel}/${name}` : name;
      if (entry.isDirectory()) {
        stack.push(childRel);
        continue;
      }
      if (!entry.isFile()) continue;
      const [cur, prev] = await Promise.all([fs.lstat(fsPath(path.join(current, childRel))), fs.lstat(fsPath(path.join(previous, childRel))).catch(() => undefined)]);
      if (!prev?.isFile()) continue;
      compared++;
      if (prev.dev === cur.dev && prev.ino === cur.ino) {
        linked++;
        continue;
      }
      if (prev.size !== cur.size) continue;
      if (!(await sameContent(path.join(previous, childRel), path.join(current, childRel), cur.size))) continue;
      copiedUnchanged++;
      // Prefer an example whose attributes explain it.
      if (!firstCopied || (!attributeDifference(firstCopied.prev, firstCopied.cur) && attributeDifference(prev, cur))) firstCopied = { rel: childRel, prev, cur };
    }
  }
  return { compared, linked, copiedUnchanged, firstCopied };
}

async function sameContent(a: string, b: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  if (size > CONTENT_COMPARE_MAX) return true; // same size, large: assume unchanged rather than read it all (rsync's quick check would too)
  try {
    const [x, y] = await Promise.all([fs.readFile(fsPath(a)), fs.readFile(fsPath(b))]);
    return x.equals(y);
  } catch {
    return false;
  }
}

function attributeDifference(prev: import('node:fs').Stats, cur: import('node:fs').Stats): { attribute: LinkAttribute; previous: string; current: string } | undefined {
  if (prev.uid !== cur.uid) return { attribute: 'uid', previous: String(prev.uid), current: String(cur.uid) };
  if (prev.gid !== cur.gid) return { attribute: 'gid', previous: String(prev.gid), current: String(cur.gid) };
  if ((prev.mode & 0o7777) !== (cur.mode & 0o7777))
    return { attribute: 'mode', previous: (prev.mode & 0o7777).toString(8).padStart(4, '0'), current: (cur.mode & 0o7777).toString(8).padStart(4, '0') };
  if (prev.mtimeMs !== cur.mtimeMs) return { attribute: 'mtime', previous: prev.mtime.toISOString(), current: cur.mtime.toISOString() };
  return undefined;
}
