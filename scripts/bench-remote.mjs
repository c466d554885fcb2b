// Benchmark: refresh (listSnapshots) of a remote root with 200 snapshots over ssh to a private sshd on 127.0.0.1.
// Prints the number of ssh processes started per refresh (target: 1 on a warm connection) and the time.
// usage: node scripts/bench-remote.mjs [--snapshots N] [--runs N]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SNAPSHOTS = arg('--snapshots', 200);
const RUNS = arg('--runs', 20);

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = path.join(repo, '.bench');
fs.mkdirSync(outDir, { recursive: true });
const bundle = path.join(outDir, 'bench-remote.cjs');
await esbuild.build({
  stdin: {
    contents: [
      "export { startSshd, stopSharedSshd } from './test/support/sshd';",
      "export { listSnapshots, versions } from './test/support/core';",
      "export { sshCounters, closeAllSshConnections } from './src/core/root/ssh/transport';",
      "export { formatSnapshotName } from './src/core/root/format';",
    ].join('\n'),
    resolveDir: repo,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  logLevel: 'warning',
});
const { startSshd, stopSharedSshd, listSnapshots, versions, sshCounters, closeAllSshConnections, formatSnapshotName } = createRequire(import.meta.url)(bundle);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-remote-'));
const sshd = await startSshd();
try {
  // The "remote" is this machine: create the snapshot folders directly (a day apart) and latest.
  let last;
  for (let i = 0; i < SNAPSHOTS; i++) {
    last = formatSnapshotName(new Date(2025, 0, 1 + i, 2, 0, 0));
    fs.mkdirSync(path.join(root, last));
    fs.writeFileSync(path.join(root, last, 'file.txt'), String(i));
    fs.utimesSync(path.join(root, last, 'file.txt'), 1_700_000_000 + i, 1_700_000_000 + i); // distinct mtimes, as rsync would keep them
  }
  fs.symlinkSync(last, path.join(root, 'latest'));
  const spec = `${sshd.host}:${root}`;
  const options = { sshCommand: sshd.sshCommand };

  let before = sshCounters.processesStarted;
  let t0 = performance.now();
  const cold = await listSnapshots(spec, options);
  const coldMs = performance.now() - t0;
  const coldProcesses = sshCounters.processesStarted - before;
  if (cold.snapshots.length !== SNAPSHOTS || cold.latest?.name !== last) throw new Error(`bad listing: ${cold.snapshots.length} snapshots, latest ${cold.latest?.name}`);

  const times = [];
  before = sshCounters.processesStarted;
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    const listing = await listSnapshots(spec, options);
    times.push(performance.now() - t0);
    if (listing.snapshots.length !== SNAPSHOTS) throw new Error('bad listing');
  }
  const warmProcesses = (sshCounters.processesStarted - before) / RUNS;
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const p90 = times[Math.floor(times.length * 0.9)];
  const local = [];
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    await listSnapshots(root);
    local.push(performance.now() - t0);
  }
  local.sort((a, b) => a - b);

  console.log(`remote root with ${SNAPSHOTS} snapshots over ssh (private sshd on 127.0.0.1, ControlMaster shared connection)`);
  console.log(`  cold refresh (connection set up):  ${coldProcesses} ssh process(es), ${coldMs.toFixed(0)} ms`);
  console.log(`  warm refresh (${RUNS} runs):           ${warmProcesses} ssh process(es) each (target 1), median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms`);
  console.log(`  same root listed locally:          median ${local[Math.floor(local.length / 2)].toFixed(1)} ms`);
  // versions() of a file that differs in every snapshot (same size for 10 at a time: content compared on the host).
  const versionTimes = [];
  before = sshCounters.processesStarted;
  let history;
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    history = await versions(spec, 'file.txt', options);
    versionTimes.push(performance.now() - t0);
  }
  const versionProcesses = (sshCounters.processesStarted - before) / RUNS;
  if (history.versions.length !== SNAPSHOTS) throw new Error(`expected ${SNAPSHOTS} versions, got ${history.versions.length}`);
  versionTimes.sort((a, b) => a - b);
  const localVersions = [];
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    await versions(root, 'file.txt');
    localVersions.push(performance.now() - t0);
  }
  localVersions.sort((a, b) => a - b);
  const remoteMedian = versionTimes[Math.floor(versionTimes.length / 2)];
  const localMedian = localVersions[Math.floor(localVersions.length / 2)];
  console.log(
    `  versions of a file, ${SNAPSHOTS} distinct versions: ${versionProcesses} ssh process(es) each (target 2: one scan, one content pass), median ${remoteMedian.toFixed(0)} ms = ${(remoteMedian / median).toFixed(1)}× a warm refresh; locally ${localMedian.toFixed(1)} ms`,
  );
  if (warmProcesses !== 1 || versionProcesses > 2) process.exitCode = 1;
} finally {
  await closeAllSshConnections();
  await stopSharedSshd();
  fs.rmSync(root, { recursive: true, force: true });
}
