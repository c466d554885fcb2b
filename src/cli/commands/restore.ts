import path from 'node:path';
import { SnapshotError } from '../../core/util/errors';
import { applyRestore, RestoreResult, type SafetySnapshotOptions, selectItems } from '../../core/restore/apply';
import { leftAloneText } from '../../core/restore/leftAlone';
import { formatCounts, planRestore } from '../../core/restore/plan';
import { RESTORE_ITEM_KINDS, RestoreItem, RestorePlan } from '../../core/restore/types';
import { workspacePrefix } from '../../core/restore/workspaceLinks';
import type { BackupRoot } from '../../core/root/backupRoot';
import { CliCommand, listOption, OptionValues, stringOption } from '../command';
import { displayName } from '../displayName';
import { rawArgument } from '../rawArgument';

/** A path as people should read it: plain when harmless, quoted when it holds control characters, edge spaces or bytes that are not UTF-8. */
const showPath = displayName;

function describeChanges(item: RestoreItem): string {
  const parts = Object.entries(item.changes)
    .filter(([, v]) => v)
    .map(([k]) => (k === 'checksum' ? (item.kind === 'symlink' ? 'link target' : 'content') : k));
  const extra = [parts.length ? parts.join(', ') : '', item.linkTarget !== undefined ? `-> ${showPath(item.linkTarget)}` : ''].filter(Boolean).join('; ');
  return extra ? `  (${extra})` : '';
}

