import { spawn } from 'node:child_process';
import { SnapshotError } from '../../util/errors';
import { findExecutable } from '../../util/tools';
import { SEARCH_EXIT, SEARCH_SCRIPT } from '../../search/script';
import type { SearchAccess } from '../backupRoot';

/** The search script run by the local sh; ripgrep as given, else rg on PATH, else none (the Node search reads the files). */
export function localSearch(root: string): SearchAccess {
  return {
    async tool({ rgPath, noRipgrep }) {
      if (noRipgrep) return 'list';
      if (rgPath) return { rg: rgPath };
      try {
        return { rg: await findExecutable('rg') };
      } catch {
        return 'list';
      }
    },
    async start(args) {
      // Its own process group: a cancel stops find, awk and rg with the script, not only sh.
      const child = spawn('sh', ['-c', SEARCH_SCRIPT, 'sh', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const exited = new Promise<number | null>((resolve) => {
        child.once('error', () => resolve(127));
        child.once('close', (code) => resolve(code));
      });
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      };
      return { stdout: child.stdout, stderr: child.stderr, exited, kill };
    },
    failure(exitCode, stderr) {
      if (exitCode === SEARCH_EXIT.noFind)
        return new SnapshotError('TOOL_NOT_FOUND', 'Searching snapshots needs GNU find: install findutils ("sudo apt-get install findutils"; macOS: "brew install findutils").');
      if (exitCode === SEARCH_EXIT.missing) return new SnapshotError('ROOT_INVALID', `Backup root ${root} does not exist: check the path.`);
      return new SnapshotError('ROOT_INVALID', `Searching ${root} failed (exit ${exitCode})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}.`);
    },
  };
}
