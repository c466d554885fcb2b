import type { DoctorCheck, DoctorOptions, DoctorReport } from '../doctor';
import { checkLatest, checkRsync, formatSize } from '../doctor';
import { isSnapshotError } from '../errors';
import { LOCK_FILE } from '../lock';
import { formatCommandLine } from '../rsync';
import { readSnapshotMeta } from '../snapshotMeta';
import { listRemoteSnapshots, remoteLocation, remotePath } from './remoteRoot';
import { acquireRemoteLock } from './remoteSnapshot';
import { sshDestination } from './rootLocation';
import { shellQuote, SshTransport } from './sshTransport';

/**
 * One ssh call (BatchMode, so it fails instead of prompting): tools on the host, `mv -T`, the root (exists, folder,
 * writable), a hard-link probe (ln + same inode), filesystem type, free bytes (`df -B1 --output=avail`), interrupted
 * prunes. One `key value` line each; "$1" = root. Probe files are removed.
 */
const DOCTOR_SCRIPT = `
echo rsync-snapshots-doctor
for t in rsync flock realpath find stat; do
  if command -v "$t" >/dev/null 2>&1; then echo "tool $t"; else echo "missing $t"; fi
done
d=$(mktemp -d 2>/dev/null) && {
  mkdir "$d/b" && if mv -T -- "$d/b" "$d/c" 2>/dev/null; then echo "mvT ok"; else echo "missing mv-T"; fi
  rm -rf -- "$d"
}
if [ ! -e "$1" ]; then echo "root missing"; exit 0; fi
if [ ! -d "$1" ]; then echo "root notdir"; exit 0; fi
probe="$1/.rsync-snapshots.probe-$$"
if { : > "$probe"; } 2>/dev/null; then
  echo "root writable"
  if ln -- "$probe" "$probe.link" 2>/dev/null && [ "$(stat -c %i -- "$probe")" = "$(stat -c %i -- "$probe.link")" ]; then echo "links ok"; else echo "links fail"; fi
  rm -f -- "$probe" "$probe.link"
else
  echo "root readonly"
fi
echo "fstype $(stat -f -c %T -- "$1" 2>/dev/null)"
echo "avail $(df -B1 --output=avail -- "$1" 2>/dev/null | tail -n 1 | tr -d ' ')"
for e in "$1"/.deleting-*; do [ -d "$e" ] && echo "deleting \${e##*/}"; done
exit 0
`;

/**
 * doctor() for a remote root: rsync here, then the ssh connection, tools on the host, root writable, hard links,
 * latest, leftovers, lock, free space. Changes nothing (the lock is taken and released at once; probes removed).
 * ssh calls: 1 (checks) + 1 (listing) + 1 (lock, held for an instant) + 1 (notes of the last snapshot).
 */
