// The engine as the tests call it: each function opens the root from a spec (a local path or [user@]host:/path) with
// openRoot — the one place that tells them apart — and calls the real feature on it. Tests keep their spec strings and
// options (sshCommand, rsyncPath) in one shape for both transports; nothing here decides anything on its own.
import { systemdUnits as systemdUnitsOf } from '../../src/core/cron/systemdTimer';
import { changes as changesOf, ChangesOptions } from '../../src/core/changes/changes';
import { cronLine as cronLineOf, CronLineOptions } from '../../src/core/cron/cronLine';
import { doctor as doctorOf } from '../../src/core/doctor/doctor';
import { setPinned as setPinnedIn } from '../../src/core/pin/pin';
import { applyPrune as applyPruneTo, planPrune as planPruneOf } from '../../src/core/prune/prune';
import type { PrunePolicy } from '../../src/core/prune/policy';
import type { ApplyOptions, PlanOptions, PrunePlan } from '../../src/core/prune/types';
import { applyRestore as applyRestoreTo, ApplyRestoreOptions } from '../../src/core/restore/apply';
import { planRestore as planRestoreOf, PlanRestoreOptions } from '../../src/core/restore/plan';
import type { RestorePlan } from '../../src/core/restore/types';
import type { BackupRoot } from '../../src/core/root/backupRoot';
import { findSnapshot as findSnapshotIn } from '../../src/core/root/find';
import { openRoot, OpenRootOptions } from '../../src/core/root/open';
import { rootOwnership as rootOwnershipOf } from '../../src/core/root/ownership';
import { diagnoseLinking as diagnoseLinkingOf, DiagnoseOptions } from '../../src/core/snapshot/linkDiagnostics';
import { checkForChanges as checkForChangesIn } from '../../src/core/snapshot/changeCheck';
import { takeSnapshot as takeSnapshotInto } from '../../src/core/snapshot/snapshot';
import type { SnapshotOptions, SnapshotResult } from '../../src/core/snapshot/types';
import { searchSnapshots } from '../../src/core/search/search';
import type { SearchOptions, SearchQuery } from '../../src/core/search/types';
import type { UsageOptions } from '../../src/core/usage/model';
import { measureUsage as measureUsageOf, usage as usageOf } from '../../src/core/usage/usage';
import type { Logger } from '../../src/core/util/logger';
import type { VersionsOptions } from '../../src/core/versions/types';
import { versions as versionsOf } from '../../src/core/versions/versions';
import { folderHistory as folderHistoryOf } from '../../src/core/versions/folderHistory';
import type { LineRange } from '../../src/core/versions/blockHistory';
import { selectionHistory as selectionHistoryOf, SelectionHistoryOptions } from '../../src/core/versions/selectionHistory';
import { versionLineCounts as versionLineCountsOf } from '../../src/core/versions/versionLineCounts';

/** How a test reaches a root: the ssh command for remote ones, the rsync program, a logger. */
export interface Reach {
  sshCommand?: string;
  rsyncPath?: string;
  logger?: Logger;
}

export function root(spec: string, reach: Reach & Pick<OpenRootOptions, 'env' | 'connectTimeoutSeconds'> = {}): BackupRoot {
  return openRoot(spec, reach);
}

export const listSnapshots = async (spec: string, reach: Reach & { signal?: AbortSignal } = {}) => root(spec, reach).list({ signal: reach.signal });
export const findSnapshot = async (spec: string, name: string, reach: Reach = {}) => findSnapshotIn(root(spec, reach), name);
export const readSnapshotMeta = async (spec: string, name: string, reach: Reach = {}) => root(spec, reach).notes.read(name);
export const readSnapshotFile = async (spec: string, name: string, rel: string, reach: Reach & { signal?: AbortSignal } = {}) => root(spec, reach).files.read(name, rel, reach.signal);
export const listSnapshotDir = async (spec: string, name: string, rel: string, reach: Reach = {}) => root(spec, reach).files.listDir(name, rel);
export const statInSnapshot = async (spec: string, name: string, rel: string, reach: Reach = {}) => root(spec, reach).files.stat(name, rel);
export const resolveInSnapshot = async (spec: string, name: string, rel: string, reach: Reach = {}) => root(spec, reach).files.resolve(name, rel);

