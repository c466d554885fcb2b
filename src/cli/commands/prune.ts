import { applyPrune, planPrune } from '../../core/prune/prune';
import { PrunePolicy } from '../../core/prune/policy';
import type { PrunePlan } from '../../core/prune/types';
import { isSnapshotError, SnapshotError } from '../../core/util/errors';
import { CliCommand, stringOption } from '../command';
import { formatBytes } from '../../core/util/format';
import { displayText } from '../terminalText';

export const pruneCommand: CliCommand = {
  name: 'prune',
  summary: 'delete old snapshots by a retention policy (preview with --dry-run)',
  usage: 'prune <root> [--older-than D] [--keep-last N] [--strategy S] [--include-pinned] [--dry-run] [--json]',
  optionHelp: [
    '--older-than D        snapshots whose folder mtime is older than D (30d, 12h, 2w), like find -mtime +30',
    '--keep-last N         never delete the N newest (alone: delete all but the N newest)',
    '--strategy S          thin out: "1d:1h 7d:1d 90d:1w" (once older than 1 day keep one per hour, …; units m h d w),',
    '                      or rsync-time-backup\'s days, e.g. "1:1 30:7 365:30"',
    '--include-pinned      also delete pinned snapshots and safety snapshots taken before a restore',
    '--dry-run             show what would be deleted and what it frees; delete nothing',
    'Options combine: a snapshot is deleted only when every given option selects it.',
    'The newest snapshot and the one latest points at are never deleted; pinned and pre-restore ones only with --include-pinned.',
  ],
  accepts: {
    'keep-last': 'a whole number of snapshots, 0 or more (e.g. --keep-last 10)',
    'older-than': 'an age: a whole number of 0 or more with a unit d, h, w or m (e.g. --older-than 30d)',
    strategy: 'tokens X:Y of whole numbers with a unit m, h, d or w (bare numbers are days): once older than X keep one snapshot per Y (e.g. --strategy "1d:1h 7d:1d 90d:1w" or "1:1 30:7 365:30")',
  },
  options: {
    'older-than': { type: 'string' },
    'keep-last': { type: 'string' },
    strategy: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'include-pinned': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run({ positionals: [rootSpec], values, signal, status, openRoot }) {
    const root = openRoot(rootSpec);
    const keepLastText = stringOption(values, 'keep-last');
    if (keepLastText !== undefined && !/^\d+$/.test(keepLastText))
      throw new SnapshotError('BAD_INPUT', `--keep-last needs a whole number of snapshots, 0 or more (e.g. --keep-last 10), not "${keepLastText}".`);
    const policy: PrunePolicy = {
      olderThan: stringOption(values, 'older-than'),
      keepLast: keepLastText === undefined ? undefined : Number(keepLastText),
      strategy: stringOption(values, 'strategy'),
    };
    for (const key of Object.keys(policy) as (keyof PrunePolicy)[]) if (policy[key] === undefined) delete policy[key];
    const plan = await planPrune(root, policy, { signal, includePinned: values['include-pinned'] === true });
    const planLines = describePlan(plan);
    if (values['dry-run'] === true) {
      return { json: { dryRun: true, plan }, text: [...planLines, 'Dry run: nothing was deleted.'].join('\n') };
    }
    if (!plan.delete.length) {
      // Nothing planned, but an interrupted prune's .deleting-* folders are finished (under the lock; busy: next time).
      const result = await applyPrune(root, plan, { signal }).catch((err) => (isSnapshotError(err, 'LOCKED') ? undefined : Promise.reject(err)));
      return { json: { dryRun: false, plan, ...(result ? { result } : {}) }, text: [...planLines, ...finishedLines(result?.finished ?? [])].join('\n') };
    }
    const result = await applyPrune(root, plan, { signal, onProgress: (done, total, name) => status(`deleted ${name} (${done}/${total})`) });
    const lines = [
      ...finishedLines(result.finished),
      ...result.deleted.map((n) => `deleted ${n}`),
      ...result.skipped.map((s) => `kept ${s.name}: ${displayText(s.why)}`),
      `Deleted ${result.deleted.length} snapshot(s)${plan.measured ? `, freed about ${formatBytes(plan.freesBytes)}` : ''}.`,
    ];
    return { json: { dryRun: false, plan, result }, text: lines.join('\n'), exitCode: result.skipped.length ? 1 : 0 };
  },
};

function describePlan(plan: PrunePlan): string[] {
  const forever = plan.keep.filter((k) => k.forever).map((k) => `  kept ${k.name}: ${k.reason}`);
  const why = forever.length ? [`Kept ${forever.length} pinned or safety snapshot(s) the policy selects (--include-pinned deletes them):`, ...forever] : [];
  if (!plan.delete.length) return [`Nothing to delete in ${plan.root} (${plan.keep.length} snapshot(s) kept).`, ...why];
  return [
    ...why,
    `Would delete ${plan.delete.length} of ${plan.delete.length + plan.keep.length} snapshot(s) in ${plan.root}, freeing ${plan.measured ? formatBytes(plan.freesBytes) : 'an unmeasured amount'}:`,
    ...plan.delete.map((d) => `  ${d.name}  ${plan.measured ? formatBytes(d.uniqueBytes).padStart(10) + ' unique' : ''}  ${d.reason}`),
  ];
}

function finishedLines(finished: string[]): string[] {
  return finished.map((n) => `finished an interrupted deletion: removed ${n}`);
}
