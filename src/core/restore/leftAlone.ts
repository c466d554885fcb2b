import type { RestorePlan } from './types';

const SHOWN = 6;

/**
 * The one line that says what a folder restore leaves alone: the exclude patterns the snapshots were taken with (what
 * they do not hold), so neither an overwrite nor --delete touches those paths. Undefined when there are none. Pure:
 * the CLI's preview and the review page both use it.
 */
export function leftAloneText(plan: Pick<RestorePlan, 'excludes' | 'sourceType'>): string | undefined {
  const excludes = plan.excludes ?? [];
  if (plan.sourceType !== 'folder' || !excludes.length) return undefined;
  const more = excludes.length > SHOWN ? ` and ${excludes.length - SHOWN} more` : '';
  return `left alone: ${excludes.slice(0, SHOWN).join(', ')}${more} (not in the snapshots)`;
}
