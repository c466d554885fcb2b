import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { errnoCode, isSnapshotError, SnapshotError } from '../util/errors';
import { fsPath, hasEscapedBytes } from '../util/nameBytes';
import { lstatLong, readlinkLong } from './longPath';
import { linksOnTheWay } from './paths';
import type { ReplacedLink, RestoreItem, RestorePlan } from './types';

/**
 * A restore never writes through a symlink. Every path component from the workspace folder down to each item's parent
 * is checked with lstat: where the workspace now has a link and the snapshot a folder, the plan says so and applying
 * replaces the link itself (never what it points at) with the folder; anywhere else a link on the way is refused.
 * Links below the target folder are items of the plan (rsync replaces them); a link at or above it is the plan's
 * `replacesLink`, which applying removes before anything is written.
 */

const posix = (p: string) => p.split(path.sep).join('/');

/** "dir is now a link to …; restoring replaces …": the plan's warning for a link it replaces. */
export function linkReplacedWarning(rel: string, linkTarget: string): string {
  return `${rel} is now a link to ${linkTarget}; restoring replaces the link with the folder from the snapshot`;
}

/**
 * The prefix of `target` (as spelled) that is the folder `workspace`, or undefined when the target is not inside it.
 * Lexical first; else the prefix whose real path is the workspace's (the workspace spelled through a link above it).
 * Never resolves a component below the workspace: a link there must not make the target look inside or outside it.
 */
export async function workspacePrefix(target: string, workspace: string): Promise<string | undefined> {
  const ws = path.resolve(workspace);
  const t = path.resolve(target);
  if (t === ws || t.startsWith(ws.endsWith(path.sep) ? ws : ws + path.sep)) return ws;
  const real = await fs.realpath(ws).catch(() => undefined);
  if (!real) return undefined;
  let prefix = path.parse(t).root;
  for (const segment of t.slice(prefix.length).split(path.sep)) {
    prefix = path.join(prefix, segment);
    if (hasEscapedBytes(prefix)) return undefined;
    const here = await fs.realpath(prefix).catch(() => undefined);
    if (here === undefined) return undefined;
    if (here === real) return prefix;
  }
  return undefined;
}

/**
 * The workspace a restore's target lies in: the caller's (the safety snapshot's source, --workspace), else the folder the
 * snapshot was taken of (its notes), when the target is inside them; else the folder the target mirrors the snapshot
 * from (the target with the snapshot path's trailing components that it repeats taken off: ws/dir/a.txt for dir/a.txt
 * gives ws), at most the target's folder.
 */
export async function restoreWorkspace(candidates: (string | undefined)[], relativePath: string, target: string, sourceType: 'folder' | 'file'): Promise<string> {
  for (const candidate of candidates) {
    if (!candidate || !path.isAbsolute(candidate)) continue;
    const prefix = await workspacePrefix(sourceType === 'folder' ? target : path.dirname(target), candidate);
    if (prefix) return prefix;
  }
  const rel = relativePath === '.' ? [] : relativePath.split('/');
  const parts = target.split(path.sep);
  let k = 0;
  while (k < rel.length && k < parts.length - 1 && rel[rel.length - 1 - k] === parts[parts.length - 1 - k]) k++;
  if (sourceType === 'file') k = Math.max(k, 1);
  return parts.slice(0, parts.length - k).join(path.sep) || path.sep;
}

/** The first symlink strictly below `base` on the way down to `dir` (inclusive), read with lstat, never followed. */
export async function firstLinkBelow(base: string, dir: string): Promise<ReplacedLink | undefined> {
  const rel = path.relative(base, dir);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  let current = base;
  for (const segment of rel.split(path.sep)) {
    current = path.join(current, segment);
    let stat;
    try {
      stat = await lstatLong(fsPath(current));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined; // created as real folders
      throw err;
    }
    if (stat.isSymbolicLink()) return { path: current, linkTarget: await readlinkLong(fsPath(current)).catch(() => '?') };
    if (!stat.isDirectory()) return undefined; // a file in the way: the checks of the target say what to do
  }
  return undefined;
}

