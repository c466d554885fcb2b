import path from 'node:path';
import { RESTORE_TEMP_DIR } from '../restore/temp';
import type { BackupRoot } from '../root/backupRoot';

/** Consecutive snapshots in which a path holds the same content: one choice in a picker. */
export interface SnapshotRun {
  /** Oldest first. */
  names: string[];
}

const onPath = (p: string, rel: string) => rel === '.' || p === rel || p.startsWith(rel + '/') || rel.startsWith(p + '/');

/**
 * Groups `names` (oldest first) into runs in which `rel` ('.' for all) did not change: every pair of neighbours is
 * compared by content (`checksum`; hard-linked files are the same file and read nothing), so two snapshots in one
 * run are byte-for-byte the same under `rel` — never size and mtime alone. One diff per neighbour pair, except for the
 * snapshots in `knownChanged` (e.g. rsync wrote files into them), which start a run of their own.
 */
export async function distinctSnapshots(root: BackupRoot, names: string[], rel: string, options: { signal?: AbortSignal; knownChanged?: Set<string> } = {}): Promise<SnapshotRun[]> {
  const { signal, knownChanged } = options;
  const runs: SnapshotRun[] = [];
  const exclude = (p: string, isDir: boolean) => (isDir && path.posix.basename(p) === RESTORE_TEMP_DIR) || !onPath(p, rel);
  for (const [i, name] of names.entries()) {
    // knownChanged: snapshots that surely differ from the one before under `rel` (no walk needed).
    if (i > 0 && !knownChanged?.has(name)) {
      const { raw } = await root.changes.diff(names[i - 1], name, { exclude, signal, checksum: true });
      if (!raw.added.length && !raw.modified.length && !raw.deleted.length && !raw.unreadable.length) {
        runs[runs.length - 1].names.push(name);
        continue;
      }
    }
    runs.push({ names: [name] });
  }
  return runs;
}
