import * as vscode from 'vscode';
import { toAbortSignal } from '../cancellation';
import { SnapshotError } from '../../core/util/errors';
import { applyPrune, planPrune } from '../../core/prune/prune';
import { planThinning } from '../../core/prune/thinning';
import type { PrunePlan, PruneResult } from '../../core/prune/types';
import type { BackupRoot } from '../../core/root/backupRoot';
import { DEFAULT_STRATEGY, describePolicy as describe, PrunePolicy } from '../../core/prune/policy';
import { formatBytes } from '../../core/util/format';
import { pickWorkspaceFolder } from '../settings/pickFolder';
import { isOwnRoot, rootOwnership, describeForeign } from '../../core/root/ownership';
import { RootConsent } from '../settings/rootConsent';
import { folderRoot, readRetention } from '../settings/settings';
import { parseSnapshotName } from '../../core/root/format';
import { shortDateTime } from '../timeFormat';

const when = (name: string) => {
  const parsed = parseSnapshotName(name);
  return parsed ? shortDateTime(parsed.time, true) : name;
};

/** Lets the integration tests answer the prune prompts. */
export interface PruneHooks {
  prunePolicy?: () => PrunePolicy | undefined;
  confirmPrune?: (plan: PrunePlan) => boolean;
}

export interface PruneOutcome {
  plan: PrunePlan;
  result?: PruneResult;
}

async function askPolicy(folder: vscode.WorkspaceFolder): Promise<PrunePolicy | undefined> {
  const fromSettings = readRetention(folder).policy;
  const presets: (vscode.QuickPickItem & { policy?: PrunePolicy })[] = [
    ...(fromSettings ? [{ label: '$(settings-gear) Retention from settings', description: describe(fromSettings), policy: fromSettings }] : []),
    { label: 'Thin out over time', description: describe({ strategy: DEFAULT_STRATEGY }), policy: { strategy: DEFAULT_STRATEGY } },
    { label: 'Keep the newest 20', description: 'deletes all older ones', policy: { keepLast: 20 } },
    { label: 'Delete snapshots older than 30 days', description: 'by when each snapshot finished', policy: { olderThan: '30d' } },
    { label: 'Custom thinning…', description: 'say how many to keep as snapshots get older' },
  ];
  const picked = await vscode.window.showQuickPick(presets, { placeHolder: 'Which snapshots to delete? You see the plan before anything is deleted.' });
  if (!picked) return undefined;
  if (picked.policy) return picked.policy;
  const strategy = await vscode.window.showInputBox({
    prompt:
      'Pairs "X:Y": once snapshots are X old, keep one per Y (units m, h, d, w; bare numbers are days; Y = 0: keep none). "1d:1h 7d:1d" keeps one per hour after a day and one per day after a week.',
    value: DEFAULT_STRATEGY,
    validateInput: (text) => {
      try {
        describe({ strategy: text });
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  return strategy ? { strategy } : undefined;
}

/** "Prune snapshots…": choose a policy, see which snapshots go and what that frees, confirm, delete exactly that plan. */
export async function pruneSnapshots(hooks: PruneHooks, refresh: () => void, given?: vscode.WorkspaceFolder): Promise<PruneOutcome | undefined> {
  const folder = await pickWorkspaceFolder(given);
  if (!folder) return undefined;
  const policy = hooks.prunePolicy ? hooks.prunePolicy() : await askPolicy(folder);
  if (!policy) return undefined;
  const root = folderRoot(folder);
  const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Planning prune (measuring what it frees)…', cancellable: true }, (_p, token) => {
    const signal = toAbortSignal(token);
    return planPrune(root, policy, { signal });
  });
  const forever = plan.keep.filter((k) => k.forever);
  if (!plan.delete.length) {
    vscode.window.showInformationMessage(`Nothing to prune: the policy ${describe(policy)}, so all ${plan.keep.length} snapshots stay.`);
    return { plan };
  }
  const detail = plan.delete
    .slice(0, 25)
    .map((e) => `${when(e.name)} — frees ${formatBytes(e.uniqueBytes)}`)
    .concat(plan.delete.length > 25 ? [`… and ${plan.delete.length - 25} more`] : [])
    .concat(forever.slice(0, 10).map((k) => `Kept: ${when(k.name)} — ${k.reason}`))
    .join('\n');
  const label = `Delete ${plan.delete.length} Snapshot${plan.delete.length === 1 ? '' : 's'}`;
  const confirmed = hooks.confirmPrune
    ? hooks.confirmPrune(plan)
    : (await vscode.window.showWarningMessage(
        `Delete ${plan.delete.length} of ${plan.delete.length + plan.keep.length} snapshots, freeing ${formatBytes(plan.freesBytes)}? The policy ${describe(policy)}. The newest, pinned and pre-restore snapshots are always kept.`,
        { modal: true, detail },
        label,
      )) === label;
  if (!confirmed) return { plan };
  const result = await applyPruneWithProgress(root, plan);
  refresh();
  const skipped = result.skipped.length ? ` ${result.skipped.length} skipped: ${result.skipped.map((s) => `${s.name} (${s.why})`).join('; ')}.` : '';
  vscode.window.showInformationMessage(`Deleted ${result.deleted.length} snapshot(s), freeing about ${formatBytes(plan.freesBytes)}.${skipped}`);
  return { plan, result };
}

function applyPruneWithProgress(root: BackupRoot, plan: PrunePlan): Thenable<PruneResult> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Deleting snapshots', cancellable: true }, (progress, token) => {
    const signal = toAbortSignal(token);
    return applyPrune(root, plan, { signal, onProgress: (done, total, name) => progress.report({ message: `${name} (${done}/${total})`, increment: 100 / total }) });
  });
}

