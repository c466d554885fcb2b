import type { BackupRoot } from '../root/backupRoot';
import type { RootListing } from '../root/listing';
import { computeChangeEntries } from './compute';
import { CHANGES_FORMAT, CHANGES_VERSION, ChangeEntry, decodeChangeSet, encodeChangeSet, FolderStamp, sameStamp, StoredChangeSet } from './format';
import type { ChangeSetPlace } from './types';

/**
 * Change sets: what each snapshot changed against the snapshot before it in the listing (format.ts). An accelerator,
 * never a requirement, never trusted blindly: a stored set is used only when
 * - it decodes as exactly a version-1 set (anything else — garbage, truncated, another version — is recomputed);
 * - it names this snapshot, and `against` is the snapshot's predecessor in today's listing (a snapshot between was
 *   pruned, or one was added between: recomputed);
 * - the lstat dev, inode, mtime and ctime of both folders are what the set recorded (a folder touched, replaced,
 *   renamed over, or an entry added to or removed from its top: recomputed).
 * Files are read safely (lstat first, regular files only, at most CHANGES_MAX_BYTES, never through a symlink) by the
 * root's ChangeSetAccess. A missing or stale set is computed from the inode listings of the two folders (one `find`
 * each, the bytes compared where size and mtime are equal) and stored: in the root when it is writable and ours, else
 * in the cache folder; a set computed while either folder changed is used once but not stored.
 *
 * What validation cannot see: a change deep inside a snapshot folder that leaves its top folder's times alone (someone
 * editing files inside a snapshot). Snapshots are read-only by contract; `changes` then answers from the set.
 */

/** Valid sets of these snapshots (each against its predecessor), with the names that had to be computed. */
export interface ChangeSets {
  sets: Map<string, ChangeEntry[]>;
  computed: string[];
}

/** Why a stored set is not used, or undefined when it is valid for (name, against, stamps). */
function invalidity(set: StoredChangeSet | undefined, name: string, against: string | null, stamps: Map<string, FolderStamp>): string | undefined {
  if (!set) return 'unreadable';
  if (set.header.snapshot !== name) return 'another snapshot';
  if (set.header.against !== against) return 'another predecessor';
  if (!sameStamp(set.header.snapshotFolder, stamps.get(name))) return 'folder changed';
  if (against !== null && !sameStamp(set.header.againstFolder, stamps.get(against))) return 'predecessor changed';
  return undefined;
}

/**
 * The change sets of `names` (snapshots of `listing`, none of them the first), each against its predecessor in the
 * listing: the stored ones that are valid, the others computed and stored. Undefined when the root keeps no sets,
 * when more than `computeAtMost` are missing, or when some set cannot be computed (a folder that cannot be listed
 * completely, find missing): then walk in full.
 */
export async function changeSetsFor(root: BackupRoot, listing: RootListing, names: string[], options: { signal?: AbortSignal; computeAtMost?: number } = {}): Promise<ChangeSets | undefined> {
  const access = root.changeSets;
  if (!access) return undefined;
  const order = listing.snapshots.map((s) => s.name);
  const index = new Map(order.map((n, i) => [n, i]));
  const wanted = [...new Set(names)].sort((x, y) => (index.get(x) ?? -1) - (index.get(y) ?? -1));
  if (wanted.some((n) => !index.get(n))) return undefined; // unknown, or the first snapshot (no predecessor)
  const predecessor = (name: string) => order[(index.get(name) as number) - 1];
  const stamps = await access.stamps([...new Set(wanted.flatMap((n) => [n, predecessor(n)]))]);
  const sets = new Map<string, ChangeEntry[]>();
  const missing: string[] = [];
  await Promise.all(
    wanted.map(async (name) => {
      for (const bytes of await access.read(name)) {
        const set = decodeChangeSet(bytes);
        if (set && !invalidity(set, name, predecessor(name), stamps)) {
          sets.set(name, set.entries);
          return;
        }
      }
      missing.push(name);
    }),
  );
  // Computing a set costs a full walk of its pair: past `computeAtMost` missing sets the caller's own walk is cheaper.
  if (options.computeAtMost !== undefined && missing.length > options.computeAtMost) return undefined;
  missing.sort((x, y) => (index.get(x) as number) - (index.get(y) as number));
  // Consecutive missing sets share listings: each folder is listed once.
  let last: { name: string; entries: Awaited<ReturnType<typeof access.listing>> } | undefined;
  for (const name of missing) {
    const p = predecessor(name);
    const before = last?.name === p ? last.entries : await access.listing(p, options.signal);
    const after = await access.listing(name, options.signal);
    last = { name, entries: after };
    if (!before || !after) return undefined;
    const entries = await computeChangeEntries(before, after, (paths) => access.sameContent(p, name, paths));
    sets.set(name, entries);
    const now = await access.stamps([p, name]);
    const [sp, sn] = [stamps.get(p), stamps.get(name)];
    if (!sp || !sn || !sameStamp(now.get(p), sp) || !sameStamp(now.get(name), sn)) continue; // changed while listed: not kept
    await access.store(name, encodeChangeSet(changeSetFile(name, p, sn, sp, entries, 'listing')));
  }
  return { sets, computed: missing };
}

function changeSetFile(name: string, against: string | null, folder: FolderStamp, againstFolder: FolderStamp | null, entries: ChangeEntry[], source: 'listing' | 'rsync'): StoredChangeSet {
  return {
    header: { format: CHANGES_FORMAT, version: CHANGES_VERSION, snapshot: name, against, snapshotFolder: folder, againstFolder, entries: entries.length, source },
    entries,
  };
}

/**
 * For the snapshot run (not called yet): records snapshot `name`'s set from rsync's itemized output, against
 * `against` (the snapshot it was linked to, which must be its predecessor in the listing to be used later; null =
 * "full", every path listed as created). Call it after the folder was renamed into place and touched (the stamps
 * recorded are the folders' as they are now). Stored in the root when possible (preferRoot), else the cache; never throws.
 */
export async function recordChangeSet(root: BackupRoot, name: string, against: string | null, entries: ChangeEntry[]): Promise<ChangeSetPlace> {
  const access = root.changeSets;
  if (!access) return 'none';
  try {
    const stamps = await access.stamps(against ? [name, against] : [name]);
    const folder = stamps.get(name);
    const againstFolder = against ? stamps.get(against) : null;
    if (!folder || againstFolder === undefined) return 'none';
    const sorted = [...entries].sort((x, y) => Buffer.compare(x.path, y.path));
    return await access.store(name, encodeChangeSet(changeSetFile(name, against, folder, againstFolder, sorted, 'rsync')), { preferRoot: true });
  } catch {
    return 'none';
  }
}
