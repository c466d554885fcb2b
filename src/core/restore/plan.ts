import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { findSnapshot } from '../root/find';
import { errnoCode, SnapshotError } from '../util/errors';
import { fsPath } from '../util/nameBytes';
import { formatCommandLine } from '../util/rsync';
import { targetFingerprint } from './fingerprint';
import { ITEMIZE_ENV, ITEMIZE_OUT_FORMAT, ItemizedLine, ItemizeOutput, parseItemizeOutput } from './itemize';
import { isInsideDir, isSafeItemPath, joinItem, normalizeSourcePath, refuseSymlinkTraversal } from './paths';
import { RESTORE_ITEM_KINDS, RESTORE_PLAN_VERSION, RestoreChanges, RestoreCounts, RestoreItem, RestoreItemKind, RestorePlan } from './types';
import { RESTORE_TEMP_EXCLUDE } from './temp';

export interface PlanRestoreOptions {
  /** Snapshot name, or `latest`. */
  snapshot: string;
  /** Path inside the snapshot, or `.` for the whole snapshot. */
  path: string;
  /** Where to restore to: the folder itself for a folder; the file's new path for a file (may differ: restore as copy). */
  target: string;
  /** Also delete what is in the target but not in the snapshot (rsync --delete). Default off. */
  delete?: boolean;
  /**
   * Exclude patterns to protect in the target, added to the ones the snapshot's notes record (for a snapshot without
   * notes: the workspace's configured excludes, or the CLI's --exclude).
   */
  excludes?: string[];
  /** Limit the plan to these item paths (relative to the target folder), e.g. what an earlier restore changed. */
  only?: string[];
  signal?: AbortSignal;
}

/**
 * The rsync arguments of a restore from the root (a pull over ssh for a remote one: `-s -e <ssh>`, the source's
 * wildcards escaped); the dry run adds `--dry-run`, the apply `--files-from=- --from0`. Content-true: `--checksum`
 * compares the bytes of every file of equal size in what the restore covers (a file rewritten with its size and mtime
 * kept — cp -p, touch -r, tar — is restored, never called identical), and `--modify-window=-1` sets mtimes back to the
 * nanosecond, as the snapshot keeps them. -H -S: hard links among the restored items and sparse files come back as
 * they were snapshotted.
 */
export function restoreRsyncArgs(root: BackupRoot, plan: Pick<RestorePlan, 'snapshot' | 'relativePath' | 'sourceType' | 'target' | 'delete' | 'excludes'>, extra: string[]): string[] {
  const source = root.rsync.arg(plan.relativePath === '.' ? root.hostPath(plan.snapshot) : root.hostPath(plan.snapshot, plan.relativePath), 'source');
  // What the snapshots exclude is left alone: rsync neither overwrites nor (with --delete, without --delete-excluded) deletes it.
  const protect = plan.sourceType === 'folder' ? protectPatterns(plan.excludes, plan.relativePath).map((p) => `--exclude=${p}`) : [];
  const args = ['-a', '-H', '-S', '--checksum', '--modify-window=-1', ...root.rsync.transportArgs(), ...extra, ...protect, '--itemize-changes', `--out-format=${ITEMIZE_OUT_FORMAT}`];
  if (plan.delete && plan.sourceType === 'folder' && extra.includes('--dry-run')) args.push('--delete');
  return plan.sourceType === 'folder' ? [...args, '--', `${source}/`, `${plan.target}/`] : [...args, '--', source, plan.target];
}

/**
 * A snapshot's exclude patterns as they apply to a restore of `relativePath` (rsync matches them below the transfer's
 * root): a pattern anchored with a leading `/` is re-anchored below that folder, or dropped when it lies elsewhere.
 */
export function protectPatterns(excludes: string[], relativePath: string): string[] {
  if (relativePath === '.') return excludes;
  const prefix = `/${relativePath}/`;
  return excludes.flatMap((p) => {
    if (!p.startsWith('/')) return [p];
    if (p.startsWith(prefix) && p.length > prefix.length) return [`/${p.slice(prefix.length)}`];
    return [];
  });
}

/**
 * Runs the dry run and returns the plan. Nothing in the target changes. Remote roots: list (1 ssh call), check the
 * source (1), the dry run (1 ssh through the shared connection), and the symlink targets (1, only if any).
 */
