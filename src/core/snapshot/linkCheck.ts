import type { BackupRoot } from '../root/backupRoot';
import { diagnoseLinking, LinkDiagnosis } from './linkDiagnostics';
import type { SnapshotResult } from './types';

/**
 * After a snapshot: when it looks like a full copy although an earlier snapshot existed (no --link-dest, or
 * nearly every file transferred), find out why with diagnoseLinking. Returns undefined in the normal case,
 * where it costs nothing (rsync's own counts decide).
 */
export async function checkLinking(root: BackupRoot, result: SnapshotResult): Promise<LinkDiagnosis | undefined> {
  const regular = result.filesTransferred + result.filesUnchanged;
  const suspicious = result.fullCopyReason !== undefined || (result.linkDest !== null && regular >= 10 && result.filesTransferred >= 0.9 * regular);
  if (!suspicious) return undefined;
  const diagnosis = await diagnoseLinking(root, result);
  return diagnosis.problem ? diagnosis : undefined;
}
