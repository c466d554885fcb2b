import { run } from './exec';
import fs from 'node:fs/promises';
import path from 'node:path';
import { listSnapshots, RootListing } from './backupRoot';
import { errnoCode, isSnapshotError } from './errors';
import { probeHardLinks } from './linkDiagnostics';
import { acquireLock, LOCK_FILE } from './lock';
import { DELETING_PREFIX } from './prune';
import { formatCommandLine } from './rsync';
import { readSnapshotMeta } from './snapshotMeta';
import { findExecutable } from './tools';
import { remoteDoctor } from './remote/remoteDoctor';
import { isRemoteRootSpec } from './remote/rootLocation';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about it (also given for harmless findings worth knowing). */
  fix?: string;
}

export interface DoctorReport {
  root: string;
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  rsyncPath?: string;
  /** For a remote root `[user@]host:/path`: the ssh command (default $RSYNC_RSH, then ssh). */
  sshCommand?: string;
}

/**
 * Checks a backup root: rsync, root writable, filesystem type and hard links, latest, leftovers of
 * interrupted runs, the lock, free space against the last snapshot's transfer. Changes nothing (the lock is
 * taken and released at once; probe files are removed).
 */
export async function doctor(root: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  if (isRemoteRootSpec(root)) return remoteDoctor(root, options);
  const absRoot = path.resolve(root);
  const checks: DoctorCheck[] = [];
  checks.push(await checkRsync(options.rsyncPath));

  const rootCheck = await checkRootWritable(absRoot);
  checks.push(rootCheck);
  if (!rootCheck.ok && rootCheck.name === 'root exists') return { root: absRoot, ok: false, checks };

  checks.push(await checkFilesystem(absRoot, rootCheck.ok));
  let listing: RootListing | undefined;
  try {
    listing = await listSnapshots(absRoot);
  } catch (err) {
    checks.push({ name: 'snapshots', ok: false, detail: (err as Error).message });
  }
  if (listing) {
    checks.push(checkLatest(listing));
    checks.push(await checkLeftovers(absRoot, listing));
  }
  checks.push(await checkLock(absRoot, rootCheck.ok));
  if (listing) checks.push(await checkFreeSpace(absRoot, listing));
  return { root: absRoot, ok: checks.every((c) => c.ok), checks };
}

export async function checkRsync(rsyncPath?: string): Promise<DoctorCheck> {
  try {
    const rsync = await findExecutable('rsync', rsyncPath);
    const { stdout } = await run(rsync, ['--version'], { reject: false, timeout: 10_000 });
    const m = /rsync\s+version\s+v?(\d+)\.(\d+)\.(\d+)/.exec(stdout);
    if (!m) return { name: 'rsync', ok: false, detail: `${rsync} did not report a version`, fix: 'Install rsync 3.1 or newer ("sudo apt-get install rsync").' };
    const [major, minor] = [Number(m[1]), Number(m[2])];
    const recent = major > 3 || (major === 3 && minor >= 1);
    return recent
      ? { name: 'rsync', ok: true, detail: `${rsync}, version ${m[1]}.${m[2]}.${m[3]}` }
      : { name: 'rsync', ok: false, detail: `${rsync} is version ${m[1]}.${m[2]}.${m[3]}; progress reporting needs 3.1 or newer`, fix: 'Install a newer rsync (macOS: "brew install rsync") or set rsyncSnapshots.rsyncPath.' };
  } catch (err) {
    return { name: 'rsync', ok: false, detail: (err as Error).message, fix: 'Install rsync: "sudo apt-get install rsync" (macOS: "brew install rsync").' };
  }
}

async function checkRootWritable(root: string): Promise<DoctorCheck> {
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat) return { name: 'root exists', ok: false, detail: `${root} does not exist`, fix: `Create it (mkdir -p '${root}') or take a first snapshot with --create.` };
  if (!stat.isDirectory()) return { name: 'root exists', ok: false, detail: `${root} is not a folder`, fix: 'Choose a folder as backup root.' };
  const probe = path.join(root, `.rsync-snapshots.probe-${process.pid}-${Date.now()}`);
  try {
    await fs.writeFile(probe, '');
    return { name: 'root writable', ok: true, detail: `${root} is writable` };
  } catch (err) {
    const why = errnoCode(err) === 'EROFS' ? 'the filesystem is read-only' : `${errnoCode(err) ?? (err as Error).message}`;
    return { name: 'root writable', ok: false, detail: `cannot write in ${root}: ${why}`, fix: 'Fix its permissions (chown/chmod) or remount it read-write.' };
  } finally {
    await fs.rm(probe, { force: true });
  }
}

async function filesystemType(root: string): Promise<string | undefined> {
  const stat = await run('stat', ['-f', '-c', '%T', root], { reject: false, timeout: 10_000 }).catch(() => undefined);
  if (stat && stat.exitCode === 0 && stat.stdout.trim()) return stat.stdout.trim();
  const df = await run('df', ['--output=fstype', root], { reject: false, timeout: 10_000 }).catch(() => undefined);
  const lines = df && df.exitCode === 0 ? df.stdout.trim().split('\n') : [];
  return lines.length > 1 ? lines[lines.length - 1].trim() : undefined;
}

