import fs from 'node:fs/promises';
import path from 'node:path';
import { SnapshotError } from './errors';

const INSTALL_HINT: Record<string, string> = {
  rsync: 'rsync is not installed: install it with "sudo apt-get install rsync" (macOS: "brew install rsync"), or set rsyncSnapshots.rsyncPath.',
  flock: 'flock is not installed: install it with "sudo apt-get install util-linux".',
  ssh: 'ssh is not installed: install it with "sudo apt-get install openssh-client".',
};

/**
 * Resolves a program like git's findGit: an explicit path when configured, else the first match on PATH.
 * Throws a SnapshotError that says how to install it.
 */
export async function findExecutable(name: string, configured?: string, envPath = process.env.PATH ?? ''): Promise<string> {
  const candidates = configured ? [configured.includes('/') ? path.resolve(configured) : configured] : [name];
  for (const candidate of candidates) {
    const paths = candidate.includes('/')
      ? [candidate]
      : envPath
          .split(path.delimiter)
          .filter(Boolean)
          .map((dir) => path.join(dir, candidate));
    for (const p of paths) {
      try {
        await fs.access(p, fs.constants.X_OK);
        if ((await fs.stat(p)).isFile()) return p;
      } catch {
        // keep looking
      }
    }
  }
  const hint = INSTALL_HINT[name] ?? `${name} was not found on PATH: install it.`;
  throw new SnapshotError(name === 'rsync' ? 'RSYNC_NOT_FOUND' : 'TOOL_NOT_FOUND', configured ? `${hint} (configured path ${configured} is not an executable file)` : hint);
}