/** What the prune after a snapshot did: deleted snapshots, or why it deleted nothing. */
export type AutoPruneOutcome = { deleted: string[]; skipped?: undefined } | { deleted?: undefined; skipped: 'restricted' | 'nothing' | 'foreign-root' | 'declined'; why: string };

/**
 * After a snapshot, when rsyncSnapshots.retention.applyAfterSnapshot is on (never in Restricted Mode): apply the
 * configured policy. Only on a root that holds nothing but this folder's snapshots (by their notes), and the first time
 * for a root only after the user saw the plan. Undefined when automatic pruning is off.
 */
export async function autoPrune(folder: vscode.WorkspaceFolder, consent: RootConsent): Promise<AutoPruneOutcome | undefined> {
  if (!vscode.workspace.isTrusted) return { skipped: 'restricted', why: 'Restricted Mode: nothing is deleted automatically.' };
  const { applyAfterSnapshot, policy } = readRetention(folder);
  if (!applyAfterSnapshot) return undefined;
  if (!policy) throw new SnapshotError('BAD_INPUT', 'rsyncSnapshots.retention.applyAfterSnapshot is on but no retention policy is set: set keepLast, olderThan or strategy.');
  const root = folderRoot(folder);
  const ownership = await rootOwnership(root, folder.uri.fsPath);
  if (!isOwnRoot(ownership)) {
    const why = `Automatic prune skipped: ${root.spec} also holds ${describeForeign(ownership)}. Use Prune Snapshots… to review a plan and delete by hand.`;
    consent.warnOnce(`foreign\0${root.spec}`, why);
    return { skipped: 'foreign-root', why };
  }
  const allowed = consent.autoPruneAllowed(root);
  const plan = await planPrune(root, policy, { measureSizes: !allowed });
  if (!plan.delete.length) return { skipped: 'nothing', why: `The policy ${describe(policy)}, so all ${plan.keep.length} snapshots stay.` };
  if (!allowed && !(await consent.askAutoPrune(root, plan, describe(policy))))
    return { skipped: 'declined', why: `Automatic prune of ${root.spec} not allowed: nothing deleted. Use Prune Snapshots… to delete by hand.` };
  const result = await applyPrune(root, plan);
  return { deleted: result.deleted };
}

/**
 * After an automatic snapshot: thin automatic history by rsyncSnapshots.retention.thinAutomaticHistory (default
 * "1d:1h 7d:1d 90d:1w"), keeping what the user pinned or labelled, safety snapshots, and the editor's own labels for a
 * week (planThinning). Never in Restricted Mode, and only on a root that holds nothing but this folder's snapshots: a
 * root someone else filled is only ever pruned by hand, after the user saw the plan. Under the root's lock
 * (applyPrune). Undefined when thinning is off.
 */
export async function thinHistory(folder: vscode.WorkspaceFolder, consent: RootConsent): Promise<AutoPruneOutcome | undefined> {
  if (!vscode.workspace.isTrusted) return { skipped: 'restricted', why: 'Restricted Mode: nothing is deleted automatically.' };
  const { thinning } = readRetention(folder);
  if (!thinning) return undefined;
  const root = folderRoot(folder);
  const ownership = await rootOwnership(root, folder.uri.fsPath);
  if (!isOwnRoot(ownership)) {
    const why = `Automatic history is not thinned: ${root.spec} also holds ${describeForeign(ownership)}. Use Prune Snapshots… to review a plan and delete by hand.`;
    consent.warnOnce(`foreign\0${root.spec}`, why);
    return { skipped: 'foreign-root', why };
  }
  const plan = await planThinning(root, thinning);
  if (!plan.delete.length) return { skipped: 'nothing', why: `Thinning ${describe({ strategy: thinning })}: all ${plan.keep.length} snapshots stay.` };
  const result = await applyPrune(root, plan);
  return { deleted: result.deleted };
}
