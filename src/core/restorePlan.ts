import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { findSnapshot } from './backupRoot';
import { errnoCode, SnapshotError } from './errors';
import { ITEMIZE_ENV, ITEMIZE_OUT_FORMAT, ItemizedLine, ItemizeOutput, parseItemizeOutput } from './itemizeParser';
import { Logger, silentLogger } from './logger';
import { isInsideDir, isSafeItemPath, joinItem, normalizeSourcePath, refuseSymlinkTraversal } from './restorePath';
import { targetFingerprint } from './restoreFingerprint';
import { RESTORE_TEMP_EXCLUDE } from './restoreTemp';
import { describeRsyncFailure, formatCommandLine, runRsync } from './rsync';
import { findExecutable } from './tools';
import { planRemoteRestore } from './remote/remoteRestore';
import { remoteLocation, remoteSpec } from './remote/remoteRoot';
import { isRemoteRootSpec } from './remote/rootLocation';

export const RESTORE_PLAN_VERSION = 1;

export type RestoreItemKind = 'create' | 'overwrite' | 'delete' | 'mkdir' | 'symlink';
export const RESTORE_ITEM_KINDS: readonly RestoreItemKind[] = ['create', 'overwrite', 'delete', 'mkdir', 'symlink'];

export interface RestoreChanges {
  size?: boolean;
  time?: boolean;
  perms?: boolean;
  owner?: boolean;
  group?: boolean;
  /** Symlinks: the link's target text differs; regular files: the checksum differs (only with --checksum). */
  checksum?: boolean;
  /**
   * The target holds an item of another kind at this path (a file where the snapshot has a folder or a link, …):
   * rsync replaces it, so it is an overwrite to review, never a mere creation.
   */
  type?: boolean;
}

export interface RestoreItem {
  /** Relative to `plan.targetDir`, no trailing slash; `.` is the target folder itself. */
  path: string;
  kind: RestoreItemKind;
  isDir: boolean;
  /** What differs, for `overwrite` (and a changed `symlink`); empty for new items and deletions. */
  changes: RestoreChanges;
  /** For `symlink`: what the restored link will point at (read from the snapshot; never followed). */
  linkTarget?: string;
  /** rsync's 11-character itemize code, e.g. `>f.st......`. */
  code: string;
}

export type RestoreCounts = Record<RestoreItemKind, number>;

/**
 * What a restore would do, from `rsync --dry-run --itemize-changes`. Plain JSON (no Date, no class): it can be
 * posted to a webview and handed back to applyRestore together with the paths the user left out.
 */
export interface RestorePlan {
  version: typeof RESTORE_PLAN_VERSION;
  id: string;
  /** ISO time of the preview. */
  createdAt: string;
  /** Absolute backup root. */
  root: string;
  /** Snapshot name (`latest` resolved to the real name). */
  snapshot: string;
  /** What was asked for, relative to the snapshot: `.` for all of it. */
  relativePath: string;
  /** Absolute path of that inside the snapshot. */
  sourcePath: string;
  /** A folder restores its content into `target`; a file (or symlink) becomes `target`. */
  sourceType: 'folder' | 'file';
  /** Absolute path the source is restored to. */
  target: string;
  /** Folder the item paths are relative to: `target` for a folder, its parent folder for a file. */
  targetDir: string;
  /** --delete: remove what the snapshot does not have (folder restores only). */
  delete: boolean;
  /** The exact dry-run command, for display. */
  commandLine: string;
  items: RestoreItem[];
  counts: RestoreCounts;
  /** Existing folders whose modification time only is set back; not items (nothing to review), but applied. */
  dirTimeUpdates: string[];
  /** Messages rsync printed during the preview (e.g. "cannot delete non-empty directory: x" without --delete). */
  warnings: string[];
  /** Digest of the target at every item path (see targetFingerprint); checked again before applying. */
  targetFingerprint: string;
}

