// Benchmark: what automatic history costs when nothing changed, against a real snapshot of the same tree.
// usage: node scripts/bench-ifchanged.mjs [--files N] [--rounds N] [--strict]   (npm run bench)
//
// One tree of 20,000 files, snapshotted once; nothing changes afterwards. Each round times, side by side in alternating
// order:
//   - a real snapshot of the unchanged tree (takeSnapshot in process: rsync links all 20,000 files into a new folder);
//   - an automatic run the file watcher is sure about (what AutoSnapshot does then: one listing of the root to see that
//     latest is still the snapshot the watcher counts from — no rsync, no folder); target < 2 % of the real snapshot;
//   - the fallback when the watcher is unsure (after a restart): the one rsync --dry-run check, in process (information);
//   - the CLI as whole processes: `snapshot --if-changed` (skips) vs `snapshot` (takes one); target < 60 %.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, bundledEngine, median, run, timed } from './lib/bench.mjs';
import { repoRoot as repo } from './lib/vscode-server.mjs';

const FILES = arg('files', 20000);
const ROUNDS = arg('rounds', 5);
const AUTO_TARGET = 0.02;
const CLI_TARGET = 0.6;
const strict = process.argv.includes('--strict');

const { takeSnapshot, listSnapshots, checkForChanges } = await bundledEngine('core');
const cli = path.join(repo, 'dist', 'cli.js');
if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run "node esbuild.mjs" first (npm run bench does).');

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-ifchanged-'));
try {
  const source = path.join(base, 'src');
  const root = path.join(base, 'root');
  const cliRoot = path.join(base, 'cli');
  for (const d of [source, root, cliRoot]) fs.mkdirSync(d);
  const sizes = [120, 800, 2500, 40, 9000, 300, 30000, 1500, 64, 5000];
  for (let i = 0; i < FILES; i++) {
    const rel = path.join(`dir${Math.floor(i / 400)}`, `sub${Math.floor(i / 50) % 8}`, `file-${i}.dat`);
    fs.mkdirSync(path.join(source, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(source, rel), Buffer.alloc(i % 1000 === 999 ? 1 << 20 : sizes[i % sizes.length], `${i} `));
  }
  console.log(`tree: ${FILES} files under ${base}; nothing changes after the first snapshot`);
  await takeSnapshot({ source, root });
  await run(process.execPath, [cli, 'snapshot', source, cliRoot]);

  const runners = {
    snapshot: () => takeSnapshot({ source, root }),
    watcher: async () => {
      // The automatic run the watcher is sure about: is latest still the snapshot it counts from?
      const listing = await listSnapshots(root);
      if (!listing.latest) throw new Error('no latest');
    },
    check: async () => {
      const r = await checkForChanges({ source, root });
      if (r.changed) throw new Error(`the check saw a change: ${r.sample.join(', ')}`);
    },
    cliSnapshot: () => run(process.execPath, [cli, 'snapshot', source, cliRoot]),
    cliIfChanged: () => run(process.execPath, [cli, 'snapshot', source, cliRoot, '--if-changed']),
  };
  const orders = [
    ['snapshot', 'watcher', 'check', 'cliSnapshot', 'cliIfChanged'],
    ['cliIfChanged', 'check', 'cliSnapshot', 'watcher', 'snapshot'],
    ['watcher', 'cliSnapshot', 'snapshot', 'cliIfChanged', 'check'],
  ];
  const times = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    const t = {};
    for (const who of orders[round % orders.length]) t[who] = await timed(runners[who]);
    if (round === 0) continue; // warm-up
    for (const who of Object.keys(t)) times[who].push(t[who]);
    console.log(
      `round ${round}: snapshot ${t.snapshot.toFixed(0)} ms, watcher-sure run ${t.watcher.toFixed(2)} ms, rsync check ${t.check.toFixed(0)} ms; CLI snapshot ${t.cliSnapshot.toFixed(0)} ms, CLI --if-changed ${t.cliIfChanged.toFixed(0)} ms`,
    );
  }
  const ratio = (a, b) => median(times[a].map((x, i) => x / times[b][i]));
  const auto = ratio('watcher', 'snapshot');
  const check = ratio('check', 'snapshot');
  const cliRatio = ratio('cliIfChanged', 'cliSnapshot');
  console.log('');
  console.log(`median over ${ROUNDS} rounds (${FILES} files, nothing changed):`);
  console.log(`  real snapshot (in process)                 ${median(times.snapshot).toFixed(1)} ms`);
  console.log(`  automatic run, watcher sure ÷ snapshot     ${auto.toFixed(4)}   (${median(times.watcher).toFixed(2)} ms; target < ${AUTO_TARGET}: ${auto < AUTO_TARGET ? 'met' : 'NOT met'})`);
  console.log(`  automatic run, rsync check ÷ snapshot      ${check.toFixed(3)}   (${median(times.check).toFixed(1)} ms; the fallback when the watcher is unsure)`);
  console.log(
    `  CLI --if-changed ÷ CLI snapshot (process)  ${cliRatio.toFixed(3)}   (${median(times.cliIfChanged).toFixed(0)} vs ${median(times.cliSnapshot).toFixed(0)} ms; target < ${CLI_TARGET}: ${cliRatio < CLI_TARGET ? 'met' : 'NOT met'})`,
  );
  if (strict && (auto >= AUTO_TARGET || cliRatio >= CLI_TARGET)) process.exitCode = 1;
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
