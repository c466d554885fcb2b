import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { findSnapshot } from '../root/find';
import { takeSnapshot } from '../snapshot/snapshot';
import { errnoCode, SnapshotError } from '../util/errors';
import { fsPath, nameBytes } from '../util/nameBytes';
import { describeRsyncFailure, formatCommandLine } from '../util/rsync';
import { restoreFingerprint } from './fingerprint';
import { ITEMIZE_ENV } from './itemize';
import { localItemInfo } from './itemInfo';
import { withReachablePath } from './longPath';
import { joinItem, symlinkOnTheWay } from './paths';
import { restoreRsyncArgs, singleFileInput, validateRestorePlan } from './plan';
import { selection } from './select';
import { restoreTempDir } from './temp';
import type { ItemInfo, RestoreItem, RestorePlan } from './types';
import type { UndoRestore } from './undo';
import { checkLinksBeforeApply, replaceLinkWithFolder, undoScope, workspacePrefix } from './workspaceLinks';

/** Label stored in the sidecar of the snapshot taken right before a restore. */
export const PRE_RESTORE_LABEL = 'pre-restore';

export interface ApplyRestoreOptions {
  /** Item paths (as in plan.items) the user left out. Leaving out a folder that would be created or deleted leaves out everything below it too. */
  exclude?: string[];
  signal?: AbortSignal;
  /**
   * Snapshot `source` into `root` (label pre-restore) before anything changes. `source` must contain the target —
   * normally the workspace folder and its backup root. Leave it out only for a restore as copy into a new location.
   */
  safetySnapshot?: SafetySnapshotOptions;
}

/**
 * The pre-restore snapshot: a normal snapshot of the workspace folder `source` into `root`, with the same excludes
 * and options as the workspace's own snapshots (so it costs what changed, never a copy of node_modules/). The plan's
 * excludes (what the restored snapshot was taken without) are added to `excludes`.
 */
export interface SafetySnapshotOptions {
  root: BackupRoot;
  source: string;
  excludes?: string[];
  oneFileSystem?: boolean;
}

export interface RestoreFailure {
  path: string;
  error: string;
}

export interface RestoreResult {
  planId: string;
  /** Items now matching the snapshot (created, overwritten, folders, symlinks). */
  restored: string[];
  deleted: string[];
  failed: RestoreFailure[];
  /** Items left out: the ones asked for, plus what they imply (content of a folder left out, a folder that keeps something). */
  skipped: string[];
  /** Name of the pre-restore snapshot, when one was taken. */
  safetySnapshot?: string;
  safetySnapshotRoot?: string;
  /** The rsync command that was run (without the file list fed on stdin), if one was. */
  commandLine?: string;
  /** How to undo, when something failed (or always, when a safety snapshot exists). */
  rollback?: string;
  /** What undoing this restore needs (set when a safety snapshot was taken): see planUndoRestore. */
  undo?: UndoRestore;
  warnings: string[];
}

/**
 * Applies a previewed plan: refuses if the target changed since the preview, takes the safety snapshot, deletes the
 * kept `delete` items itself (never following symlinks), runs rsync for the kept items only
 * (`--files-from=- --from0`, no recursion), then checks every kept item against the snapshot.
 */
