import type { DoctorCheck, DoctorInspection } from '../../doctor/types';
import { formatCommandLine } from '../../util/rsync';
import type { DoctorAccess } from '../backupRoot';
import { DELETING_PREFIX, LATEST_LINK, PROBE_PREFIX } from '../format';
import { sshDestination } from '../location';
import { remotePath } from './list';
import type { Ssh } from './ssh';
import { shellQuote } from './transport';

/**
 * One ssh call (BatchMode, so it fails instead of prompting): tools on the host, `mv -T`, the root (exists, folder,
 * writable), a hard-link probe (ln + same inode), filesystem type, free space and inodes (`df -Pk`, `df -Pi`), interrupted
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
probe="$1/${PROBE_PREFIX}$$"
if { : > "$probe"; } 2>/dev/null; then
  echo "root writable"
  if ln -- "$probe" "$probe.link" 2>/dev/null && [ "$(stat -c %i -- "$probe")" = "$(stat -c %i -- "$probe.link")" ]; then echo "links ok"; else echo "links fail"; fi
  rm -f -- "$probe" "$probe.link"
else
  echo "root readonly"
fi
t=$(df --output=fstype -- "$1" 2>/dev/null | tail -n 1 | tr -d ' ')
[ -n "$t" ] || t=$(stat -f -c %T -- "$1" 2>/dev/null)
echo "fstype $t"
echo "dfk $(df -Pk -- "$1" 2>/dev/null | tail -n 1)"
echo "dfi $(df -Pi -- "$1" 2>/dev/null | tail -n 1)"
for e in "$1"/${DELETING_PREFIX}*; do [ -d "$e" ] && echo "deleting \${e##*/}"; done
exit 0
`;

/**
 * What the host says about a remote root, in one ssh call (BatchMode, so it fails instead of prompting): the
 * connection, tools on the host, root exists / writable, a hard-link probe, filesystem type, free bytes, interrupted
 * prunes. Repairs are ssh lines for the host.
 */
export function sshDoctor({ location, transport }: Ssh): DoctorAccess {
  return {
    // The repair runs on the host: ssh HOST '<command quoted for the remote shell>'.
    commandLine: (argv) => formatCommandLine(['ssh', sshDestination(location), argv.map(shellQuote).join(' ')]),
    async inspect(): Promise<DoctorInspection> {
      const where = ` on ${location.host}`;
      const base = { deleting: [], freeUnknown: 'df failed on the host', latestPath: remotePath(location, LATEST_LINK), where, writable: false };
      const checks: DoctorCheck[] = [];
      let lines: string[];
      try {
        const result = await transport.execScript(DOCTOR_SCRIPT, [location.path]);
        lines = result.stdout.toString('utf8').split('\n');
        if (lines[0] !== 'rsync-snapshots-doctor') throw new Error(`unexpected answer (is the login shell printing text? make it quiet for non-interactive sessions): ${lines[0].slice(0, 80)}`);
        checks.push({ name: 'ssh connection', ok: true, detail: `${transport.destination} answers (BatchMode, ${transport.command})` });
      } catch (err) {
        checks.push({
          name: 'ssh connection',
          ok: false,
          detail: (err as Error).message,
          fix: `Check that "${transport.command} ${transport.destination} true" works in a terminal without a password prompt (key authentication).`,
        });
        return { ...base, checks, usable: false };
      }
      const has = (line: string) => lines.includes(line);
      const value = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);

      const missing = lines.filter((l) => l.startsWith('missing ')).map((l) => l.slice(8));
      checks.push(
        missing.length
          ? {
              name: 'tools on the host',
              ok: false,
              detail: `missing on ${location.host}: ${missing.join(', ')}`,
              fix: `Install them on ${location.host}: rsync, util-linux (flock), coreutils (realpath, mv -T, stat), findutils (find).`,
            }
          : { name: 'tools on the host', ok: true, detail: 'rsync, flock, realpath, find, stat and mv -T are available' },
      );
      if (has('root missing') || has('root notdir')) {
        checks.push(
          has('root missing')
            ? {
                name: 'root exists',
                ok: false,
                detail: `${location.path} does not exist on ${location.host}`,
                fix: `Create it (ssh ${location.host} mkdir -p '${location.path}') or take a first snapshot with --create.`,
              }
            : { name: 'root exists', ok: false, detail: `${location.path} is not a folder on ${location.host}`, fix: 'Choose a folder as backup root.' },
        );
        return { ...base, checks, usable: false };
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
            : {
                name: 'filesystem and hard links',
                ok: false,
                detail: `${type}; hard links fail, so every snapshot would be a full copy`,
                fix: 'Put the backup root on a filesystem with hard links (ext4, xfs, btrfs), not FAT/exFAT or a share without them.',
              },
      );
      const avail = dfAvailable(value('dfk'));
      const inodes = dfAvailable(value('dfi'));
      return {
        ...base,
        checks,
        usable: true,
        writable,
        deleting: lines.filter((l) => l.startsWith('deleting ')).map((l) => l.slice(9)),
        freeBytes: avail === undefined ? undefined : avail * 1024,
        freeInodes: inodes || undefined, // 0 inodes in all: a filesystem without a fixed count (btrfs)
      };
    },
  };
}

/**
 * The "Available" (KiB) or "IFree" column of one `df -P` data line — `FS TOTAL USED AVAIL CAPACITY% MOUNT`, found
 * by its shape so that spaces in the filesystem or mount name do not shift it; undefined when it is not there.
 */
export function dfAvailable(line: string | undefined): number | undefined {
  const m = /(?:^|\s)(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+|-)%\s/.exec(`${line ?? ''} `);
  return m ? Number(m[3]) : undefined;
}
