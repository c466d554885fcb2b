/**
 * The model test's ONLY door into the engine: every call of the core API and every CLI command line the harness
 * uses goes through here. When src/core moves into feature folders (or an API changes shape), only this file
 * changes; the harness sees plain data.
 */
import { isSnapshotError } from '../../src/core/util/errors';
import { closeAllSshConnections } from '../../src/core/root/ssh/transport';
import {
  DELETING_PREFIX,
  IN_PROGRESS_PREFIX,
  isSnapshotName,
  LATEST_LINK,
  LATEST_TEMP_PREFIX,
  LOCK_FILE,
  META_DIR,
  NOTES_INDEX_FILE,
  PROBE_PREFIX,
  USAGE_CACHE_FILE,
} from '../../src/core/root/format';
import type { RestorePlan } from '../../src/core/restore/types';
import { planUndoRestore, UndoRestore } from '../../src/core/restore/undo';
import { applyPrune, applyRestore, changes, listSnapshots, measureUsage, planPrune, planRestore, readSnapshotMeta, root, takeSnapshot, versions } from '../support/core';

/** Where the engine writes, for one history: a local root path, or `host:/path` plus the ssh command. */
export interface Target {
  /** What the engine is given: a local path or `host:/path`. */
  root: string;
  /** The same root as a local path (the remote variant's sshd runs on this machine), for the harness to inspect. */
  localRoot: string;
  sshCommand?: string;
}

/** Names of the backup-root format that the invariants need. */
export const FORMAT = {
  lockFile: LOCK_FILE,
  metaDir: META_DIR,
  /** Caches in META_DIR that any reader (a listing, a prune's plan) refreshes without the lock. */
  caches: [USAGE_CACHE_FILE, NOTES_INDEX_FILE],
  inProgressPrefix: IN_PROGRESS_PREFIX,
  deletingPrefix: DELETING_PREFIX,
  latestTempPrefix: LATEST_TEMP_PREFIX,
  probePrefix: PROBE_PREFIX,
  latest: LATEST_LINK,
  isSnapshotName,
};

/** A failure the engine reported on purpose (a typed error), with its code; anything else is rethrown. */
export interface EngineRefusal {
  code: string;
  message: string;
  /** rsync's stderr lines and the like, when the engine passed them on. */
  details: string[];
}

export async function engineCall<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; refusal: EngineRefusal }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (isSnapshotError(err)) return { ok: false, refusal: { code: err.code, message: err.message, details: err.details ?? [] } };
    throw err;
  }
}

export async function snapshot(t: Target, source: string, label?: string): Promise<{ name: string; partial: boolean; warnings: string[] }> {
  const r = await takeSnapshot({ source, root: t.root, label, sshCommand: t.sshCommand });
  return { name: r.name, partial: r.partial, warnings: r.warnings };
}

export async function list(t: Target): Promise<{ snapshots: string[]; latest?: string; latestState: string; inProgress: string[] }> {
  const l = await listSnapshots(t.root, { sshCommand: t.sshCommand });
  return { snapshots: l.snapshots.map((s) => s.name), latest: l.latest?.name, latestState: l.latestState, inProgress: l.inProgress };
}

export async function label(t: Target, name: string): Promise<string | undefined> {
  return (await readSnapshotMeta(t.root, name, { sshCommand: t.sshCommand }))?.label;
}

export interface VersionsView {
  /** Distinct versions oldest first: the snapshots each spans, and whether the engine marks it "= working file". */
  versions: { snapshots: string[]; current: boolean }[];
}

export async function fileVersions(t: Target, rel: string, working: string): Promise<VersionsView> {
  const h = await versions(t.root, rel, { workingFolder: working, sshCommand: t.sshCommand });
  return { versions: h.versions.map((v) => ({ snapshots: v.snapshots, current: v.current })) };
}

export interface ChangesView {
  added: string[];
  modified: string[];
  deleted: string[];
}

export async function changesToWorking(t: Target, snapshotName: string, working: string): Promise<ChangesView> {
  const c = await changes(t.root, snapshotName, { working }, { sshCommand: t.sshCommand });
  return { added: c.added, modified: c.modified, deleted: c.deleted };
}

export async function changesBetween(t: Target, a: string, b: string): Promise<ChangesView> {
  const c = await changes(t.root, a, b, { sshCommand: t.sshCommand });
  return { added: c.added, modified: c.modified, deleted: c.deleted };
}

export interface RestorePreview {
  /** Opaque: hand it back to applyRestorePlan. */
  plan: unknown;
  items: { path: string; kind: string; isDir: boolean }[];
  /** The claim a user acts on: "nothing to do: the target already matches the snapshot". */
  nothingToDo: boolean;
  sourceType: 'folder' | 'file';
}

