import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { findSnapshot } from '../root/find';
import { errnoCode, SnapshotError } from '../util/errors';
import { fsPath, hasEscapedBytes, nameBytes, showBytes } from '../util/nameBytes';
import { formatCommandLine } from '../util/rsync';
import { restoreFingerprint } from './fingerprint';
import { ITEMIZE_ENV, ITEMIZE_OUT_FORMAT, ItemizedLine, ItemizeOutput, parseItemizeOutput } from './itemize';
import { withReachablePath } from './longPath';
import { isInsideDir, isSafeItemPath, joinItem, normalizeSourcePath } from './paths';
import { RESTORE_ITEM_KINDS, RESTORE_PLAN_VERSION, RestoreChanges, RestoreCounts, RestoreItem, RestoreItemKind, RestorePlan } from './types';
import { RESTORE_TEMP_EXCLUDE } from './temp';
import { absentTarget, checkLinksBelowTarget, linkToReplace, restoreWorkspace } from './workspaceLinks';

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
  /**
   * The workspace folder holding the target (e.g. the safety snapshot's source): every path component from there down
   * is checked for symlinks. Default: the folder the snapshot was taken of (its notes), else the folder the target mirrors.
   */
  workspace?: string;
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
export function restoreRsyncArgs(
  root: BackupRoot,
  plan: Pick<RestorePlan, 'snapshot' | 'relativePath' | 'sourceType' | 'target' | 'delete' | 'excludes'>,
  extra: string[],
  options: { fileIntoMissingFolder?: boolean } = {},
): string[] {
  const source = root.rsync.arg(plan.relativePath === '.' ? root.hostPath(plan.snapshot) : root.hostPath(plan.snapshot, plan.relativePath), 'source');
  // What the snapshots exclude is left alone: rsync neither overwrites nor (with --delete, without --delete-excluded) deletes it.
  const protect = plan.sourceType === 'folder' ? protectPatterns(plan.excludes, plan.relativePath).map((p) => `--exclude=${p}`) : [];
  const args = ['-a', '-H', '-S', '--checksum', '--modify-window=-1', ...root.rsync.transportArgs(), ...extra, ...protect, '--itemize-changes', `--out-format=${ITEMIZE_OUT_FORMAT}`];
  if (plan.delete && plan.sourceType === 'folder' && extra.includes('--dry-run')) args.push('--delete');
  if (plan.sourceType === 'folder') return [...args, '--', `${source}/`, `${plan.target}/`];
  const list = singleFileList(root, plan);
  if (list) {
    const from = root.rsync.arg(list.sourceRel === '.' ? root.hostPath(plan.snapshot) : root.hostPath(plan.snapshot, list.sourceRel), 'source');
    return [...args, '--files-from=-', '--from0', '--no-implied-dirs', '--', `${from}/`, `${list.targetBase}/`];
  }
  // A dry run into a folder that is not there (see workspaceLinks.absentTarget): rsync makes it up, as a file's parent it would refuse.
  return [...args, '--', source, options.fileIntoMissingFolder ? `${path.dirname(plan.target)}/` : plan.target];
}

/** Below this many bytes a path can be an argument (PATH_MAX is 4,096, and rsync adds to it). */
const ARG_PATH_LIMIT = 3800;

/**
 * A single file whose path cannot be an argument of rsync (bytes that are not UTF-8: Node passes arguments as UTF-8
 * text; or a path near PATH_MAX) goes as a file list instead (--files-from, the name's exact bytes): from the deepest
 * folder of the snapshot whose path can be given, into the target's folder as many levels up (the trailing components
 * that the snapshot path and the target share), with --no-implied-dirs (the folders on the way stay the target's own).
 * Undefined when plain arguments do; BAD_INPUT when the target's name differs where it matters (a copy under a new name).
 */
