import path from 'node:path';
import { findSnapshot } from '../backupRoot';
import { SnapshotError } from '../errors';
import { ITEMIZE_ENV } from '../itemizeParser';
import { silentLogger } from '../logger';
import { normalizeSourcePath } from '../restorePath';
import { RESTORE_TEMP_EXCLUDE } from '../restoreTemp';
import { checkTarget, finishPlan, formatCounts, PlanRestoreOptions, readDryRun, RestorePlan, restoreRsyncArgs } from '../restorePlan';
import { describeRsyncFailure, formatCommandLine, runRsync, RsyncRunResult } from '../rsync';
import { findExecutable } from '../tools';
import { REMOTE_EXIT, remoteLocation, remotePath, remoteSpec, rootProblem } from './remoteRoot';
import { RemoteRootLocation, rsyncRemoteArg } from './rootLocation';
import { SshTransport, sshCounters } from './sshTransport';

const posix = path.posix;

/**
 * rsync -s sends a pull's source path to the remote rsync, which still expands wildcards in it (verified: with -s,
 * `host:/x/a*b` also pulls `aXb`). A backslash before `*`, `?`, `[` or `\` makes it literal.
 */
export function escapeRemoteSource(remoteAbsPath: string): string {
  return remoteAbsPath.replace(/[*?[\\]/g, '\\$&');
}

/** `[user@]host:/escaped/path` for a pull. */
export function remoteSourceArg(location: RemoteRootLocation, remoteAbsPath: string): string {
  return rsyncRemoteArg(location, escapeRemoteSource(remoteAbsPath));
}

/** The restore's rsync arguments for a plan on a remote root: -s, -e <the shared ssh>, the escaped remote source. */
export function remoteRestoreArgs(plan: Pick<RestorePlan, 'root' | 'snapshot' | 'relativePath' | 'sourceType' | 'target' | 'delete'>, transport: SshTransport, extra: string[]): string[] {
  const location = remoteLocation(plan.root);
  const abs = plan.relativePath === '.' ? remotePath(location, plan.snapshot) : remotePath(location, plan.snapshot, plan.relativePath);
  return restoreRsyncArgs({ ...plan, sourcePath: remoteSourceArg(location, abs) }, ['-s', '-e', transport.rsyncShell(), ...extra]);
}

/**
 * "$1" = snapshot folder, "$2" = relative path ('.' for all). Exit 3 when missing, 7 when the path leads through a
 * symlink inside the snapshot (its parent's real path is not the snapshot's real path + parent); else prints d or f.
 */
const SOURCE_SCRIPT = `
cd "$1" 2>/dev/null || exit ${REMOTE_EXIT.missing}
base=$(pwd -P)
[ -e "$2" ] || [ -L "$2" ] || exit ${REMOTE_EXIT.missing}
if [ "$2" != . ]; then
  dir=$(dirname -- "$2")
  real=$(cd -- "$dir" 2>/dev/null && pwd -P) || exit ${REMOTE_EXIT.missing}
  if [ "$dir" = . ]; then want=$base; else want="$base/$dir"; fi
  [ "$real" = "$want" ] || exit ${REMOTE_EXIT.outside}
fi
if [ -d "$2" ] && [ ! -L "$2" ]; then printf d; else printf f; fi
`;

/**
 * One ssh call: lstat of each path ("$@", absolute), NUL-separated per path: `-` when missing, else
 * `raw-mode-hex size mtime-seconds` and the link target (empty for non-links).
 */
const STAT_ITEMS_SCRIPT = `
printf 'rsync-snapshots-items\\0'
for p; do
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then printf -- '-\\0\\0'; continue; fi
  s=$(stat -c '%f %s %Y' -- "$p" 2>/dev/null) || { printf -- '-\\0\\0'; continue; }
  printf '%s\\0' "$s"
  if [ -L "$p" ]; then t=$(readlink -- "$p"; echo x); printf '%s\\0' "\${t%?x}"; else printf '\\0'; fi
done
`;

/** What verification needs of an item in the snapshot (or the target). */
export interface ItemInfo {
  kind: 'folder' | 'symlink' | 'file' | 'special file';
  /** Permission bits (& 0o7777). */
  mode: number;
  size: number;
  mtimeSeconds: number;
  linkTarget?: string;
}

function kindOfMode(mode: number): ItemInfo['kind'] {
  const type = mode & 0o170000;
  return type === 0o040000 ? 'folder' : type === 0o120000 ? 'symlink' : type === 0o100000 ? 'file' : 'special file';
}

/** lstat of many paths on the host in one ssh call; undefined where missing. */
export async function statRemoteItems(location: RemoteRootLocation, transport: SshTransport, paths: string[], signal?: AbortSignal): Promise<(ItemInfo | undefined)[]> {
  if (!paths.length) return [];
  const result = await transport.execScript(STAT_ITEMS_SCRIPT, paths, { signal });
  if (result.exitCode !== 0) throw rootProblem(location, result.exitCode, result.stderr);
  const fields = result.stdout.toString('utf8').split('\0');
  if (fields[0] !== 'rsync-snapshots-items' || fields.length < 1 + 2 * paths.length)
    throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while checking restored items against ${location.spec}.`);
  return paths.map((_, i) => {
    const line = fields[1 + 2 * i];
    if (line === '-') return undefined;
    const [modeHex, size, mtime] = line.split(' ');
    const mode = parseInt(modeHex, 16);
    return { kind: kindOfMode(mode), mode: mode & 0o7777, size: Number(size), mtimeSeconds: Number(mtime), linkTarget: fields[2 + 2 * i] || undefined };
  });
}

function sshOrRsyncFailure(transport: SshTransport, run: RsyncRunResult, what: string): SnapshotError {
  if (run.exitCode === 255 || /ssh: |Host key verification failed|Permission denied \(/.test(run.stderr)) {
    const ssh = transport.failure(run.stderr);
    return new SnapshotError('SSH_FAILED', `${what}: ${ssh.message}`, ssh.details);
  }
  return new SnapshotError('RSYNC_FAILED', `${what}: ${describeRsyncFailure(run)}.`, run.stderr.split('\n').filter(Boolean));
}

/**
 * planRestore for a remote root: list (1 ssh call), check the source (1), `rsync -a -s -e <ssh> --dry-run
 * host:ROOT/SNAP/PATH target` (1 ssh through the shared connection), and the symlink targets (1, only if any).
 */
export async function planRemoteRestore(options: PlanRestoreOptions): Promise<RestorePlan> {
  const logger = options.logger ?? silentLogger;
  const location = remoteLocation(options.root);
  const transport = new SshTransport(location, { sshCommand: options.sshCommand, logger });
  const snapshot = await findSnapshot(location.spec, options.snapshot, { sshCommand: options.sshCommand, signal: options.signal });
  const relativePath = normalizeSourcePath(options.path);
  const snapshotDir = remotePath(location, snapshot.name);
  const check = await transport.execScript(SOURCE_SCRIPT, [snapshotDir, relativePath], { signal: options.signal });
  if (check.exitCode === REMOTE_EXIT.missing)
    throw new SnapshotError('NOT_FOUND', `${relativePath} is not in snapshot ${snapshot.name} of ${location.spec}: pick another snapshot or check the path (relative to the snapshotted folder).`);
  if (check.exitCode === REMOTE_EXIT.outside)
    throw new SnapshotError('BAD_INPUT', `${relativePath} leads through a symlink inside snapshot ${snapshot.name}: give the path of the link itself or of a real folder.`);
  if (check.exitCode !== 0) throw rootProblem(location, check.exitCode, check.stderr);
  const sourceType = check.stdout.toString() === 'd' ? 'folder' : 'file';
  const sourcePath = relativePath === '.' ? remoteSpec(location, snapshot.name) : remoteSpec(location, snapshot.name, relativePath);
  const target = path.resolve(options.target);
  const targetDir = sourceType === 'folder' ? target : path.dirname(target);
  await checkTarget(target, sourceType);
  const rsync = await findExecutable('rsync', options.rsyncPath);
  const del = Boolean(options.delete) && sourceType === 'folder';

  const base = { root: location.spec, snapshot: snapshot.name, relativePath, sourceType, target, delete: del } as const;
  const args = remoteRestoreArgs(base, transport, ['--dry-run', RESTORE_TEMP_EXCLUDE]);
  sshCounters.processesStarted++; // rsync's own ssh
  const run = await runRsync(rsync, args, { signal: options.signal, logger, env: ITEMIZE_ENV });
  if (run.cancelled) throw new SnapshotError('CANCELLED', 'Restore preview cancelled: nothing was changed.');
  if (run.exitCode !== 0 && run.exitCode !== 23 && run.exitCode !== 24) {
    const err = sshOrRsyncFailure(transport, run, 'Restore preview failed');
    throw new SnapshotError(err.code, `${err.message} Nothing was changed.`, err.details);
  }

  const { parsed, warnings } = readDryRun(run);
  const remoteItem = (sourceItem: string) => posix.join(snapshotDir, sourceItem.slice(remoteSpec(location, snapshot.name).length));
  const linkLines = parsed.items.filter((l) => l.type === 'symlink' && !l.deleting);
  const linkSources = linkLines.map((l) => (sourceType === 'file' ? sourcePath : joinItemPosix(sourcePath, l.name)));
  const linkInfo = await statRemoteItems(location, transport, linkSources.map(remoteItem), options.signal);
  const targets = new Map(linkSources.map((s, i) => [s, linkInfo[i]?.linkTarget]));
  const plan = await finishPlan(
    { root: location.spec, snapshot: snapshot.name, relativePath, sourcePath, sourceType, target, targetDir, delete: del, commandLine: formatCommandLine([rsync, ...args]) },
    parsed,
    warnings,
    async (s) => targets.get(s),
  );
  logger.info(`restore preview ${plan.id} from ${location.spec}: ${formatCounts(plan.counts)}`);
  return plan;
}

/** joinItem for `host:/path` specs (posix, whatever the local OS). */
function joinItemPosix(dir: string, item: string): string {
  return item === '.' ? dir : `${dir}/${item}`;
}

/** Absolute paths on the host of the given plan items inside the snapshot. */
export function remoteItemPaths(plan: RestorePlan, itemPaths: string[]): string[] {
  const location = remoteLocation(plan.root);
  const source = plan.relativePath === '.' ? remotePath(location, plan.snapshot) : remotePath(location, plan.snapshot, plan.relativePath);
  return itemPaths.map((p) => (plan.sourceType === 'file' || p === '.' ? source : posix.join(source, p)));
}