export interface PlanRestoreOptions {
  root: string;
  /** Snapshot name, or `latest`. */
  snapshot: string;
  /** Path inside the snapshot, or `.` for the whole snapshot. */
  path: string;
  /** Where to restore to: the folder itself for a folder; the file's new path for a file (may differ: restore as copy). */
  target: string;
  /** Also delete what is in the target but not in the snapshot (rsync --delete). Default off. */
  delete?: boolean;
  rsyncPath?: string;
  signal?: AbortSignal;
  logger?: Logger;
  /** For a remote root `[user@]host:/path`: the ssh command (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
}

/** The rsync arguments of a restore; the dry run adds `--dry-run`, the apply `--files-from=- --from0`. */
export function restoreRsyncArgs(plan: Pick<RestorePlan, 'sourceType' | 'sourcePath' | 'target' | 'delete'>, extra: string[]): string[] {
  const args = ['-a', ...extra, '--itemize-changes', `--out-format=${ITEMIZE_OUT_FORMAT}`];
  if (plan.delete && plan.sourceType === 'folder' && extra.includes('--dry-run')) args.push('--delete');
  return plan.sourceType === 'folder'
    ? [...args, '--', `${plan.sourcePath}/`, `${plan.target}/`]
    : [...args, '--', plan.sourcePath, plan.target];
}

/** Runs the dry run and returns the plan. Nothing in the target changes. */
export async function planRestore(options: PlanRestoreOptions): Promise<RestorePlan> {
  if (isRemoteRootSpec(options.root)) return planRemoteRestore(options);
  const logger = options.logger ?? silentLogger;
  const snapshot = await findSnapshot(options.root, options.snapshot);
  const root = path.dirname(snapshot.path);
  const relativePath = normalizeSourcePath(options.path);
  const sourcePath = relativePath === '.' ? snapshot.path : path.join(snapshot.path, relativePath);
  const sourceType = await checkSource(snapshot.path, sourcePath, relativePath, snapshot.name);
  const target = path.resolve(options.target);
  if (await isInsideDir(target, root)) throw new SnapshotError('BAD_INPUT', `The target ${target} is inside the backup root ${root}: restore into the workspace or another folder.`);
  const targetDir = sourceType === 'folder' ? target : path.dirname(target);
  await checkTarget(target, sourceType);
  const rsync = await findExecutable('rsync', options.rsyncPath);
  const del = Boolean(options.delete) && sourceType === 'folder';

  const base = { sourceType, sourcePath, target, delete: del };
  const args = restoreRsyncArgs(base, ['--dry-run', RESTORE_TEMP_EXCLUDE, ...(await protectRoot(root, targetDir, sourceType))]);
  const run = await runRsync(rsync, args, { signal: options.signal, logger, env: ITEMIZE_ENV });
  if (run.cancelled) throw new SnapshotError('CANCELLED', 'Restore preview cancelled: nothing was changed.');
  if (run.exitCode !== 0 && run.exitCode !== 23 && run.exitCode !== 24)
    throw new SnapshotError('RSYNC_FAILED', `Restore preview failed: ${describeRsyncFailure(run)}. Nothing was changed.`, run.stderr.split('\n').filter(Boolean));

  const { parsed, warnings } = readDryRun(run);
  const plan = await finishPlan(
    { root, snapshot: snapshot.name, relativePath, sourcePath, sourceType, target, targetDir, delete: del, commandLine: formatCommandLine([rsync, ...args]) },
    parsed,
    warnings,
    (p) => fs.readlink(p).catch(() => undefined),
  );
  logger.info(`restore preview ${plan.id}: ${formatCounts(plan.counts)}`);
  return plan;
}

/** The dry run's itemized output and the messages worth showing (rsync's closing "some files" line left out). */
export function readDryRun(run: { stdout: string; stderr: string }): { parsed: ItemizeOutput; warnings: string[] } {
  const parsed = parseItemizeOutput(run.stdout);
  const warnings = parsed.messages.filter((m) => !m.startsWith('created directory '));
  warnings.push(...run.stderr.split('\n').filter((l) => l.trim() && !/^rsync error: some files/.test(l)));
  return { parsed, warnings };
}

/**
 * The plan from a dry run, local or remote alike: items (symlink targets from `readLink`), every item path
 * checked to stay inside the target and not to pass through a symlink there, and the target's fingerprint.
 */
export async function finishPlan(
  fields: Pick<RestorePlan, 'root' | 'snapshot' | 'relativePath' | 'sourcePath' | 'sourceType' | 'target' | 'targetDir' | 'delete' | 'commandLine'>,
  parsed: ItemizeOutput,
  warnings: string[],
  readLink: (sourceItem: string) => Promise<string | undefined>,
): Promise<RestorePlan> {
  const { items, dirTimeUpdates } = await toItems(parsed.items, fields.sourceType, fields.sourcePath, fields.target, readLink);
  const bad = items.filter((i) => !isSafeItemPath(i.path));
  if (bad.length) throw new SnapshotError('BAD_INPUT', `rsync reported paths outside the target (${bad.map((i) => i.path).join(', ')}): refusing to restore.`);
  await refuseSymlinkTraversal(fields.targetDir, [...items.map((i) => i.path), ...dirTimeUpdates]);
  return {
    version: RESTORE_PLAN_VERSION,
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    ...fields,
    items,
    counts: countItems(items),
    dirTimeUpdates,
    warnings,
    targetFingerprint: await targetFingerprint(fields.targetDir, items.map((i) => i.path)),
  };
}

/** Itemized lines → plan items; `readLink` gives a symlink's target from its source path (local fs, or prefetched from the host). */
export async function toItems(
  lines: ItemizedLine[],
  sourceType: 'folder' | 'file',
  sourcePath: string,
  target: string,
  readLink: (sourceItem: string) => Promise<string | undefined>,
): Promise<{ items: RestoreItem[]; dirTimeUpdates: string[] }> {
  const items: RestoreItem[] = [];
  const dirTimeUpdates: string[] = [];
  const seen = new Map<string, number>();
  const targetDir = sourceType === 'folder' ? target : path.dirname(target);
  for (const line of lines) {
    // A single file is restored under the target's name, whatever rsync calls it.
    const itemPath = sourceType === 'file' ? path.basename(target) : line.name;
    const sourceItem = sourceType === 'file' ? sourcePath : joinItem(sourcePath, itemPath);
    let item: RestoreItem;
    if (line.deleting) {
      item = { path: itemPath, kind: 'delete', isDir: line.type === 'dir', changes: {}, code: line.code };
    } else if (line.type === 'dir') {
      const meaningful = line.changes.perms || line.changes.owner || line.changes.group;
      if (!line.isNew && !meaningful) {
        dirTimeUpdates.push(itemPath);
        continue;
      }
      item = { path: itemPath, kind: line.isNew ? 'mkdir' : 'overwrite', isDir: true, changes: { ...line.changes }, code: line.code };
    } else if (line.type === 'symlink') {
      item = { path: itemPath, kind: 'symlink', isDir: false, changes: { ...line.changes }, linkTarget: await readLink(sourceItem), code: line.code };
    } else {
      item = { path: itemPath, kind: line.isNew ? 'create' : 'overwrite', isDir: false, changes: { ...line.changes }, code: line.code };
    }
    // rsync calls an item new (+++++++++) when nothing of its kind is there, and silently removes an item of
    // another kind in its way: that is a replacement of what the target holds, to be shown and backed up.
    if (line.isNew && !line.deleting && (await fs.lstat(joinItem(targetDir, itemPath)).then(() => true, () => false))) {
      item = { ...item, kind: item.kind === 'symlink' ? 'symlink' : 'overwrite', changes: { ...item.changes, type: true } };
    }
    // A deletion followed by a creation of the same path (type change) is one replacement: keep the creation.
    const prev = seen.get(itemPath);
    if (prev !== undefined) {
      if (items[prev].kind === 'delete') items[prev] = item;
      continue;
    }
    seen.set(itemPath, items.length);
    items.push(item);
  }
  return { items, dirTimeUpdates };
}

export function countItems(items: RestoreItem[]): RestoreCounts {
  const counts: RestoreCounts = { create: 0, overwrite: 0, delete: 0, mkdir: 0, symlink: 0 };
  for (const item of items) counts[item.kind]++;
  return counts;
}

export function formatCounts(counts: RestoreCounts): string {
  return RESTORE_ITEM_KINDS.map((k) => `${counts[k]} ${k}`).join(', ');
}

/** A backup root inside the target folder is never part of a restore (with --delete it would be listed for deletion). */
async function protectRoot(root: string, targetDir: string, sourceType: 'folder' | 'file'): Promise<string[]> {
  if (sourceType !== 'folder') return [];
  const [realRoot, realTarget] = await Promise.all([fs.realpath(root), fs.realpath(targetDir).catch(() => path.resolve(targetDir))]);
  if (!realRoot.startsWith(realTarget + path.sep)) return [];
  const rel = realRoot.slice(realTarget.length + 1);
  return [`--exclude=/${/[*?[]/.test(rel) ? rel.replace(/[*?[\\]/g, '\\$&') : rel}/`];
}

async function checkSource(snapshotPath: string, sourcePath: string, relativePath: string, name: string): Promise<'folder' | 'file'> {
  let stat;
  try {
    stat = await fs.lstat(sourcePath);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR')
      throw new SnapshotError('NOT_FOUND', `${relativePath} is not in snapshot ${name}: pick another snapshot or check the path (relative to the snapshotted folder).`);
    throw err;
  }
  // The path must not lead through a symlink stored in the snapshot (that would read from outside it).
  if (relativePath !== '.') {
    const [realParent, realSnapshot] = await Promise.all([fs.realpath(path.dirname(sourcePath)), fs.realpath(snapshotPath)]);
    if (realParent !== path.join(realSnapshot, path.dirname(relativePath)))
      throw new SnapshotError('BAD_INPUT', `${relativePath} leads through a symlink inside snapshot ${name}: give the path of the link itself or of a real folder.`);
  }
  return stat.isDirectory() ? 'folder' : 'file';
}

export async function checkTarget(target: string, sourceType: 'folder' | 'file'): Promise<void> {
  const stat = await fs.stat(target).catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)));
  if (sourceType === 'folder' && stat && !stat.isDirectory())
    throw new SnapshotError('BAD_INPUT', `The target ${target} is a file, but a folder is being restored: give a folder as the target.`);
  if (sourceType === 'file' && stat?.isDirectory())
    throw new SnapshotError('BAD_INPUT', `The target ${target} is a folder, but a single file is being restored: give the file's full target path (e.g. ${path.join(target, 'name')}).`);
  const parent = path.dirname(target);
  const parentStat = await fs.stat(parent).catch(() => undefined);
  if (!parentStat?.isDirectory()) throw new SnapshotError('BAD_INPUT', `The folder ${parent} does not exist: create it first (mkdir -p '${parent}'), then restore into it.`);
}