export function singleFileList(root: BackupRoot, plan: Pick<RestorePlan, 'snapshot' | 'relativePath' | 'sourceType' | 'target'>): { sourceRel: string; targetBase: string; list: string } | undefined {
  if (plan.sourceType !== 'file' || plan.relativePath === '.') return undefined;
  const plain = (p: string) => !hasEscapedBytes(p) && Buffer.byteLength(p) < ARG_PATH_LIMIT;
  if (plain(root.hostPath(plan.snapshot, plan.relativePath)) && plain(plan.target)) return undefined;
  const rel = plan.relativePath.split('/');
  const target = plan.target.split(path.sep);
  for (let k = 1; k <= rel.length && k < target.length && rel[rel.length - k] === target[target.length - k]; k++) {
    const sourceRel = rel.slice(0, rel.length - k).join('/') || '.';
    const targetBase = target.slice(0, target.length - k).join(path.sep) || path.sep;
    if (plain(sourceRel === '.' ? root.hostPath(plan.snapshot) : root.hostPath(plan.snapshot, sourceRel)) && plain(targetBase))
      return { sourceRel, targetBase, list: rel.slice(rel.length - k).join('/') };
  }
  throw new SnapshotError(
    'BAD_INPUT',
    `${showBytes(plan.relativePath)} cannot be restored as ${showBytes(plan.target)}: a name that is not valid UTF-8, or a path this long, can only be restored under its own name. ` +
      `Restore it under its own name (into ${showBytes(path.dirname(plan.target))} or a copy of its folder), then rename it. Nothing was changed.`,
  );
}

