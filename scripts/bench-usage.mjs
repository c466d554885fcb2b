// Space report benchmark: usage() vs `du -s --total ROOT/20*` on 30 snapshots × 20,000 files.
// usage: node scripts/bench-usage.mjs [--snapshots 30] [--files 20000] [--rounds 5] [--keep]
// Builds one real snapshot (takeSnapshot), then `cp -al` copies with some files changed (names in our
// format), and times both tools alternately (page cache warm for both; dropping caches is not possible here).
import * as esbuild from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writeManyFiles } from './lib/bench.mjs';

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SNAPSHOTS = arg('snapshots', 30);
const FILES = arg('files', 20000);
const ROUNDS = arg('rounds', 5);
const CHANGED_PER_SNAPSHOT = 200;

const benchDir = path.join(repo, '.bench');
fs.mkdirSync(benchDir, { recursive: true });
const entry = path.join(benchDir, 'usage-entry.ts');
fs.writeFileSync(
  entry,
  [
    `export { usage, takeSnapshot } from ${JSON.stringify(path.join(repo, 'test/support/core'))};`,
    `export { clearUsageMemoryCache } from ${JSON.stringify(path.join(repo, 'src/core/root/local/usage'))};`,
    `export { formatSnapshotName } from ${JSON.stringify(path.join(repo, 'src/core/root/format'))};`,
  ].join('\n'),
);
const bundle = path.join(benchDir, 'usage-bench.cjs');
await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: bundle, logLevel: 'warning' });
const core = createRequire(import.meta.url)(bundle);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-usage-'));
const source = path.join(base, 'src');
const root = path.join(base, 'root');
try {
  console.log(`building ${SNAPSHOTS} snapshots × ${FILES} files in ${root} …`);
  let t0 = process.hrtime.bigint();
  const perDir = 200;
  writeManyFiles(source, FILES, 200, 9000, perDir);
  fs.mkdirSync(root);
  const start = new Date(2026, 0, 1, 2, 0, 0);
  const first = await core.takeSnapshot({ source, root, now: start });
  const names = [first.name];
  for (let k = 1; k < SNAPSHOTS; k++) {
    const name = core.formatSnapshotName(new Date(start.getTime() + k * 86_400_000));
    const dir = path.join(root, name);
    execFileSync('cp', ['-al', path.join(root, names[names.length - 1]), dir]);
    for (let j = 0; j < CHANGED_PER_SNAPSHOT; j++) {
      const i = (k * 7907 + j * 101) % FILES;
      const file = path.join(dir, `d${Math.floor(i / perDir)}`, `f${i}.txt`);
      fs.rmSync(file);
      fs.writeFileSync(file, `snapshot ${k} changed ${i} `.repeat(50));
    }
    names.push(name);
  }
  fs.rmSync(path.join(root, 'latest'));
  fs.symlinkSync(names[names.length - 1], path.join(root, 'latest'));
  console.log(`built in ${(ms(t0) / 1000).toFixed(1)} s`);

  const duArgs = ['-s', '-B1', '--total', ...names.map((n) => path.join(root, n))];
  const runDu = () => {
    const t = process.hrtime.bigint();
    const r = spawnSync('du', duArgs, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const elapsed = ms(t);
    if (r.status !== 0) throw new Error(r.stderr);
    return { elapsed, total: Number(r.stdout.trim().split('\n').pop().split(/\s+/)[0]) };
  };
  const runOurs = async (options = {}) => {
    const t = process.hrtime.bigint();
    const report = await core.usage(root, { cache: false, ...options });
    return { elapsed: ms(t), total: report.totalBytes };
  };

  runDu();
  await runOurs(); // warm the page cache for both
  // Each round runs du, ours, and for reference ours with one walk at a time (du walks with one process) and the
  // worker-thread fallback (no GNU find); the order rotates from round to round, so no one always goes first.
  const du = [];
  const ours = [];
  const oneAtATime = [];
  const threads = [];
  let duTotal = 0;
  let ourTotal = 0;
  const runners = [
    async () => {
      const r = runDu();
      du.push(r.elapsed);
      duTotal = r.total;
    },
    async () => {
      const r = await runOurs();
      ours.push(r.elapsed);
      ourTotal = r.total;
    },
    async () => oneAtATime.push((await runOurs({ concurrency: 1 })).elapsed),
    async () => threads.push((await runOurs({ walker: 'threads' })).elapsed),
  ];
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < runners.length; i++) await runners[(i + r) % runners.length]();
  }

  core.clearUsageMemoryCache();
  fs.rmSync(path.join(root, '.rsync-snapshots.d', 'usage-cache.json'), { force: true });
  t0 = process.hrtime.bigint();
  await core.usage(root);
  const fill = ms(t0);
  const cachedInProcess = [];
  for (let r = 0; r < ROUNDS; r++) {
    t0 = process.hrtime.bigint();
    await core.usage(root);
    cachedInProcess.push(ms(t0));
  }
  const fromFile = [];
  for (let r = 0; r < ROUNDS; r++) {
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const c=require(${JSON.stringify(bundle)});const t=process.hrtime.bigint();c.usage(${JSON.stringify(root)}).then((r)=>console.log(JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,total:r.totalBytes,fromCache:r.fromCache})))`,
      ],
      { encoding: 'utf8' },
    );
    const out = JSON.parse(child.stdout);
    if (out.total !== ourTotal || out.fromCache !== SNAPSHOTS) throw new Error(`cached report differs: ${child.stdout}`);
    fromFile.push(out.ms);
  }
  const cacheSize = fs.statSync(path.join(root, '.rsync-snapshots.d', 'usage-cache.json')).size;

  const ratio = median(ours) / median(du);
  const diff = Math.abs(ourTotal - duTotal) / duTotal;
  const rows = [
    ['', 'median ms', 'rounds (ms)'],
    ['du -s -B1 --total ROOT/20*', median(du).toFixed(0), du.map((x) => x.toFixed(0)).join(' ')],
    ['usage() (no cache)', median(ours).toFixed(0), ours.map((x) => x.toFixed(0)).join(' ')],
    ['usage() one walk at a time', median(oneAtATime).toFixed(0), oneAtATime.map((x) => x.toFixed(0)).join(' ')],
    ['usage() worker threads (no GNU find)', median(threads).toFixed(0), threads.map((x) => x.toFixed(0)).join(' ')],
    ['usage() first, filling cache', fill.toFixed(0), ''],
    ['usage() cached, same process', median(cachedInProcess).toFixed(1), cachedInProcess.map((x) => x.toFixed(1)).join(' ')],
    ['usage() cached, new process (file)', median(fromFile).toFixed(0), fromFile.map((x) => x.toFixed(0)).join(' ')],
  ];
  console.log(`\n${SNAPSHOTS} snapshots × ${FILES} files, ${os.availableParallelism()} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
  for (const row of rows) console.log(`${row[0].padEnd(38)} ${String(row[1]).padStart(10)}   ${row[2]}`);
  console.log(`\ntotal: ours ${ourTotal} B, du ${duTotal} B (difference ${(diff * 100).toFixed(3)} %; target ≤ 1 %)`);
  console.log(
    `ratio usage()/du: ${ratio.toFixed(2)} (target ≤ 1.5) ${ratio <= 1.5 ? 'OK' : 'MISSED'}; for reference, one walk at a time ${(median(oneAtATime) / median(du)).toFixed(2)}, worker threads ${(median(threads) / median(du)).toFixed(2)}`,
  );
  console.log(
    `cached report: ${median(cachedInProcess).toFixed(1)} ms in process, ${median(fromFile).toFixed(0)} ms from the file in a new process (target < 100 ms) ${median(cachedInProcess) < 100 ? 'OK' : 'MISSED'}; cache file ${(cacheSize / 1024).toFixed(0)} KiB`,
  );
  if (diff > 0.01) process.exitCode = 1;
} finally {
  if (!process.argv.includes('--keep')) fs.rmSync(base, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
