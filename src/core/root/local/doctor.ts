import fs from 'node:fs/promises';
import path from 'node:path';
import type { DoctorCheck, DoctorInspection } from '../../doctor/types';
import { errnoCode } from '../../util/errors';
import { run } from '../../util/exec';
import { probeHardLinks } from '../../util/linkProbe';
import { formatCommandLine } from '../../util/rsync';
import type { DoctorAccess } from '../backupRoot';
import { DELETING_PREFIX, LATEST_LINK, PROBE_PREFIX } from '../format';

/** What this machine says about a local root: exists and writable (a real probe), filesystem type and a link(2) probe, statfs. */
export function localDoctor(root: string): DoctorAccess {
  return {
    commandLine: formatCommandLine,
    async inspect(): Promise<DoctorInspection> {
      const base = { deleting: [], freeUnknown: 'statfs failed', latestPath: path.join(root, LATEST_LINK), where: '' };
      const rootCheck = await checkRootWritable(root);
      if (!rootCheck.ok && rootCheck.name === 'root exists') return { ...base, checks: [rootCheck], usable: false, writable: false };
      const deleting = (await fs.readdir(root).catch(() => [])).filter((n) => n.startsWith(DELETING_PREFIX));
      const stats = await fs.statfs(root).catch(() => undefined);
      return {
        ...base,
        checks: [rootCheck, await checkFilesystem(root, rootCheck.ok)],
        usable: true,
        writable: rootCheck.ok,
        deleting,
        freeBytes: stats ? stats.bavail * stats.bsize : undefined,
        freeInodes: stats?.files ? stats.ffree : undefined, // no fixed inode count (btrfs): unknown
      };
    },
  };
}

async function checkRootWritable(root: string): Promise<DoctorCheck> {
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat) return { name: 'root exists', ok: false, detail: `${root} does not exist`, fix: `Create it (mkdir -p '${root}') or take a first snapshot with --create.` };
  if (!stat.isDirectory()) return { name: 'root exists', ok: false, detail: `${root} is not a folder`, fix: 'Choose a folder as backup root.' };
  const probe = path.join(root, `${PROBE_PREFIX}${process.pid}-${Date.now()}`);
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

/** The mount's type as the kernel names it (`df`, like /proc/mounts: `ext4`); `stat -f` only as a fallback, it says "ext2/ext3" for ext4. */
async function filesystemType(root: string): Promise<string | undefined> {
  const df = await run('df', ['--output=fstype', '--', root], { reject: false, timeout: 10_000 }).catch(() => undefined);
  const lines = df && df.exitCode === 0 ? df.stdout.trim().split('\n') : [];
  if (lines.length > 1 && lines[lines.length - 1].trim()) return lines[lines.length - 1].trim();
  const stat = await run('stat', ['-f', '-c', '%T', root], { reject: false, timeout: 10_000 }).catch(() => undefined);
  return stat && stat.exitCode === 0 && stat.stdout.trim() ? stat.stdout.trim() : undefined;
}

async function checkFilesystem(root: string, writable: boolean): Promise<DoctorCheck> {
  const type = (await filesystemType(root)) ?? 'unknown type';
  if (!writable) return { name: 'filesystem and hard links', ok: false, detail: `${type}; hard links not tested (root not writable)` };
  const probe = await probeHardLinks(root);
  return probe.ok
    ? { name: 'filesystem and hard links', ok: true, detail: `${type}; hard links work` }
    : {
        name: 'filesystem and hard links',
        ok: false,
        detail: `${type}; hard links fail (${probe.error}), so every snapshot would be a full copy`,
        fix: 'Put the backup root on a filesystem with hard links (ext4, xfs, btrfs, APFS), not FAT/exFAT or a share without them.',
      };
}