/** rsync's stdin for a single-file restore that goes as a file list (see singleFileList); undefined otherwise. */
export function singleFileInput(root: BackupRoot, plan: Pick<RestorePlan, 'snapshot' | 'relativePath' | 'sourceType' | 'target'>): Buffer | undefined {
  const list = singleFileList(root, plan);
  if (!list) return undefined;
  // --files-from skips lines starting with '#' or ';' as comments, even with --from0.
  return Buffer.concat([nameBytes(/^[#;]/.test(list.list) ? `./${list.list}` : list.list), Buffer.alloc(1)]);
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

  const notes = await root.notes.read(snapshot.name);
  const recorded = notes?.excludes ?? [];
  const excludes = [...new Set([...recorded, ...(options.excludes ?? [])])];
  // Never through a symlink: every component from the workspace down is checked; a link the snapshot has a folder for is replaced.
  const workspace = await restoreWorkspace([options.workspace, notes?.source], relativePath, target, sourceType);
  const replace = await linkToReplace(root, snapshot.name, workspace, targetDir, options.signal);
  const base = { snapshot: snapshot.name, relativePath, sourceType, target, delete: del, excludes };
  singleFileList(root, base); // refuses a name it cannot pass to rsync before anything runs
  const dryRun = replace ? { ...base, target: absentTarget(replace.link, target) } : base;
  const args = restoreRsyncArgs(root, dryRun, ['--dry-run', RESTORE_TEMP_EXCLUDE, ...(await root.restore.protectRoot(targetDir, sourceType))], { fileIntoMissingFolder: Boolean(replace) });
  const run = await root.rsync.run(args, { signal: options.signal, env: ITEMIZE_ENV, input: singleFileInput(root, dryRun) });
  if (run.cancelled) throw new SnapshotError('CANCELLED', 'Restore preview cancelled: nothing was changed.');
  if (run.exitCode !== 0 && run.exitCode !== 23 && run.exitCode !== 24) {
    const failure = root.rsync.failure(run, 'Restore preview failed');
    throw new SnapshotError(failure.code, `${failure.message} Nothing was changed.`, failure.details);
  }

  const { parsed, warnings } = readDryRun(run);
  if (replace) warnings.unshift(replace.warning);
  if (options.only) parsed.items = onlyItems(parsed.items, options.only, sourceType === 'file' ? path.basename(target) : undefined);
  // Symlink targets, read from the snapshot (never followed): one call for all of them.
  const links = parsed.items.filter((l) => l.type === 'symlink' && !l.deleting).map((l) => (sourceType === 'file' ? path.basename(target) : l.name));
  const info = await root.restore.items(base, links, options.signal);
  const targets = new Map(links.map((p, i) => [sourceType === 'file' ? sourcePath : joinItem(sourcePath, p), info[i]?.linkTarget]));
  const plan = await finishPlan(
    {
      root: root.spec,
      snapshot: snapshot.name,
      relativePath,
      sourcePath,
      sourceType,
      target,
      targetDir,
      delete: del,
      excludes,
      commandLine: formatCommandLine([rsync, ...args]),
      workspace,
      ...(replace ? { replacesLink: replace.link } : {}),
    },
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
  fields: Pick<RestorePlan, 'root' | 'snapshot' | 'relativePath' | 'sourcePath' | 'sourceType' | 'target' | 'targetDir' | 'delete' | 'excludes' | 'commandLine' | 'workspace' | 'replacesLink'>,
  parsed: ItemizeOutput,
  warnings: string[],
  readLink: (sourceItem: string) => Promise<string | undefined>,
): Promise<RestorePlan> {
  // Below a link that the restore replaces nothing of the target is looked at: it all comes new from the snapshot.
  const { items, dirTimeUpdates } = await toItems(parsed.items, fields.sourceType, fields.sourcePath, fields.target, readLink, Boolean(fields.replacesLink));
  const bad = items.filter((i) => !isSafeItemPath(i.path));
  if (bad.length) throw new SnapshotError('BAD_INPUT', `rsync reported paths outside the target (${bad.map((i) => i.path).join(', ')}): refusing to restore.`);
  if (!fields.replacesLink) warnings.unshift(...(await checkLinksBelowTarget(fields.targetDir, fields.workspace ?? fields.targetDir, items, dirTimeUpdates)));
  return {
    version: RESTORE_PLAN_VERSION,
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    ...fields,
    items,
    counts: countItems(items),
    dirTimeUpdates,
    warnings,
    targetFingerprint: await restoreFingerprint({ targetDir: fields.targetDir, items, replacesLink: fields.replacesLink }),
  };
}

/** Itemized lines → plan items; `readLink` gives a symlink's target from its source path (local fs, or prefetched from the host). */
export async function toItems(
  lines: ItemizedLine[],
  sourceType: 'folder' | 'file',
  sourcePath: string,
  target: string,
  readLink: (sourceItem: string) => Promise<string | undefined>,
  /** The target is not looked at (a link on the way is replaced first): nothing there is replaced. */
  targetAbsent = false,
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
      !targetAbsent &&
      (await withReachablePath(fsPath(joinItem(targetDir, itemPath)), (p) => fs.lstat(p)).then(
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
  const stat = await withReachablePath(fsPath(target), (p) => fs.stat(p)).catch((err) => {
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
  const parentStat = await withReachablePath(fsPath(parent), (p) => fs.stat(p)).catch(() => undefined);
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
  if (p.workspace !== undefined && (typeof p.workspace !== 'string' || !path.isAbsolute(p.workspace) || path.resolve(p.workspace) !== p.workspace)) fail('workspace');
  if (p.replacesLink !== undefined) {
    const link = p.replacesLink as Record<string, unknown>;
    if (typeof link !== 'object' || link === null || typeof link.path !== 'string' || typeof link.linkTarget !== 'string') fail('replacesLink');
    const at = link.path as string;
    // Only the target folder or a folder above it, strictly below the workspace, is ever removed (a link, by unlink).
    const onTheWay = at === p.targetDir || (p.targetDir as string).startsWith(at + path.sep);
    const belowWorkspace = typeof p.workspace === 'string' && at !== p.workspace && at.startsWith(p.workspace.endsWith(path.sep) ? p.workspace : p.workspace + path.sep);
    if (!path.isAbsolute(at) || path.resolve(at) !== at || !onTheWay || !belowWorkspace) fail('replacesLink is not on the way from the workspace to the target');
  }
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
