import type { BackupRoot } from '../root/backupRoot';
import { checkSnapshotCost, snapshotCost } from './snapshotCost';
import { checkCliInstall } from '../cron/installCli';
import { VERSION } from '../version';
import { LATEST_LINK, LOCK_FILE } from '../root/format';
import type { RootListing } from '../root/listing';
import { isSnapshotError } from '../util/errors';
import { run } from '../util/exec';
import { formatCommandLine } from '../util/rsync';
import type { DoctorCheck, DoctorInspection, DoctorReport } from './types';
import { checkLinkCeiling } from './linkCeiling';

/**
 * Checks a backup root: rsync, the installed CLI (cron lines run it), then what the root's machine says (for a remote root: the ssh connection and the
 * tools there), root writable, filesystem and hard links, latest, leftovers of interrupted runs, the lock, free space
 * against the last snapshot's transfer. Changes nothing (the lock is taken and released at once; probes are removed).
 */
export async function doctor(root: BackupRoot): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [await checkRsync(() => root.rsync.program()), whatIsKept(), { name: 'installed CLI', ...(await checkCliInstall(VERSION)) }];
  const done = () => ({ root: root.spec, ok: checks.every((c) => c.ok), checks });
  const inspection = await root.doctor.inspect();
  checks.push(...inspection.checks);
  if (!inspection.usable) return done();

  let listing: RootListing | undefined;
  try {
    listing = await root.list();
  } catch (err) {
    checks.push({ name: 'snapshots', ok: false, detail: (err as Error).message });
  }
  if (listing) {
    checks.push(checkLatest(listing, inspection.latestPath, (argv) => root.doctor.commandLine(argv)));
    const all = [...listing.inProgress, ...inspection.deleting];
    checks.push(
      all.length
        ? {
            name: 'leftovers',
            ok: true,
            detail: `${all.join(', ')}: ${listing.inProgress.length ? 'a running or interrupted snapshot' : ''}${listing.inProgress.length && inspection.deleting.length ? '; ' : ''}${inspection.deleting.length ? 'an interrupted prune' : ''}`,
            fix: 'Harmless: the next snapshot reuses and removes .inprogress-* folders; the next prune or snapshot removes .deleting-* ones (rsync-snapshots du counts them until then). If no snapshot is running you may also remove them (rm -rf).',
          }
        : { name: 'leftovers', ok: true, detail: 'no unfinished snapshot or interrupted deletion' },
    );
  }
  checks.push(await checkLock(root, inspection.writable, inspection.where));
  if (listing) checks.push(await checkFreeSpace(root, listing, inspection));
  if (listing) checks.push(await checkLinkCeiling(root.localPath, listing));
  if (listing) checks.push(await checkSnapshotCost(root, listing));
  return done();
}

/** What a snapshot keeps and what it does not (rsync -a -H -S, no -A/-X): never a failure, but worth knowing. */
function whatIsKept(): DoctorCheck {
  return {
    name: 'what is kept',
    ok: true,
    detail:
      'content, permissions, mtimes (to the nanosecond), symlinks, hard links within the folder (-H), sparse files (-S). ' +
      'Not kept: ACLs and extended attributes (no -A/-X), owner and group unless run as root, hard links to files outside the folder (copied as separate files).',
    fix: 'Need ACLs or extended attributes? Take snapshots with your own rsync -aHSAX --link-dest (the root format stays the same).',
  };
}

async function checkRsync(program: () => Promise<string>): Promise<DoctorCheck> {
  try {
    const rsync = await program();
    const { stdout } = await run(rsync, ['--version'], { reject: false, timeout: 10_000 });
    const m = /rsync\s+version\s+v?(\d+)\.(\d+)\.(\d+)/.exec(stdout);
    if (!m) return { name: 'rsync', ok: false, detail: `${rsync} did not report a version`, fix: 'Install rsync 3.1 or newer ("sudo apt-get install rsync").' };
    const [major, minor] = [Number(m[1]), Number(m[2])];
    const recent = major > 3 || (major === 3 && minor >= 1);
    return recent
      ? { name: 'rsync', ok: true, detail: `${rsync}, version ${m[1]}.${m[2]}.${m[3]}` }
      : {
          name: 'rsync',
          ok: false,
          detail: `${rsync} is version ${m[1]}.${m[2]}.${m[3]}; progress reporting needs 3.1 or newer`,
          fix: 'Install a newer rsync (macOS: "brew install rsync") or set rsyncSnapshots.rsyncPath.',
        };
  } catch (err) {
    return { name: 'rsync', ok: false, detail: (err as Error).message, fix: 'Install rsync: "sudo apt-get install rsync" (macOS: "brew install rsync").' };
  }
}

/**
 * latest: valid, or what to run to repair it. `command` turns an argv on the root's host into a line to paste
 * (locally: the argv quoted; for a remote root: wrapped in ssh), and `latestPath` is latest's path there.
 */
export function checkLatest(listing: RootListing, latestPath = `${listing.root}/${LATEST_LINK}`, command: (argv: string[]) => string = formatCommandLine): DoctorCheck {
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
      return {
        name: 'latest',
        ok: false,
        detail: `latest (${listing.latestTarget ?? 'not a symlink'}) is not a snapshot of this root: the next snapshot will be a full copy`,
        fix: relink ? `Move it away, then: ${relink}` : 'Move it away.',
      };
  }
}

