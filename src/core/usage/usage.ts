import type { BackupRoot } from '../root/backupRoot';
import type { UsageOptions, UsageReport, UsageResult } from './model';

/** The space report, with a way to ask what deleting a set of snapshots would free (used by prune). Remote: one ssh call. */
export function measureUsage(root: BackupRoot, options: UsageOptions = {}): Promise<UsageResult> {
  return root.usage.measure(options);
}

/** Space report of a backup root: total (du-compatible), and per snapshot apparent, unique and shared bytes. */
export async function usage(root: BackupRoot, options: UsageOptions = {}): Promise<UsageReport> {
  return (await measureUsage(root, options)).report;
}
