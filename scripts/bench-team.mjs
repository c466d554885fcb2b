// A team on one server: N clients (default 50) snapshot at the same instant into one real sshd on 127.0.0.1 with
// sshd's default MaxStartups (10:30:100), each its own CLI process and root (per-user roots under one account), as
// their cron jobs at 02:00 would. Two rounds (a full copy, then a linked one). Reports: all complete and hard-linked,
// wall time, ssh connections per client (ControlMaster shares one), retries, server CPU time.
// usage: node scripts/bench-team.mjs [--clients 50] [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, bundledEngine, machineLine, median, row } from './lib/bench.mjs';
import { repoRoot } from './lib/vscode-server.mjs';

const CLIENTS = arg('clients', 50);
const { startPrivateSshd } = await bundledEngine('team-sshd', 'test/support/sshd.ts');
const { makeTeam, snapshotAtOnce, teamProblems, serverCpuSeconds } = await bundledEngine('team', 'test/support/team.ts');
const cli = path.join(repoRoot, 'dist', 'cli.js');
if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run "node esbuild.mjs" first (npm run bench does).');

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-team-'));
const sshd = await startPrivateSshd([]); // sshd's defaults, MaxStartups 10:30:100 included
let failed = false;
try {
  console.log(`bench-team: ${CLIENTS} clients into one sshd (default MaxStartups 10:30:100); ${machineLine()}`);
  const team = makeTeam(base, CLIENTS, sshd.host);
  row('', 'wall s', 'retries', 'max/client', 'conn/client', 'server CPU s');
  for (let round = 1; round <= 2; round++) {
    const logBefore = sshd.log().length;
    const cpuBefore = serverCpuSeconds(sshd.pid);
    const t0 = Date.now();
    const runs = await snapshotAtOnce(team, sshd, cli, round);
    const wall = (Date.now() - t0) / 1000;
    const log = sshd.log().slice(logBefore);
    const logins = (log.match(/Accepted publickey/g) ?? []).length;
    const dropped = (log.match(/drop connection #\d+/g) ?? []).length;
    const retries = runs.map((r) => r.retries);
    const failures = runs.filter((r) => r.code !== 0);
    row(
      `round ${round} (${round === 1 ? 'full copy' : 'linked'}): ${CLIENTS - failures.length}/${CLIENTS} ok, ${dropped} turned away`,
      wall.toFixed(1),
      retries.reduce((a, b) => a + b, 0),
      Math.max(...retries),
      (logins / CLIENTS).toFixed(2),
      (serverCpuSeconds(sshd.pid) - cpuBefore).toFixed(1),
    );
    console.log(`  per client: median ${(median(runs.map((r) => r.ms)) / 1000).toFixed(1)} s, slowest ${(Math.max(...runs.map((r) => r.ms)) / 1000).toFixed(1)} s; retries ${retries.join(' ')}`);
    for (const f of failures.slice(0, 3)) console.log(`  FAILED (exit ${f.code}): ${f.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    if (failures.length) failed = true;
  }
  const problems = teamProblems(team, 2);
  console.log(
    problems.length ? `PROBLEMS:\n  ${problems.slice(0, 10).join('\n  ')}` : `all ${CLIENTS} roots: 2 complete snapshots, latest on the newest, unchanged files hard-linked, nothing half-made`,
  );
  if (problems.length) failed = true;
} finally {
  await sshd.stop();
  if (process.argv.includes('--keep')) console.log(`kept ${base}`);
  else fs.rmSync(base, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