export async function planRestore(root: BackupRoot, options: PlanRestoreOptions): Promise<RestorePlan> {
  const snapshot = await findSnapshot(root, options.snapshot, options.signal);
  const relativePath = normalizeSourcePath(options.path);
  const { sourceType, sourcePath } = await root.restore.source(snapshot.name, relativePath, options.signal);
  const target = path.resolve(options.target);
  if (root.localPath && (await isInsideDir(target, root.localPath)))
    throw new SnapshotError('BAD_INPUT', `The target ${target} is inside the backup root ${root.localPath}: restore into the workspace or another folder.`);
  const targetDir = sourceType === 'folder' ? target : path.dirname(target);
  await checkTarget(target, sourceType);
  const rsync = await root.rsync.program();
  const del = Boolean(options.delete) && sourceType === 'folder';

  const recorded = (await root.notes.read(snapshot.name))?.excludes ?? [];
  const excludes = [...new Set([...recorded, ...(options.excludes ?? [])])];
  const base = { snapshot: snapshot.name, relativePath, sourceType, target, delete: del, excludes };
  const args = restoreRsyncArgs(root, base, ['--dry-run', RESTORE_TEMP_EXCLUDE, ...(await root.restore.protectRoot(targetDir, sourceType))]);
  const run = await root.rsync.run(args, { signal: options.signal, env: ITEMIZE_ENV });
  if (run.cancelled) throw new SnapshotError('CANCELLED', 'Restore preview cancelled: nothing was changed.');
  if (run.exitCode !== 0 && run.exitCode !== 23 && run.exitCode !== 24) {
    const failure = root.rsync.failure(run, 'Restore preview failed');
    throw new SnapshotError(failure.code, `${failure.message} Nothing was changed.`, failure.details);
  }

  const { parsed, warnings } = readDryRun(run);
  if (options.only) parsed.items = onlyItems(parsed.items, options.only, sourceType === 'file' ? path.basename(target) : undefined);
  // Symlink targets, read from the snapshot (never followed): one call for all of them.
  const links = parsed.items.filter((l) => l.type === 'symlink' && !l.deleting).map((l) => (sourceType === 'file' ? path.basename(target) : l.name));
  const info = await root.restore.items(base, links, options.signal);
  const targets = new Map(links.map((p, i) => [sourceType === 'file' ? sourcePath : joinItem(sourcePath, p), info[i]?.linkTarget]));
  const plan = await finishPlan(
    { root: root.spec, snapshot: snapshot.name, relativePath, sourcePath, sourceType, target, targetDir, delete: del, excludes, commandLine: formatCommandLine([rsync, ...args]) },
    parsed,
    warnings,
    async (s) => targets.get(s),
  );
  root.logger.info(`restore preview ${plan.id} from ${root.spec}: ${formatCounts(plan.counts)}`);
  return plan;
}

/**
 * The dry run's lines for exactly these item paths; the folders above them keep only their time update (their mtime
 * changes when entries in them come and go), never a change of their own. `fileName`: a single-file plan's item.
 */
function onlyItems(lines: ItemizedLine[], only: string[], fileName: string | undefined): ItemizedLine[] {
  const wanted = new Set(only);
  const above = new Set(only.flatMap((p) => p.split('/').map((_, i, parts) => parts.slice(0, i).join('/') || '.')));
  return lines.filter((l) => {
    const name = fileName ?? l.name;
    if (wanted.has(name)) return true;
    return !fileName && above.has(name) && l.type === 'dir' && !l.deleting && !l.isNew && !l.changes.perms && !l.changes.owner && !l.changes.group;
  });
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
  fields: Pick<RestorePlan, 'root' | 'snapshot' | 'relativePath' | 'sourcePath' | 'sourceType' | 'target' | 'targetDir' | 'delete' | 'excludes' | 'commandLine'>,
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
    targetFingerprint: await targetFingerprint(
      fields.targetDir,
      items.map((i) => i.path),
    ),
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
      const changes: RestoreChanges = { ...line.changes };
      if (changes.size) delete changes.checksum; // "content" is worth saying only when the size alone does not tell
      item = { path: itemPath, kind: line.isNew ? 'create' : 'overwrite', isDir: false, changes, code: line.code };
    }
    // rsync calls an item new (+++++++++) when nothing of its kind is there, and silently removes an item of
    // another kind in its way: that is a replacement of what the target holds, to be shown and backed up.
    if (
      line.isNew &&
      !line.deleting &&
      (await fs.lstat(fsPath(joinItem(targetDir, itemPath))).then(
        () => true,
        () => false,
      ))
    ) {
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
export async function checkTarget(target: string, sourceType: 'folder' | 'file'): Promise<void> {
  const stat = await fs.stat(target).catch((err) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    // rsync cannot write there either ("cannot stat destination"): say what to do.
    if (errnoCode(err) === 'ELOOP')
      throw new SnapshotError('BAD_INPUT', `The target ${target} is a symlink that loops (it points back at itself): remove it (rm '${target}') or restore as a copy elsewhere. Nothing was changed.`);
    return Promise.reject(err);
  });
  if (sourceType === 'folder' && stat && !stat.isDirectory()) throw new SnapshotError('BAD_INPUT', `The target ${target} is a file, but a folder is being restored: give a folder as the target.`);
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
export function validateRestorePlan(value: unknown, root: BackupRoot): RestorePlan {
  const fail = (why: string): never => {
    throw new SnapshotError('BAD_INPUT', `Not a valid restore plan (${why}): run the preview again.`);
  };
  if (typeof value !== 'object' || value === null) return fail('not an object');
  const p = value as Record<string, unknown>;
  if (p.version !== RESTORE_PLAN_VERSION) fail(`version ${String(p.version)}`);
  for (const key of ['id', 'createdAt', 'root', 'snapshot', 'relativePath', 'sourcePath', 'target', 'targetDir', 'commandLine', 'targetFingerprint'])
    if (typeof p[key] !== 'string') fail(`${key} missing`);
  if (p.root !== root.spec) fail(`it is for ${String(p.root)}, not ${root.spec}`);
  for (const key of ['target', 'targetDir']) if (!path.isAbsolute(p[key] as string) || path.resolve(p[key] as string) !== p[key]) fail(`${key} is not a normalized absolute path`);
  if (p.sourceType !== 'folder' && p.sourceType !== 'file') fail('sourceType');
  if (typeof p.delete !== 'boolean') fail('delete');
  if (!Array.isArray(p.excludes) || !p.excludes.every((e) => typeof e === 'string' && e !== '' && !e.includes('\0'))) fail('excludes');
  if (!isSafeItemPath(p.relativePath)) fail('relativePath');
  const expectedSource = p.relativePath === '.' ? root.pathOf(p.snapshot as string) : root.pathOf(p.snapshot as string, p.relativePath as string);
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