async function checkFilesystem(root: string, writable: boolean): Promise<DoctorCheck> {
  const type = (await filesystemType(root)) ?? 'unknown type';
  if (!writable) return { name: 'filesystem and hard links', ok: false, detail: `${type}; hard links not tested (root not writable)` };
  const probe = await probeHardLinks(root);
  return probe.ok
    ? { name: 'filesystem and hard links', ok: true, detail: `${type}; hard links work` }
    : { name: 'filesystem and hard links', ok: false, detail: `${type}; hard links fail (${probe.error}), so every snapshot would be a full copy`, fix: 'Put the backup root on a filesystem with hard links (ext4, xfs, btrfs, APFS), not FAT/exFAT or a share without them.' };
}

/**
 * latest: valid, or what to run to repair it. `command` turns an argv on the root's host into a line to paste
 * (locally: the argv quoted; for a remote root: wrapped in ssh), and `latestPath` is latest's path there.
 */
export function checkLatest(listing: RootListing, latestPath = path.join(listing.root, 'latest'), command: (argv: string[]) => string = formatCommandLine): DoctorCheck {
  const newest = listing.snapshots[listing.snapshots.length - 1];
  const relink = newest ? command(['ln', '-sfn', newest.name, latestPath]) : undefined;
  switch (listing.latestState) {
    case 'ok':
      return { name: 'latest', ok: true, detail: `latest → ${listing.latest!.name}${newest && newest.name !== listing.latest!.name ? ` (the newest is ${newest.name})` : ''}` };
    case 'missing':
      return relink
        ? { name: 'latest', ok: false, detail: 'latest is missing: the next snapshot will be a full copy', fix: relink }
        : { name: 'latest', ok: true, detail: 'no snapshot yet (latest appears with the first one)' };
    case 'dangling':
      return { name: 'latest', ok: false, detail: `latest points at ${listing.latestTarget}, which does not exist: the next snapshot will be a full copy`, fix: relink ?? command(['rm', latestPath]) };
    default:
      return { name: 'latest', ok: false, detail: `latest (${listing.latestTarget ?? 'not a symlink'}) is not a snapshot of this root: the next snapshot will be a full copy`, fix: relink ? `Move it away, then: ${relink}` : 'Move it away.' };
  }
}

async function checkLeftovers(root: string, listing: RootListing): Promise<DoctorCheck> {
  const deleting = (await fs.readdir(root)).filter((n) => n.startsWith(DELETING_PREFIX));
  const all = [...listing.inProgress, ...deleting];
  if (!all.length) return { name: 'leftovers', ok: true, detail: 'no unfinished snapshot or interrupted deletion' };
  return {
    name: 'leftovers',
    ok: true,
    detail: `${all.join(', ')}: ${listing.inProgress.length ? 'a running or interrupted snapshot' : ''}${listing.inProgress.length && deleting.length ? '; ' : ''}${deleting.length ? 'an interrupted prune' : ''}`,
    fix: 'Harmless: the next snapshot reuses and removes .inprogress-* folders; the next prune or snapshot removes .deleting-* ones (rsync-snapshots du counts them until then). If no snapshot is running you may also remove them (rm -rf).',
  };
}

async function checkLock(root: string, writable: boolean): Promise<DoctorCheck> {
  const lockPath = path.join(root, LOCK_FILE);
  if (!writable) return { name: 'lock', ok: true, detail: `not tested (root not writable); lock file ${lockPath}` };
  try {
    const lock = await acquireLock(root, {}, 'doctor');
    await lock.release();
    return { name: 'lock', ok: true, detail: `free (${lockPath})` };
  } catch (err) {
    if (isSnapshotError(err, 'LOCKED')) return { name: 'lock', ok: true, detail: `held: ${err.message}` };
    if (isSnapshotError(err, 'ROOT_INVALID')) {
      // The lock file belongs to another user (the message says who, and how to hand it over).
      const [what, fix] = err.message.split(/(?<=cannot open it\.) /);
      return { name: 'lock', ok: false, detail: `cannot take the lock: ${what}`, fix: fix ?? 'Make the lock file writable for this user.' };
    }
    if (isSnapshotError(err, 'TOOL_NOT_FOUND')) return { name: 'lock', ok: false, detail: `cannot take the lock: ${err.message}`, fix: 'Install flock (util-linux).' };
    return { name: 'lock', ok: false, detail: `cannot take the lock: ${(err as Error).message}`, fix: 'Install flock (util-linux) and make the root writable.' };
  }
}

async function checkFreeSpace(root: string, listing: RootListing): Promise<DoctorCheck> {
  const stats = await fs.statfs(root).catch(() => undefined);
  if (!stats) return { name: 'free space', ok: true, detail: 'unknown (statfs failed)' };
  const free = stats.bavail * stats.bsize;
  const last = listing.latest ?? listing.snapshots[listing.snapshots.length - 1];
  const meta = last ? await readSnapshotMeta(listing.root, last.name) : undefined;
  const need = meta?.bytesTransferred;
  if (need === undefined) return { name: 'free space', ok: true, detail: `${formatSize(free)} free${last ? ` (no notes for ${last.name}, so the next snapshot's size is unknown)` : ''}` };
  return free >= need
    ? { name: 'free space', ok: true, detail: `${formatSize(free)} free; the last snapshot (${last!.name}) transferred ${formatSize(need)}` }
    : { name: 'free space', ok: false, detail: `${formatSize(free)} free, but the last snapshot (${last!.name}) transferred ${formatSize(need)}: the next one may not fit`, fix: 'Prune old snapshots (rsync-snapshots prune ROOT --older-than 90d --dry-run first) or free space.' };
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u ? `${v.toFixed(1)} ${units[u]}` : `${bytes} B`;
}