function refuseThrough(link: ReplacedLink, workspace: string, why: string, code: 'BAD_INPUT' | 'CHANGED_SINCE_PREVIEW' = 'BAD_INPUT'): SnapshotError {
  const rel = posix(path.relative(workspace, link.path)) || link.path;
  return new SnapshotError(
    code,
    `Refusing to restore through a symlink: ${rel} is a link to ${link.linkTarget}${why}, so writing through it could change files outside ${workspace}. ` +
      `Remove or rename the link (rm '${link.path}'), or restore as a copy into another folder. Nothing was changed.`,
    [`${link.path} -> ${link.linkTarget}`],
  );
}

/**
 * Before the dry run: the link at or above the target folder (below the workspace) that the restore replaces with the
 * snapshot's folder, and its warning; undefined when there is none. Refuses (BAD_INPUT) a link where the snapshot has
 * no folder: nothing could be put in its place, and writing through it is never done.
 */
export async function linkToReplace(root: BackupRoot, snapshot: string, workspace: string, targetDir: string, signal?: AbortSignal): Promise<{ link: ReplacedLink; warning: string } | undefined> {
  const link = await firstLinkBelow(workspace, targetDir);
  if (!link) return undefined;
  const rel = posix(path.relative(workspace, link.path));
  const kind = await root.restore.source(snapshot, rel, signal).then(
    (s) => s.sourceType,
    (err) => (isSnapshotError(err, 'NOT_FOUND') || isSnapshotError(err, 'BAD_INPUT') ? undefined : Promise.reject(err)),
  );
  if (kind !== 'folder') throw refuseThrough(link, workspace, `, and snapshot ${snapshot} has no folder ${rel} to put in its place`);
  return { link, warning: linkReplacedWarning(rel, link.linkTarget) };
}

/**
 * Where the dry run of a plan that replaces `link` looks instead of the target: the same path with the link swapped
 * for a folder that does not exist, so rsync compares with nothing (as after the replacement) and never reads through it.
 */
export function absentTarget(link: ReplacedLink, target: string): string {
  return path.join(path.dirname(link.path), `.rsync-snapshots-absent-${randomUUID()}`, path.relative(link.path, target));
}

/** A dir item that rsync puts in place of what the target has there (a link among them). */
const replacesWithFolder = (item: RestoreItem | undefined) => Boolean(item && item.isDir && (item.kind === 'mkdir' || item.kind === 'overwrite'));

/**
 * Links below the target folder on the way to the items: each must be an item itself that the snapshot's folder
 * replaces (rsync removes the link, never follows it); returns their warnings. Otherwise refused (BAD_INPUT).
 */
export async function checkLinksBelowTarget(targetDir: string, workspace: string, items: RestoreItem[], dirTimeUpdates: string[]): Promise<string[]> {
  const byPath = new Map(items.map((i) => [i.path, i]));
  const warnings: string[] = [];
  const bad: string[] = [];
  for (const [rel, to] of await linksOnTheWay(targetDir, [...items.map((i) => i.path), ...dirTimeUpdates])) {
    if (replacesWithFolder(byPath.get(rel))) warnings.push(linkReplacedWarning(posix(path.relative(workspace, path.join(targetDir, rel))), to));
    else bad.push(`${path.join(targetDir, rel)} -> ${to}`);
  }
  if (bad.length)
    throw new SnapshotError(
      'BAD_INPUT',
      `Refusing to restore through a symlink in the target: ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}. ` +
        'Writing through it could change files outside the target. Remove or rename the symlink, or restore as a copy into another folder. Nothing was changed.',
      bad,
    );
  return warnings;
}

/**
 * Before applying: the path from the workspace (the plan's, or the safety snapshot's source when that is further up)
 * down to every kept item is as the plan saw it. The link the plan replaces is still that link; no other link is on
 * the way, except links below the target that kept items replace. Throws CHANGED_SINCE_PREVIEW or BAD_INPUT.
 */