export async function takeSnapshot(options: SnapshotOptions & Reach & { root: string }): Promise<SnapshotResult> {
  const { root: spec, sshCommand, rsyncPath, logger, ...rest } = options;
  return takeSnapshotInto(root(spec, { sshCommand, rsyncPath, logger }), rest);
}

export async function checkForChanges(options: Omit<SnapshotOptions, 'createRoot' | 'trigger' | 'label' | 'now' | 'onProgress'> & Reach & { root: string }) {
  const { root: spec, sshCommand, rsyncPath, logger, ...rest } = options;
  return checkForChangesIn(root(spec, { sshCommand, rsyncPath, logger }), rest);
}

export const versions = async (spec: string, rel: string, options: VersionsOptions & Reach = {}) => versionsOf(root(spec, options), rel, options);
export const selectionHistory = async (spec: string, rel: string, lines: LineRange, options: SelectionHistoryOptions & Reach = {}) => selectionHistoryOf(root(spec, options), rel, lines, options);
export async function versionLineCounts(spec: string, rel: string, options: { workingFolder?: string; limit?: number } & Reach = {}) {
  const opened = root(spec, options);
  return versionLineCountsOf(opened, await versionsOf(opened, rel), options);
}
export const folderHistory = async (spec: string, rel: string, options: { limit?: number } & Reach = {}) => folderHistoryOf(root(spec, options), rel, options);
export const changes = async (spec: string, a: string, b: string | { working: string }, options: ChangesOptions & Reach = {}) => changesOf(root(spec, options), a, b, options);
export const planPrune = async (spec: string, policy: PrunePolicy, options: PlanOptions & Reach = {}) => planPruneOf(root(spec, options), policy, options);
export const applyPrune = async (plan: PrunePlan, options: ApplyOptions & Reach = {}) => applyPruneTo(root(plan.root, options), plan, options);
export const setPinned = async (spec: string, name: string, pinned: boolean, reach: Reach = {}) => setPinnedIn(root(spec, reach), name, pinned);
export const usage = async (spec: string, options: UsageOptions & Reach = {}) => usageOf(root(spec, options), options);
export const measureUsage = async (spec: string, options: UsageOptions & Reach = {}) => measureUsageOf(root(spec, options), options);
export const search = async (spec: string, query: SearchQuery, options: SearchOptions & Reach = {}) => searchSnapshots(root(spec, options), query, options);
export const doctor = async (spec: string, reach: Reach = {}) => doctorOf(root(spec, reach));
export const rootOwnership = async (spec: string, source: string, reach: Reach = {}) => rootOwnershipOf(root(spec, reach), source);
export const diagnoseLinking = async (result: SnapshotResult, options: DiagnoseOptions = {}) => diagnoseLinkingOf(root(result.root), result, options);
export const cronLine = (options: Omit<CronLineOptions, 'root'> & Reach & { root: string }) => cronLineOf({ ...options, root: root(options.root, options) });
export const systemdUnits = (options: Omit<CronLineOptions, 'root'> & Reach & { root: string }) => systemdUnitsOf({ ...options, root: root(options.root, options) });

export async function planRestore(options: PlanRestoreOptions & Reach & { root: string }): Promise<RestorePlan> {
  const { root: spec, sshCommand, rsyncPath, logger, ...rest } = options;
  return planRestoreOf(root(spec, { sshCommand, rsyncPath, logger }), rest);
}

export async function applyRestore(plan: RestorePlan, options: Omit<ApplyRestoreOptions, 'safetySnapshot'> & Reach & { safetySnapshot?: { root: string; source: string; excludes?: string[] } } = {}) {
  const { sshCommand, rsyncPath, logger, safetySnapshot, ...rest } = options;
  const reach = { sshCommand, rsyncPath, logger };
  return applyRestoreTo(root(plan.root, reach), plan, { ...rest, safetySnapshot: safetySnapshot && { ...safetySnapshot, root: root(safetySnapshot.root, reach) } });
}
