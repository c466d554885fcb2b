import path from 'node:path';
import type { BackupRoot } from '../root/backupRoot';
import { isSnapshotError, SnapshotError } from '../util/errors';
import { planRestore } from './plan';
import type { RestorePlan } from './types';
import { workspacePrefix } from './workspaceLinks';

/** What undoing a restore needs: the safety snapshot taken before it, and exactly what the restore changed. */
export interface UndoRestore {
  /** The safety snapshot's root (its spec) and name. */
  root: string;
  snapshot: string;
  /** The folder the safety snapshot was taken of (absolute). */
  source: string;
  /** The folder the restore's item paths are relative to (absolute). */
  targetDir: string;
  /** Item paths the restore touched (restored, deleted, failed), relative to targetDir. */
  paths: string[];
}

/**
 * The plan that undoes a restore: a dry run from the safety snapshot into the folder the restore worked in, with
 * --delete (files the restore created go again), limited to exactly the items the restore touched. When the restore
 * created its target folder, the plan starts at the nearest folder above it that the safety snapshot holds. What the
 * safety snapshot excluded (its notes, plus `excludes`) is left alone.
 */
export async function planUndoRestore(root: BackupRoot, undo: UndoRestore, options: { signal?: AbortSignal; excludes?: string[] } = {}): Promise<RestorePlan> {
  const { signal } = options;
  if (root.spec !== undo.root) throw new SnapshotError('BAD_INPUT', `The safety snapshot is in ${undo.root}, not ${root.spec}: undo from the restore's own root.`);
  // The restore's folder as it is spelled below the workspace: never resolved through a link there (a folder that is
  // a link now is replaced by the safety snapshot's folder, never written through; see workspaceLinks.ts).
  const targetDir = path.resolve(undo.targetDir);
  const source = await workspacePrefix(targetDir, undo.source);
  if (!source) throw new SnapshotError('BAD_INPUT', `${undo.targetDir} is not inside ${undo.source}, the folder of safety snapshot ${undo.snapshot}: nothing to undo from it.`);
  let rel = path.relative(source, targetDir);
  rel = rel.split(path.sep).join('/') || '.';
  // The nearest folder at or above the restore's folder that the safety snapshot holds.
  for (;;) {
    const kind = await root.restore.source(undo.snapshot, rel, signal).then(
      (s) => s.sourceType,
      (err) => (isSnapshotError(err, 'NOT_FOUND') ? undefined : Promise.reject(err)),
    );
    if (kind === 'folder' || rel === '.') break;
    rel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
  }
  const base = rel === '.' ? source : path.join(source, ...rel.split('/'));
  const prefix = path.relative(base, targetDir).split(path.sep).join('/');
  const only = undo.paths.map((p) => (p === '.' ? prefix || '.' : prefix ? `${prefix}/${p}` : p));
  return planRestore(root, { snapshot: undo.snapshot, path: rel, target: base, delete: true, only, excludes: options.excludes, workspace: source, signal });
}