export async function checkLinksBeforeApply(plan: RestorePlan, kept: RestoreItem[], safetySource: string | undefined): Promise<void> {
  const bases = [plan.workspace, safetySource ? await workspacePrefix(plan.targetDir, safetySource) : undefined].filter((b): b is string => Boolean(b));
  const base = bases.sort((a, b) => a.length - b.length)[0] ?? plan.targetDir;
  const found = await firstLinkBelow(base, plan.targetDir);
  const planned = plan.replacesLink;
  if (planned) {
    if (found?.path !== planned.path || found.linkTarget !== planned.linkTarget)
      throw new SnapshotError(
        'CHANGED_SINCE_PREVIEW',
        `${plan.target} changed since the restore preview was made (${planned.path} is no longer the link to ${planned.linkTarget} it was): nothing was restored. Run the preview again and review the new plan.`,
      );
    return;
  }
  if (found) {
    const previewed = plan.workspace !== undefined && (await workspacePrefix(found.path, plan.workspace)) !== undefined;
    throw refuseThrough(found, base, previewed ? ' (it was not one when the preview was made)' : '', previewed ? 'CHANGED_SINCE_PREVIEW' : 'BAD_INPUT');
  }
  const keptPaths = new Map(kept.map((i) => [i.path, i]));
  const planned2 = new Set(plan.items.map((i) => i.path));
  for (const [rel, to] of await linksOnTheWay(plan.targetDir, [...kept.map((i) => i.path), ...plan.dirTimeUpdates])) {
    if (replacesWithFolder(keptPaths.get(rel))) continue;
    if (planned2.has(rel))
      throw new SnapshotError(
        'BAD_INPUT',
        `${rel} is a link to ${to}: keep ${rel} in the restore (it replaces the link with the folder from the snapshot), or leave out what is below it too. Nothing was changed.`,
      );
    throw new SnapshotError(
      'CHANGED_SINCE_PREVIEW',
      `${plan.target} changed since the restore preview was made (${rel} is now a link to ${to}): nothing was restored. Run the preview again and review the new plan.`,
    );
  }
}

/**
 * Removes the plan's link (the link itself: its target is never touched) and makes the folders from there down to
 * the target folder, with the permissions of the snapshot's folders. Run after the safety snapshot, which holds the link.
 * Returns what it did, for the result's warnings.
 */
export async function replaceLinkWithFolder(root: BackupRoot, plan: RestorePlan): Promise<string | undefined> {
  const link = plan.replacesLink;
  if (!link || !plan.workspace) return undefined;
  const stat = await fs.lstat(fsPath(link.path)).catch(() => undefined);
  if (!stat?.isSymbolicLink() || (await fs.readlink(fsPath(link.path))) !== link.linkTarget)
    throw new SnapshotError('CHANGED_SINCE_PREVIEW', `${link.path} changed since the restore preview was made: nothing was restored. Run the preview again.`);
  const chain = [link.path];
  for (const segment of path.relative(link.path, plan.targetDir).split(path.sep).filter(Boolean)) chain.push(path.join(chain[chain.length - 1], segment));
  const rels = chain.map((dir) => posix(path.relative(plan.workspace!, dir)));
  const infos = await root.restore.items({ snapshot: plan.snapshot, relativePath: '.', sourceType: 'folder' }, rels).catch(() => []);
  await fs.unlink(fsPath(link.path));
  root.logger.info(`restore ${plan.id}: replaced the link ${link.path} -> ${link.linkTarget} with a folder`);
  for (const [i, dir] of chain.entries()) {
    await fs.mkdir(fsPath(dir), { mode: 0o700 });
    const info = infos[i];
    await fs.chmod(fsPath(dir), info?.kind === 'folder' ? info.mode : 0o755);
  }
  return `${rels[0]} was a link to ${link.linkTarget}: replaced with the folder from the snapshot (what the link pointed at is untouched)`;
}

/** What undoing a restore covers: with a link replaced, from the link's folder (so the undo puts the link back). */
export function undoScope(plan: RestorePlan, paths: string[]): { targetDir: string; paths: string[] } {
  const link = plan.replacesLink;
  if (!link) return { targetDir: plan.targetDir, paths };
  const parent = path.dirname(link.path);
  const prefix = posix(path.relative(parent, plan.targetDir));
  return { targetDir: parent, paths: [...new Set([posix(path.basename(link.path)), ...paths.map((p) => (p === '.' ? prefix : `${prefix}/${p}`))])] };
}