async function checkLock(root: BackupRoot, writable: boolean, where: string): Promise<DoctorCheck> {
  const lockPath = root.hostPath(LOCK_FILE);
  if (!writable) return { name: 'lock', ok: true, detail: `not tested (root not writable); lock file ${lockPath}${where}` };
  try {
    const lock = await root.lock({ operation: 'doctor' });
    await lock.release();
    return { name: 'lock', ok: true, detail: `free (${lockPath}${where})` };
  } catch (err) {
    if (isSnapshotError(err, 'LOCKED')) return { name: 'lock', ok: true, detail: `held: ${err.message}` };
    if (isSnapshotError(err, 'ROOT_INVALID') && /cannot open it\./.test(err.message)) {
      // The lock file belongs to another user (the message says who, and how to hand it over).
      const [what, fix] = err.message.split(/(?<=cannot open it\.) /);
      return { name: 'lock', ok: false, detail: `cannot take the lock: ${what}`, fix: fix ?? 'Make the lock file writable for this user.' };
    }
    if (isSnapshotError(err, 'ROOT_INVALID') && /, not a lock file: /.test(err.message)) {
      // A symlink, a FIFO, a folder … where the lock file belongs: never opened through; the message says how to clear it.
      const [what, fix] = err.message.split(/(?<=, not a lock file): /);
      return { name: 'lock', ok: false, detail: `cannot take the lock: ${what}`, fix: fix.charAt(0).toUpperCase() + fix.slice(1) };
    }
    if (isSnapshotError(err, 'TOOL_NOT_FOUND')) return { name: 'lock', ok: false, detail: `cannot take the lock: ${err.message}`, fix: `Install flock (util-linux)${where}.` };
    return { name: 'lock', ok: false, detail: `cannot take the lock: ${(err as Error).message}`, fix: `Install flock (util-linux)${where} and make the root writable.` };
  }
}

/** The block a folder or a copied file costs at least, for the estimate (ext4's usual size). */
const ESTIMATE_BLOCK = 4096;

/** How many recent snapshots' notes estimate the next one: the largest of them, so one quiet day does not hide a busy one. */
const ESTIMATE_FROM = 5;

/**
 * Free space and inodes where the root is, against the next snapshot's estimate: the most bytes and files the last
 * few snapshots transferred (their notes). Each transferred file is a new inode; folders are new inodes too, so the
 * inode estimate is a lower bound.
 */
async function checkFreeSpace(root: BackupRoot, listing: RootListing, inspection: DoctorInspection): Promise<DoctorCheck> {
  const { freeBytes: free, freeInodes, freeUnknown: unknown, where } = inspection;
  if (free === undefined) return { name: 'free space', ok: true, detail: `unknown (${unknown})` };
  const inodes = freeInodes === undefined ? '' : `; ${freeInodes.toLocaleString('en-US')} inodes free`;
  const last = listing.latest ?? listing.snapshots[listing.snapshots.length - 1];
  const recent = [...new Set([...listing.snapshots.slice(-ESTIMATE_FROM).map((s) => s.name), ...(last ? [last.name] : [])])];
  const notes = (await Promise.all(recent.map((name) => root.notes.read(name).catch(() => undefined)))).filter((n) => n?.bytesTransferred !== undefined);
  if (!last || notes.length === 0)
    return { name: 'free space', ok: true, detail: `${formatSize(free)} free${last ? ` (no notes for ${last.name}, so the next snapshot's size is unknown)` : ''}${inodes}` };
  const lastNeed = (await root.notes.read(last.name).catch(() => undefined))?.bytesTransferred;
  // Folders are never hard-linked: each costs an inode and a block in every snapshot, beside what rsync copies.
  const costs = notes.map((n) => snapshotCost(n!, ESTIMATE_BLOCK) ?? { bytes: n!.bytesTransferred!, inodes: n!.filesTransferred ?? 0, folders: 0 });
  const need = Math.max(...costs.map((c) => c.bytes));
  const needFiles = Math.max(...notes.map((n) => n!.filesTransferred ?? 0));
  const needInodes = Math.max(needFiles, ...costs.map((c) => c.inodes));
  const folders = Math.max(...costs.map((c) => c.folders));
  const what = `${formatSize(need)} in ${needFiles.toLocaleString('en-US')} files${folders ? ` and ${folders.toLocaleString('en-US')} folders` : ''}`;
  const most = notes.length > 1 ? `; the most of the last ${notes.length}: ${what}` : ` (${what} with its folders)`;
  const said = `${formatSize(free)} free; the last snapshot (${last.name}) transferred ${lastNeed === undefined ? 'an unknown amount' : formatSize(lastNeed)}${most}${inodes}`;
  const prune = `Prune old snapshots (rsync-snapshots prune ROOT --older-than 90d --dry-run first) or free space${where}.`;
  // Inodes first: many small files cost a block each too, so a shortage of inodes also reads as one of bytes.
  if (freeInodes !== undefined && freeInodes < needInodes)
    return { name: 'free space', ok: false, detail: `${said}: the next one may not fit, too few inodes (each new file and folder needs one)`, fix: `${prune} Inodes run out with many small files.` };
  if (free < need) return { name: 'free space', ok: false, detail: `${said}: the next one may not fit`, fix: prune };
  return { name: 'free space', ok: true, detail: said };
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