/**
 * Checks a plan that came back from elsewhere (a webview, a JSON file) before it is applied: shape, kinds, every
 * item path relative and clean, and the source really being ROOT/SNAPSHOT/PATH. Returns it typed; throws BAD_INPUT.
 */
export function validateRestorePlan(value: unknown): RestorePlan {
  const fail = (why: string): never => {
    throw new SnapshotError('BAD_INPUT', `Not a valid restore plan (${why}): run the preview again.`);
  };
  if (typeof value !== 'object' || value === null) return fail('not an object');
  const p = value as Record<string, unknown>;
  if (p.version !== RESTORE_PLAN_VERSION) fail(`version ${String(p.version)}`);
  for (const key of ['id', 'createdAt', 'root', 'snapshot', 'relativePath', 'sourcePath', 'target', 'targetDir', 'commandLine', 'targetFingerprint'])
    if (typeof p[key] !== 'string') fail(`${key} missing`);
  const remote = isRemoteRootSpec(p.root as string) ? remoteLocation(p.root as string) : undefined;
  if (remote && remote.spec !== p.root) fail('root is not a canonical [user@]host:/path');
  for (const key of remote ? ['target', 'targetDir'] : ['root', 'sourcePath', 'target', 'targetDir'])
    if (!path.isAbsolute(p[key] as string) || path.resolve(p[key] as string) !== p[key]) fail(`${key} is not a normalized absolute path`);
  if (p.sourceType !== 'folder' && p.sourceType !== 'file') fail('sourceType');
  if (typeof p.delete !== 'boolean') fail('delete');
  if (!isSafeItemPath(p.relativePath)) fail('relativePath');
  const expectedSource = remote
    ? remoteSpec(remote, ...(p.relativePath === '.' ? [p.snapshot as string] : [p.snapshot as string, p.relativePath as string]))
    : p.relativePath === '.' ? path.join(p.root as string, p.snapshot as string) : path.join(p.root as string, p.snapshot as string, p.relativePath as string);
  if (p.sourcePath !== expectedSource || (p.snapshot as string).includes('/') || p.snapshot === '..' || p.snapshot === '.') fail('sourcePath does not match root/snapshot/path');
  if (p.targetDir !== (p.sourceType === 'folder' ? p.target : path.dirname(p.target as string))) fail('targetDir does not match target');
  if (!Array.isArray(p.items)) fail('items');
  if (!Array.isArray(p.dirTimeUpdates) || !p.dirTimeUpdates.every(isSafeItemPath)) fail('dirTimeUpdates');
  if (!Array.isArray(p.warnings)) fail('warnings');
  const seen = new Set<string>();
  for (const item of p.items as unknown[]) {
    const i = item as Record<string, unknown>;
    if (typeof i !== 'object' || i === null) fail('an item is not an object');
    if (!isSafeItemPath(i.path)) fail(`item path ${JSON.stringify(i.path)}`);
    if (seen.has(i.path as string)) fail(`item ${i.path as string} twice`);
    seen.add(i.path as string);
    if (!RESTORE_ITEM_KINDS.includes(i.kind as RestoreItemKind)) fail(`item kind ${String(i.kind)}`);
    if (typeof i.isDir !== 'boolean' || typeof i.changes !== 'object' || i.changes === null || typeof i.code !== 'string') fail(`item ${i.path as string}`);
    if (p.sourceType === 'file' && i.path !== path.basename(p.target as string)) fail('a single-file plan names another file');
  }
  return value as RestorePlan;
}
