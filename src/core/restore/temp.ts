import fs from 'node:fs/promises';
import path from 'node:path';
import { removeTree } from '../util/removeTree';
import { processRuns } from '../util/processRuns';

/**
 * rsync's temporary files of a restore (`.name.XXXXXX` while a file is written) go into one folder of ours on the
 * target's filesystem, `<target folder>/.rsync-snapshots-restore.tmp/<pid>/` (rsync --temp-dir), instead of beside
 * every file. A restore killed mid-apply leaves them there, and only there: the next restore into that folder, and
 * the next snapshot of a folder holding it at its top, remove what no running process uses. Snapshots and restore
 * plans never include the folder (excluded by name).
 */
export const RESTORE_TEMP_DIR = '.rsync-snapshots-restore.tmp';

/** rsync --exclude for it, at any depth (a file restore puts it in the file's folder). */
export const RESTORE_TEMP_EXCLUDE = `--exclude=${RESTORE_TEMP_DIR}/`;

const active = new Set<string>();

/** Removes what killed or finished runs left in `<dir>/.rsync-snapshots-restore.tmp/`, and the folder when empty. */
export async function removeStaleRestoreTemp(dir: string): Promise<void> {
  const top = path.join(dir, RESTORE_TEMP_DIR);
  const stat = await fs.lstat(top).catch(() => undefined);
  if (!stat?.isDirectory()) return;
  for (const name of await fs.readdir(top).catch(() => [] as string[])) {
    const own = path.join(top, name);
    const pid = Number(name);
    if (active.has(own) || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processRuns(pid))) continue;
    await removeTree(own);
  }
  await fs.rmdir(top).catch(() => {}); // still used by a running restore: stays
}

/**
 * The temp folder of this run (created, stale ones removed first); `done()` removes it again. `dir` is the restore's
 * target folder; when it does not exist yet (a restore as copy into a new folder, which rsync creates with the
 * snapshot's mode) the nearest existing folder above it holds the temp folder instead — same filesystem, nothing created
 * in the target's place.
 */
export async function restoreTempDir(target: string): Promise<{ path: string; done(): Promise<void> }> {
  let dir = path.resolve(target);
  while (
    !(await fs.stat(dir).then(
      (st) => st.isDirectory(),
      () => false,
    )) &&
    path.dirname(dir) !== dir
  )
    dir = path.dirname(dir);
  await removeStaleRestoreTemp(dir);
  const own = path.join(dir, RESTORE_TEMP_DIR, String(process.pid));
  await fs.mkdir(own, { recursive: true, mode: 0o700 });
  active.add(own);
  return {
    path: own,
    done: async () => {
      active.delete(own);
      await removeStaleRestoreTemp(dir).catch(() => {});
    },
  };
}