function planText(plan: RestorePlan): string[] {
  const lines = [
    `Restore preview: ${plan.snapshot}:${showPath(plan.relativePath)} → ${showPath(plan.target)}${plan.delete ? ' (with --delete)' : ''}`,
    `  ${plan.commandLine}`,
    `  ${plan.items.length ? formatCounts(plan.counts) : 'nothing to do: the target already matches the snapshot'}`,
  ];
  const leftAlone = leftAloneText(plan);
  if (leftAlone) lines.push(`  ${leftAlone}`);
  for (const kind of RESTORE_ITEM_KINDS) {
    const items = plan.items.filter((i) => i.kind === kind);
    if (!items.length) continue;
    lines.push(`${kind} (${items.length}):`);
    for (const item of items) lines.push(`  ${showPath(item.path)}${item.isDir && item.path !== '.' ? '/' : ''}${describeChanges(item)}`);
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines;
}

function resultText(result: RestoreResult): string[] {
  const lines = [`Restored ${result.restored.length}, deleted ${result.deleted.length}, left out ${result.skipped.length}, failed ${result.failed.length}.`];
  if (result.safetySnapshot) lines.push(`Safety snapshot (pre-restore): ${result.safetySnapshot} in ${result.safetySnapshotRoot}`);
  for (const p of result.restored) lines.push(`  restored ${showPath(p)}`);
  for (const p of result.deleted) lines.push(`  deleted  ${showPath(p)}`);
  for (const f of result.failed) lines.push(`  FAILED   ${showPath(f.path)}: ${f.error}`);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  if (result.rollback) lines.push(result.rollback);
  return lines;
}

/**
 * Which folder the pre-restore snapshot covers: --workspace, else the folder the snapshot was taken of (its sidecar),
 * else the target itself when the whole snapshot is restored. Undefined when the target is outside that folder.
 */
async function safetySource(root: BackupRoot, plan: RestorePlan, values: OptionValues): Promise<string | undefined> {
  const given = workspaceOption(values);
  const workspace = given ? path.resolve(given) : ((await root.notes.read(plan.snapshot))?.source ?? (plan.relativePath === '.' ? plan.target : undefined));
  if (!workspace) return undefined;
  // Compared as the target is spelled: a symlink inside the workspace never makes the target look outside it.
  if (await workspacePrefix(plan.target, workspace)) return workspace;
  if (given) throw new SnapshotError('BAD_INPUT', `The target ${plan.target} is not inside --workspace ${workspace}: give the folder that contains the target.`);
  return undefined;
}

/** --workspace, absolute, its bytes as given (see rawArgument). */
function workspaceOption(values: OptionValues): string | undefined {
  const given = stringOption(values, 'workspace');
  return given === undefined ? undefined : path.resolve(rawArgument(given));
}

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'restore a file, a folder or a whole snapshot (preview with --dry-run; a pre-restore snapshot is taken first)',
  usage: 'restore <root> <snapshot|latest> <path|.> <target> [--dry-run] [--delete] [--skip PATH]... [--exclude PATTERN]... [--workspace DIR] [--no-safety-snapshot] [--json]',
  optionHelp: [
    '--dry-run             only show what would change (rsync --dry-run --itemize-changes); nothing is written',
    '--delete              also delete what is in the target but not in the snapshot (folders only)',
    '--skip PATH           leave this item of the plan out (path as the preview lists it; repeatable)',
    '--exclude PATTERN     leave paths matching this rsync pattern alone, never overwritten or deleted (repeatable;',
    '                      added to the excludes the snapshot recorded, for snapshots taken by other tools)',
    '--workspace DIR       folder whose pre-restore snapshot is taken into <root> (default: the folder the snapshot was taken of)',
    '--no-safety-snapshot  do not take the pre-restore snapshot (not needed for a copy into a new place)',
    '',
    '<target> is the folder to restore a folder into, or the new path of a single file (another name = restore as copy).',
    'Before applying, the target is snapshotted into <root> (label pre-restore) when it lies inside the workspace;',
    'a restore that only creates files outside the workspace (a copy) needs none; otherwise pass --workspace or --no-safety-snapshot.',
  ],
  options: {
    'dry-run': { type: 'boolean' },
    delete: { type: 'boolean' },
    skip: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    workspace: { type: 'string' },
    'no-safety-snapshot': { type: 'boolean' },
  },
  positionals: { min: 4, max: 4 },
  async run({ positionals: [rootSpec, snapshot, relativePath, target], values, signal, status, openRoot }) {
    const root = openRoot(rootSpec);
    const excludes = listOption(values, 'exclude');
    // A name that is not UTF-8 is restored by its exact bytes, as the shell passed them.
    const plan = await planRestore(root, {
      snapshot,
      path: rawArgument(relativePath),
      target: rawArgument(target),
      delete: values.delete === true,
      excludes,
      workspace: workspaceOption(values),
      signal,
    });
    if (values['dry-run']) return { json: plan, text: [...planText(plan), 'Nothing was changed (dry run).'].join('\n') };

    const exclude = listOption(values, 'skip');
    let safety: SafetySnapshotOptions | undefined;
    if (values['no-safety-snapshot'] !== true) {
      const source = await safetySource(root, plan, values);
      if (source) safety = { root, source, excludes };
      else {
        const { kept } = selectItems(plan, exclude);
        // Replacing a link on the way changes the workspace too: that wants the safety snapshot (it holds the link).
        const onlyCreates = !plan.replacesLink && kept.every((i) => !i.changes.type && (i.kind === 'create' || i.kind === 'mkdir' || (i.kind === 'symlink' && i.code.includes('+'))));
        if (!onlyCreates)
          throw new SnapshotError(
            'BAD_INPUT',
            `Cannot tell which folder ${plan.root} backs up, so no pre-restore snapshot can be taken, and this restore overwrites or deletes files in ${plan.target}. Pass --workspace DIR (the folder that holds the target) or --no-safety-snapshot. Nothing was changed.`,
          );
      }
    }
    if (safety) status(`taking the pre-restore snapshot of ${safety.source}…`);
    const result = await applyRestore(root, plan, { exclude, signal, safetySnapshot: safety });
    return { json: { plan, result }, text: resultText(result).join('\n'), exitCode: result.failed.length ? 1 : 0 };
  },
};
