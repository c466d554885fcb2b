// The Debian packages the project needs at run time and for its tests. `npm start` and `npm test` call
// ensureSystemPackages() so both work on a fresh machine: as root they install what is missing with apt-get
// (after apt-get update); otherwise they stop and print the one command to run.
import { spawnSync } from 'node:child_process';

export const SYSTEM_PACKAGES = {
  rsync: 'rsync',
  ssh: 'openssh-client',
  sshd: 'openssh-server',
  flock: 'util-linux',
  chromium: 'chromium',
  krb5: 'libkrb5-dev',
  // rg on PATH: the remote search's ripgrep path (the tests' sshd host is this machine); grep and the Node search are tested too
  ripgrep: 'ripgrep',
};

function installed(pkg) {
  const q = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return q.status === 0 && q.stdout.includes('install ok installed');
}

/** Installs the missing ones of `packages` (Debian names); throws with the command to run when it cannot. */
export function ensureSystemPackages(packages) {
  if (spawnSync('dpkg-query', ['--version']).status !== 0) return; // not Debian: the README lists what to install
  const missing = packages.filter((p) => !installed(p));
  if (!missing.length) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`missing system packages: ${missing.join(', ')}. Install them with: sudo sh -c '${command}'`);
  console.log(`[setup] installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', ...missing],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${r.status}); run: ${command}`);
  }
}