export async function previewRestore(t: Target, o: { snapshot: string; path: string; target: string; delete: boolean }): Promise<RestorePreview> {
  const plan = await planRestore({ root: t.root, snapshot: o.snapshot, path: o.path, target: o.target, delete: o.delete, sshCommand: t.sshCommand });
  return { plan, items: plan.items.map((i) => ({ path: i.path, kind: i.kind, isDir: i.isDir })), nothingToDo: plan.items.length === 0, sourceType: plan.sourceType };
}

export async function applyRestorePlan(
  t: Target,
  preview: RestorePreview,
  o: { exclude: string[]; safetyOf?: string },
): Promise<{ safetySnapshot?: string; failed: { path: string; error: string }[]; skipped: string[]; restored: string[]; deleted: string[] }> {
  const r = await applyRestore(preview.plan as RestorePlan, {
    exclude: o.exclude,
    safetySnapshot: o.safetyOf ? { root: t.root, source: o.safetyOf } : undefined,
    sshCommand: t.sshCommand,
  });
  return { safetySnapshot: r.safetySnapshot, failed: r.failed, skipped: r.skipped, restored: r.restored, deleted: r.deleted };
}

/**
 * Undoes a restore as the editor does (planUndoRestore from the `undo` a CLI restore printed with --json, then applied
 * with a safety snapshot of `workspace`): exactly what the restore changed comes back from its safety snapshot.
 */
export async function undoRestore(t: Target, undo: unknown, workspace: string): Promise<{ safetySnapshot?: string; failed: { path: string; error: string }[]; warnings: string[] }> {
  const plan = await planUndoRestore(root(t.root, { sshCommand: t.sshCommand }), undo as UndoRestore);
  const r = await applyRestore(plan, { safetySnapshot: { root: t.root, source: workspace }, sshCommand: t.sshCommand });
  return { safetySnapshot: r.safetySnapshot, failed: r.failed, warnings: [...plan.warnings, ...r.warnings] };
}

export interface PrunePolicyView {
  keepLast?: number;
  olderThan?: string;
  strategy?: string;
}

export async function previewPrune(t: Target, policy: PrunePolicyView): Promise<{ plan: unknown; delete: string[]; keep: string[] }> {
  const plan = await planPrune(t.root, policy, { sshCommand: t.sshCommand, measureSizes: false });
  return { plan, delete: plan.delete.map((d) => d.name), keep: plan.keep.map((k) => k.name) };
}

export async function applyPrunePlan(t: Target, preview: { plan: unknown }): Promise<{ deleted: string[]; skipped: string[] }> {
  const r = await applyPrune(preview.plan as Awaited<ReturnType<typeof planPrune>>, { sshCommand: t.sshCommand });
  return { deleted: r.deleted, skipped: r.skipped.map((s) => s.name) };
}

/** The engine's space report total (bytes, `du -s -B1 --total ROOT/20*` semantics). */
export async function usageTotal(t: Target): Promise<number> {
  return (await measureUsage(t.root, { sshCommand: t.sshCommand })).report.totalBytes;
}

/** The CLI argv (after `node dist/cli.js`) of the operations the harness kills mid-run. */
export const cliArgs = {
  snapshot: (t: Target, source: string) => ['snapshot', source, t.root, ...ssh(t)],
  /** Options first, then `--` and the positionals: a path such as `-dd/x` is never read as an option. */
  restore: (t: Target, o: { snapshot: string; path: string; target: string; delete: boolean; workspace: string; extra?: string[] }) => [
    'restore',
    '--workspace',
    o.workspace,
    ...(o.delete ? ['--delete'] : []),
    ...(o.extra ?? []),
    ...ssh(t),
    '--',
    t.root,
    o.snapshot,
    o.path,
    o.target,
  ],
  prune: (t: Target, policy: PrunePolicyView) => [
    'prune',
    t.root,
    ...(policy.keepLast !== undefined ? ['--keep-last', String(policy.keepLast)] : []),
    ...(policy.olderThan !== undefined ? ['--older-than', policy.olderThan] : []),
    ...(policy.strategy !== undefined ? ['--strategy', policy.strategy] : []),
    ...ssh(t),
  ],
  doctor: (t: Target) => ['doctor', t.root, ...ssh(t)],
};

function ssh(t: Target): string[] {
  return t.sshCommand ? ['--ssh-command', t.sshCommand] : [];
}

/** Ends shared ssh connections (the remote variant), so a test run leaves no process behind. */
export async function closeConnections(): Promise<void> {
  await closeAllSshConnections();
}
