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
  // A remote root's files are on the host: the local diagnosis (stat, hard-link probe) cannot look at them. The
  // reason of a full copy without --link-dest is already among the warnings; otherwise say what is known, honestly.
  if (!root.localPath) {
    if (!result.linkDest) return undefined;
    return {
      problem: true,
      cause: 'unknown',
      message: `${result.filesTransferred} of ${regular} files were copied, not hard-linked against ${result.linkDest}: fine if they all changed. If they did not, the cause is diagnosed on local roots only; on the host, check that the root is one filesystem with hard links and that owners, modes and times of unchanged files stay the same.`,
      compared: 0,
      linked: 0,
      copiedUnchanged: 0,
    };
  }
  const diagnosis = await diagnoseLinking(root, result);
  return diagnosis.problem ? diagnosis : undefined;
}