export async function applyRestore(root: BackupRoot, planInput: RestorePlan, options: ApplyRestoreOptions = {}): Promise<RestoreResult> {
  const logger = root.logger;
  const plan = validateRestorePlan(planInput, root);
  await findSnapshot(root, plan.snapshot); // still there
  const { kept, skipped } = selectItems(plan, options.exclude ?? []);
  const result: RestoreResult = { planId: plan.id, restored: [], deleted: [], failed: [], skipped, warnings: [] };

  // (1) The target must be as it was when the user reviewed the plan.
  const fingerprint = await restoreFingerprint(plan);
  if (fingerprint !== plan.targetFingerprint)
    throw new SnapshotError('CHANGED_SINCE_PREVIEW', `${plan.target} changed since the restore preview was made: nothing was restored. Run the preview again and review the new plan.`);
  // Never through a symlink: from the workspace down, the way is as the plan saw it (see workspaceLinks.ts).
  await checkLinksBeforeApply(plan, kept, options.safetySnapshot?.source);
  if (!kept.length) return result;
  const rsync = await root.rsync.program();

  // (2) Safety net: what the restore overwrites is saved first, as a normal snapshot labeled pre-restore.
  if (options.safetySnapshot) {
    const { root: safetyRoot, source, oneFileSystem } = options.safetySnapshot;
    const excludes = [...new Set([...(options.safetySnapshot.excludes ?? []), ...plan.excludes])];
    const sourceAsTargetSpellsIt = await workspacePrefix(plan.target, source);
    if (!sourceAsTargetSpellsIt)
      throw new SnapshotError(
        'BAD_INPUT',
        `The safety snapshot of ${source} would not contain the target ${plan.target}: snapshot the folder that holds the target (the workspace folder). Nothing was restored.`,
      );
    const safety = await takeSnapshot(safetyRoot, { source, excludes, oneFileSystem, trigger: 'pre-restore', label: PRE_RESTORE_LABEL, signal: options.signal });
    result.safetySnapshot = safety.name;
    result.safetySnapshotRoot = safety.root;
    result.warnings.push(...safety.warnings);
    // An incomplete safety net may lack exactly what the restore would overwrite: stop before anything changes.
    if (safety.partial)
      throw new SnapshotError(
        'RSYNC_FAILED',
        `The safety snapshot ${safety.name} is incomplete: some files could not be read (${safety.unreadable.slice(0, 5).join(', ') || 'see the log'}), so what the restore would overwrite might not be saved. Nothing was restored: make those files readable and try again.`,
        safety.unreadable,
      );
    const rel = path.relative(sourceAsTargetSpellsIt, plan.target) || '.';
    result.rollback = `To undo this restore, restore from the safety snapshot: rsync-snapshots restore ${formatCommandLine([safety.root, safety.name, rel, plan.target])}${plan.sourceType === 'folder' ? ' --delete' : ''}`;
    logger.info(`safety snapshot ${safety.name} taken in ${safety.root}`);
    if ((await restoreFingerprint(plan)) !== plan.targetFingerprint)
      throw new SnapshotError('CHANGED_SINCE_PREVIEW', `${plan.target} changed while the safety snapshot ${safety.name} was taken: nothing was restored. Run the preview again.`);
  }

  // (3) A link on the way that the plan replaces goes first (the link itself; the safety snapshot holds it).
  const replaced = await replaceLinkWithFolder(root, plan);
  if (replaced) result.warnings.push(replaced);

  // (3a) Deletions, deepest first, by us: only the reviewed paths, never through or behind a symlink.
  const deletions = kept.filter((i) => i.kind === 'delete').sort((a, b) => depth(b.path) - depth(a.path) || (a.path < b.path ? 1 : -1));
  for (const item of deletions) {
    const error = await deleteItem(plan.targetDir, item);
    if (error) result.failed.push({ path: item.path, error });
    else result.deleted.push(item.path);
  }

  // (3b) Everything else through rsync, restricted to the kept items.
  const transfers = kept.filter((i) => i.kind !== 'delete');
  let rsyncFailure: string | undefined;
  let stderr = '';
  if (transfers.length) {
    // rsync's --files-from skips lines starting with '#' or ';' as comments, even with --from0: such names go as ./NAME.
    const listed = plan.sourceType === 'folder' ? [...transfers.map((i) => i.path), ...plan.dirTimeUpdates].filter((p) => p !== '.').map((p) => (/^[#;]/.test(p) ? `./${p}` : p)) : [];
    if (plan.sourceType === 'folder' && !listed.length) await fs.mkdir(plan.target, { recursive: false }).catch((err) => (errnoCode(err) === 'EEXIST' ? undefined : Promise.reject(err)));
    if (plan.sourceType === 'file' || listed.length) {
      // rsync's temporary files in one folder of ours on the target's filesystem, not beside each file (see temp.ts).
      const temp = await restoreTempDir(plan.targetDir);
      const extra = [...(plan.sourceType === 'folder' ? ['--files-from=-', '--from0'] : []), `--temp-dir=${temp.path}`];
      const args = restoreRsyncArgs(root, plan, extra);
      result.commandLine = formatCommandLine([rsync, ...args]);
      // The list goes to rsync as the names' exact bytes (a name that is not UTF-8 included).
      const input = listed.length ? Buffer.concat(listed.flatMap((p) => [nameBytes(p), Buffer.alloc(1)])) : singleFileInput(root, plan);
      const run = await root.rsync.run(args, { signal: options.signal, env: ITEMIZE_ENV, input }).finally(() => temp.done());
      stderr = run.stderr;
      if (run.cancelled) throw new SnapshotError('CANCELLED', `Restore cancelled part-way: some items may already be restored. ${result.rollback ?? 'No safety snapshot was taken.'}`);
      if (run.exitCode !== 0) rsyncFailure = describeRsyncFailure(run);
    }
  }

  // (4) Verify against the snapshot (a remote one: every item's stat in one ssh call).
  const sourceInfo = await root.restore.items(
    plan,
    transfers.map((i) => i.path),
  );
  // The target folder itself ('.') is never in rsync's file list (listing it would create every subfolder): its
  // permissions are set here, as rsync -a would have.
  const top = transfers.findIndex((i) => i.path === '.' && i.isDir);
  if (top >= 0 && sourceInfo[top]?.kind === 'folder') await fs.chmod(plan.target, sourceInfo[top]!.mode).catch((err) => logger.warn(`could not set the permissions of ${plan.target}: ${err}`));
  for (const [k, item] of transfers.entries()) {
    const mismatch = await compareWithSource(sourceInfo[k], joinItem(plan.targetDir, item.path));
    if (!mismatch) result.restored.push(item.path);
    else result.failed.push({ path: item.path, error: rsyncErrorFor(stderr, item.path) ?? (rsyncFailure ? `${mismatch}; ${rsyncFailure}` : mismatch) });
  }
  if (result.failed.length) {
    const how = result.rollback ?? 'No safety snapshot was taken; the restored items can be restored again from the same snapshot.';
    result.warnings.push(
      `${result.failed.length} item(s) were not restored: ${result.failed
        .slice(0, 5)
        .map((f) => f.path)
        .join(', ')}${result.failed.length > 5 ? ', …' : ''}. ${how}`,
    );
  } else if (rsyncFailure) {
    result.warnings.push(rsyncFailure);
  }
  if (result.safetySnapshot && result.safetySnapshotRoot && options.safetySnapshot)
    result.undo = {
      root: result.safetySnapshotRoot,
      snapshot: result.safetySnapshot,
      source: path.resolve(options.safetySnapshot.source),
      ...undoScope(plan, [...result.restored, ...result.deleted, ...result.failed.map((f) => f.path)]),
    };
  logger.info(`restore ${plan.id}: ${result.restored.length} restored, ${result.deleted.length} deleted, ${result.failed.length} failed, ${result.skipped.length} left out`);
  return result;
}

function depth(p: string): number {
  return p === '.' ? 0 : p.split('/').length;
}

/** Kept items after the user's exclusions and what they imply (select.ts: the same rules the restore page shows). */
export function selectItems(plan: RestorePlan, exclude: string[]): { kept: RestoreItem[]; skipped: string[] } {
  const known = new Set(plan.items.map((i) => i.path));
  const unknown = exclude.filter((p) => !known.has(p));
  if (unknown.length)
    throw new SnapshotError(
      'BAD_INPUT',
      `These paths to leave out are not in the plan: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}. Use item paths exactly as the preview lists them.`,
      unknown,
    );
  const { kept, skipped } = selection(plan.items, exclude);
  return { kept, skipped };
}

async function deleteItem(targetDir: string, item: RestoreItem): Promise<string | undefined> {
  if (item.path === '.') return 'refusing to delete the target folder itself';
  const link = await symlinkOnTheWay(targetDir, item.path);
  if (link) return `not deleted: ${link} is a symlink`;
  try {
    await withReachablePath(fsPath(joinItem(targetDir, item.path)), async (file) => {
      const stat = await fs.lstat(file);
      if (stat.isDirectory()) await fs.rmdir(file);
      else await fs.unlink(file); // a symlink is removed itself, never what it points at
    });
    return undefined;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return 'not deleted: the folder holds files that were not in the preview';
    return `not deleted: ${(err as Error).message}`;
  }
}

/** Why the restored `target` does not match the snapshot's item `s` (local lstat, or a remote stat), or undefined. */
async function compareWithSource(s: ItemInfo | undefined, target: string): Promise<string | undefined> {
  if (!s) return 'no longer in the snapshot';
  const t = await localItemInfo(target);
  if (!t) return 'not restored (missing after the restore)';
  if (s.kind !== t.kind) return `not restored (it is a ${t.kind}, the snapshot has a ${s.kind})`;
  if (s.mode !== t.mode && s.kind !== 'symlink') return 'not restored (permissions differ from the snapshot)';
  if (s.kind === 'symlink') return s.linkTarget === t.linkTarget ? undefined : 'not restored (the link points elsewhere than in the snapshot)';
  if (s.kind === 'file') {
    if (s.size !== t.size) return 'not restored (size differs from the snapshot)';
    if (s.mtimeSeconds !== t.mtimeSeconds) return 'not restored (modification time differs from the snapshot)';
  }
  return undefined;
}

/** The rsync error line that names this item, if any (rsync quotes names, escaping unprintable bytes). */
function rsyncErrorFor(stderr: string, itemPath: string): string | undefined {
  if (!stderr) return undefined;
  return stderr
    .split('\n')
    .find((l) => l.startsWith('rsync') && (l.includes(`/${itemPath}"`) || l.includes(`"${itemPath}"`)))
    ?.trim();
}
