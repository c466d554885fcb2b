// Benchmark: what a year of automatic history costs under the default thinning ("1d:1h 7d:1d 90d:1w").
// usage: node scripts/bench-history.mjs [--folders N] [--days N]   (npm run bench)
//
// Measures one real automatic snapshot of a tree of 460 folders (our CLI, one file changed: the bytes and inodes the
// new snapshot adds, by du against the one before), then simulates a snapshot every 10 minutes for --days days,
// thinned after each day by the engine's own policy code (decide, bundled from src/), and prints per day the
// snapshots kept, the bytes and inodes they hold, and the highest hard-link count (an unchanged file is linked into
// every kept snapshot): flat after the weekly tier, where history grows by one snapshot a week.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { arg, machineLine } from './lib/bench.mjs';
import { repoRoot as repo } from './lib/vscode-server.mjs';

const FOLDERS = arg('folders', 460);
const DAYS = arg('days', 180);
const EVERY_MINUTES = 10;
const STRATEGY = '1d:1h 7d:1d 90d:1w';
const LINK_LIMIT = 65_000;

const cli = path.join(repo, 'dist', 'cli.js');
if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run "node esbuild.mjs" first (npm run bench does).');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-history-'));
try {
  const out = path.join(base, 'policy.cjs');
  await build({ entryPoints: [path.join(repo, 'src/core/prune/policy.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  const { decide } = await import(out);

  // One real snapshot's cost: a tree of FOLDERS folders with 5 files each, then one file changed.
  const source = path.join(base, 'ws');
  for (let d = 0; d < FOLDERS; d++) {
    fs.mkdirSync(path.join(source, `dir${d}`), { recursive: true });
    for (let f = 0; f < 5; f++) fs.writeFileSync(path.join(source, `dir${d}`, `f${f}.txt`), `folder ${d} file ${f}\n`.repeat(40));
  }
  const root = path.join(base, 'root');
  execFileSync(process.execPath, [cli, 'snapshot', source, root, '--create', '--json']);
  fs.writeFileSync(path.join(source, 'dir0', 'f0.txt'), 'edited\n');
  execFileSync(process.execPath, [cli, 'snapshot', source, root, '--json']);
  const [first, second] = fs
    .readdirSync(root)
    .filter((n) => /^\d{4}-/.test(n))
    .sort();
  const du = (flag) => {
    const lines = execFileSync('du', ['-s', flag, path.join(root, first), path.join(root, second)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    return lines.map((l) => Number(l.split(/\s+/)[0]));
  };
  const [fullBytes, addedBytes] = du('-B1');
  const [fullInodes, addedInodes] = du('--inodes');
  console.log(machineLine());
  console.log(
    `one automatic snapshot of ${FOLDERS} folders (${FOLDERS * 5} files, one changed): +${(addedBytes / 1024).toFixed(0)} KiB, +${addedInodes} inodes (du, against the one before); the first: ${(fullBytes / 1024 / 1024).toFixed(1)} MiB, ${fullInodes} inodes`,
  );

  // The simulation: every 10 minutes for DAYS days, thinned by the policy at the end of each day.
  console.log(`simulated ${DAYS} days of a snapshot every ${EVERY_MINUTES} minutes, thinned by "${STRATEGY}":`);
  console.log('  day   kept   bytes held   inodes held   max links');
  const start = new Date(2026, 0, 1).getTime();
  let kept = [];
  const curve = [];
  for (let day = 1; day <= DAYS; day++) {
    for (let t = (day - 1) * 1440; t < day * 1440; t += EVERY_MINUTES) {
      const time = new Date(start + t * 60_000);
      kept.push({ name: String(t), time, mtime: time });
    }
    const now = new Date(start + day * 1440 * 60_000);
    const decisions = new Map(decide(kept, { strategy: STRATEGY }, now).map((d) => [d.name, d.delete]));
    kept = kept.filter((s) => !decisions.get(s.name));
    const bytes = fullBytes + (kept.length - 1) * addedBytes;
    const inodes = fullInodes + (kept.length - 1) * addedInodes;
    curve.push({ day, kept: kept.length, bytes, inodes });
    if (day <= 7 || day % 15 === 0 || day === DAYS)
      console.log(
        `  ${String(day).padStart(3)}  ${String(kept.length).padStart(5)}  ${`${(bytes / 1024 / 1024).toFixed(0)} MiB`.padStart(11)}  ${inodes.toLocaleString('en-US').padStart(12)}  ${String(kept.length).padStart(10)}`,
      );
  }
  const at = (d) => curve[Math.min(d, DAYS) - 1];
  const weekly = DAYS > 97 ? (at(DAYS).kept - at(97).kept) / ((DAYS - 97) / 7) : NaN;
  console.log(
    `after the daily tier (day 97 → ${DAYS}): ${Number.isNaN(weekly) ? 'n/a' : weekly.toFixed(2)} snapshots a week (target 1: flat), ` +
      `${((at(DAYS).bytes - at(Math.min(97, DAYS)).bytes) / 1024 / 1024).toFixed(0)} MiB more; ` +
      `the link limit (${LINK_LIMIT.toLocaleString('en-US')}) is ${Number.isNaN(weekly) ? 'far' : `${Math.round((LINK_LIMIT - at(DAYS).kept) / weekly / 52)} years`} away`,
  );
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