export async function remoteDoctor(root: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const location = remoteLocation(root);
  const transport = new SshTransport(location, { sshCommand: options.sshCommand });
  const checks: DoctorCheck[] = [await checkRsync(options.rsyncPath)];
  const done = () => ({ root: location.spec, ok: checks.every((c) => c.ok), checks });

  let lines: string[];
  try {
    const result = await transport.execScript(DOCTOR_SCRIPT, [location.path]);
    lines = result.stdout.toString('utf8').split('\n');
    if (lines[0] !== 'rsync-snapshots-doctor') throw new Error(`unexpected answer (is the login shell printing text? make it quiet for non-interactive sessions): ${lines[0].slice(0, 80)}`);
    checks.push({ name: 'ssh connection', ok: true, detail: `${transport.destination} answers (BatchMode, ${transport.command})` });
  } catch (err) {
    checks.push({ name: 'ssh connection', ok: false, detail: (err as Error).message, fix: `Check that "${transport.command} ${transport.destination} true" works in a terminal without a password prompt (key authentication).` });
    return done();
  }
  const has = (line: string) => lines.includes(line);
  const value = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);

  const missing = lines.filter((l) => l.startsWith('missing ')).map((l) => l.slice(8));
  checks.push(
    missing.length
      ? { name: 'tools on the host', ok: false, detail: `missing on ${location.host}: ${missing.join(', ')}`, fix: `Install them on ${location.host}: rsync, util-linux (flock), coreutils (realpath, mv -T, stat), findutils (find).` }
      : { name: 'tools on the host', ok: true, detail: 'rsync, flock, realpath, find, stat and mv -T are available' },
  );

  if (has('root missing') || has('root notdir')) {
    checks.push(
      has('root missing')
        ? { name: 'root exists', ok: false, detail: `${location.path} does not exist on ${location.host}`, fix: `Create it (ssh ${location.host} mkdir -p '${location.path}') or take a first snapshot with --create.` }
        : { name: 'root exists', ok: false, detail: `${location.path} is not a folder on ${location.host}`, fix: 'Choose a folder as backup root.' },
    );
    return done();
  }
  const writable = has('root writable');
  checks.push(
    writable
      ? { name: 'root writable', ok: true, detail: `${location.spec} is writable` }
      : { name: 'root writable', ok: false, detail: `cannot write in ${location.spec}`, fix: `Fix its permissions on ${location.host} (chown/chmod) or choose another folder.` },
  );
  const type = value('fstype') || 'unknown type';
  checks.push(
    !writable
      ? { name: 'filesystem and hard links', ok: false, detail: `${type}; hard links not tested (root not writable)` }
      : has('links ok')
        ? { name: 'filesystem and hard links', ok: true, detail: `${type}; hard links work` }
        : { name: 'filesystem and hard links', ok: false, detail: `${type}; hard links fail, so every snapshot would be a full copy`, fix: 'Put the backup root on a filesystem with hard links (ext4, xfs, btrfs), not FAT/exFAT or a share without them.' },
  );

  let listing;
  try {
    listing = await listRemoteSnapshots(location, transport);
  } catch (err) {
    checks.push({ name: 'snapshots', ok: false, detail: (err as Error).message });
  }
  if (listing) {
    // The repair runs on the host: ssh HOST '<command quoted for the remote shell>'.
    checks.push(checkLatest(listing, remotePath(location, 'latest'), (argv) => formatCommandLine(['ssh', sshDestination(location), argv.map(shellQuote).join(' ')])));
    const deleting = lines.filter((l) => l.startsWith('deleting ')).map((l) => l.slice(9));
    const all = [...listing.inProgress, ...deleting];
    checks.push(
      all.length
        ? { name: 'leftovers', ok: true, detail: `${all.join(', ')}: ${listing.inProgress.length ? 'a running or interrupted snapshot' : ''}${listing.inProgress.length && deleting.length ? '; ' : ''}${deleting.length ? 'an interrupted prune' : ''}`, fix: 'Harmless: the next snapshot reuses and removes .inprogress-* folders, the next prune removes .deleting-* ones.' }
        : { name: 'leftovers', ok: true, detail: 'no unfinished snapshot or interrupted deletion' },
    );
  }

  const lockPath = remotePath(location, LOCK_FILE);
  if (!writable) checks.push({ name: 'lock', ok: true, detail: `not tested (root not writable); lock file ${lockPath} on ${location.host}` });
  else {
    try {
      const lock = await acquireRemoteLock(location, transport, false, 'doctor');
      await lock.release();
      checks.push({ name: 'lock', ok: true, detail: `free (${lockPath} on ${location.host})` });
    } catch (err) {
      if (isSnapshotError(err, 'LOCKED')) checks.push({ name: 'lock', ok: true, detail: `held: ${err.message}` });
      else checks.push({ name: 'lock', ok: false, detail: `cannot take the lock: ${(err as Error).message}`, fix: `Install flock (util-linux) on ${location.host} and make the root writable.` });
    }
  }

  const avail = Number(value('avail'));
  if (listing) {
    if (!value('avail') || !Number.isFinite(avail)) checks.push({ name: 'free space', ok: true, detail: 'unknown (df failed on the host)' });
    else {
      const last = listing.latest ?? listing.snapshots[listing.snapshots.length - 1];
      const need = last ? (await readSnapshotMeta(location.spec, last.name, { sshCommand: options.sshCommand }))?.bytesTransferred : undefined;
      if (need === undefined) checks.push({ name: 'free space', ok: true, detail: `${formatSize(avail)} free${last ? ` (no notes for ${last.name}, so the next snapshot's size is unknown)` : ''}` });
      else
        checks.push(
          avail >= need
            ? { name: 'free space', ok: true, detail: `${formatSize(avail)} free; the last snapshot (${last!.name}) transferred ${formatSize(need)}` }
            : { name: 'free space', ok: false, detail: `${formatSize(avail)} free, but the last snapshot (${last!.name}) transferred ${formatSize(need)}: the next one may not fit`, fix: 'Prune old snapshots (rsync-snapshots prune ROOT --older-than 90d --dry-run first) or free space on the host.' },
        );
    }
  }
  return done();
}
