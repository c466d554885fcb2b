// Benchmark: our snapshot engine vs the seed's raw `rsync -a --link-dest=ROOT/latest SRC/ ROOT/NEW/`.
// usage: node scripts/bench-snapshot.mjs [--files N] [--rounds N] [--strict]   (npm run bench)
//
// Builds a tree of mixed file sizes, takes a baseline snapshot into two roots (ours and the seed's), then in each
// round changes 10 files and times, in alternating order, one snapshot by our engine (takeSnapshot, in process:
// lock, listing, rsync, rename, touch, latest swing, sidecar notes), one by our CLI (node dist/cli.js, node start-up
// included, for information) and the seed's bare rsync command. Prints medians and the median ratio (target ≤ 1.05).
// Also times the same bare rsync with -H (keep hard links) and -H -S (and sparse files) into roots of their own, so
// the cost of preserving hard links / sparse files is measured side by side (issue 12, item 6: on by default if < 10 %).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, bundledEngine, median, run, timed } from './lib/bench.mjs';
import { repoRoot as repo } from './lib/vscode-server.mjs';

const FILES = arg('files', 20000);
const ROUNDS = arg('rounds', 7);
const CHANGED = 10;
const TARGET = 1.05;
const strict = process.argv.includes('--strict');

// The engine, bundled exactly as dist/ bundles it, so it can be called in process.
const { takeSnapshot } = await bundledEngine('core');
const cli = path.join(repo, 'dist', 'cli.js');
if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run "node esbuild.mjs" first (npm run bench does).');

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-'));
try {
  const source = path.join(base, 'src');
  const ourRoot = path.join(base, 'ours');
  const cliRoot = path.join(base, 'cli');
  const seedRoot = path.join(base, 'seed');
  const hRoot = path.join(base, 'seed-H');
  const hsRoot = path.join(base, 'seed-HS');
  for (const d of [source, ourRoot, cliRoot, seedRoot, hRoot, hsRoot]) fs.mkdirSync(d);

  // Mixed sizes: mostly small text-like files, some medium, a few of 1 MiB.
  const sizes = [120, 800, 2500, 40, 9000, 300, 30000, 1500, 64, 5000];
  const rels = [];
  let totalBytes = 0;
  for (let i = 0; i < FILES; i++) {
    const rel = path.join(`dir${Math.floor(i / 400)}`, `sub${Math.floor(i / 50) % 8}`, `file-${i}.dat`);
    const size = i % 1000 === 999 ? 1 << 20 : sizes[i % sizes.length];
    fs.mkdirSync(path.join(source, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(source, rel), Buffer.alloc(size, `${i} `));
    rels.push(rel);
    totalBytes += size;
  }
  // A workspace keeps a few hard links (e.g. tool caches, `git worktree`s, `cp -al`): 1 in 100 files gets a second name.
  for (let i = 0; i < FILES; i += 100) fs.linkSync(path.join(source, rels[i]), path.join(source, `${rels[i]}.link`));
  console.log(`tree: ${FILES} files, ${(totalBytes / 1048576).toFixed(1)} MiB, under ${base}`);

  // Baselines (full copies), the seed's by its own commands.
  await takeSnapshot({ source, root: ourRoot });
  await run(process.execPath, [cli, 'snapshot', source, cliRoot]);
  for (const [r, extra] of [
    [seedRoot, []],
    [hRoot, ['-H']],
    [hsRoot, ['-H', '-S']],
  ]) {
    await run('rsync', ['-a', ...extra, `${source}/`, path.join(r, 'base') + '/']);
    fs.symlinkSync('base', path.join(r, 'latest'));
  }

  const runners = {
    engine: () => takeSnapshot({ source, root: ourRoot }),
    cli: () => run(process.execPath, [cli, 'snapshot', source, cliRoot]),
    seed: (round) => seedRun(seedRoot, [], round),
    seedH: (round) => seedRun(hRoot, ['-H'], round),
    seedHS: (round) => seedRun(hsRoot, ['-H', '-S'], round),
  };
  async function seedRun(r, extra, round) {
    const name = `round-${round}`;
    const t = await timed(() => run('rsync', ['-a', ...extra, `--link-dest=${r}/latest`, `${source}/`, `${r}/${name}/`]));
    // The rest of the seed script, untimed: touch and swing latest.
    const now = new Date();
    fs.utimesSync(path.join(r, name), now, now);
    fs.rmSync(path.join(r, 'latest'));
    fs.symlinkSync(name, path.join(r, 'latest'));
    return t;
  }

  const times = { engine: [], cli: [], seed: [], seedH: [], seedHS: [] };
  const ratios = [];
  const orders = [
    ['engine', 'seed', 'seedH', 'cli', 'seedHS'],
    ['seedHS', 'seed', 'engine', 'seedH', 'cli'],
    ['cli', 'seedH', 'seed', 'seedHS', 'engine'],
    ['seedH', 'seedHS', 'cli', 'engine', 'seed'],
  ];
  const isSeed = (who) => who.startsWith('seed');
  for (let round = 0; round <= ROUNDS; round++) {
    // Change the same 10 files in the (single) source: every contender sees the same delta against its latest.
    for (let k = 0; k < CHANGED; k++) {
      const rel = rels[(round * 7919 + k * 1999) % rels.length];
      fs.appendFileSync(path.join(source, rel), `changed in round ${round}\n`);
    }
    const t = {};
    for (const who of orders[round % orders.length]) t[who] = isSeed(who) ? await runners[who](round) : await timed(() => runners[who]());
    if (round === 0) {
      console.log(`warm-up round: engine ${t.engine.toFixed(0)} ms, cli ${t.cli.toFixed(0)} ms, seed ${t.seed.toFixed(0)} ms (not counted)`);
      continue;
    }
    for (const who of Object.keys(times)) times[who].push(t[who]);
    ratios.push(t.engine / t.seed);
    console.log(
      `round ${round}: engine ${t.engine.toFixed(0)} ms, cli ${t.cli.toFixed(0)} ms, seed rsync ${t.seed.toFixed(0)} ms, -H ${t.seedH.toFixed(0)} ms, -H -S ${t.seedHS.toFixed(0)} ms, engine/seed ${(t.engine / t.seed).toFixed(3)}`,
    );
  }

  // Sanity: our last snapshot really is hard-linked like the seed's.
  const ours = fs.readlinkSync(path.join(ourRoot, 'latest'));
  const unchanged = rels.find((_, i) => i % 1000 === 999);
  const links = fs.statSync(path.join(ourRoot, ours, unchanged)).nlink;
  if (links < ROUNDS + 1) throw new Error(`expected ${unchanged} to be hard-linked across ${ROUNDS + 2} snapshots, nlink=${links}`);

  const ratio = median(ratios);
  console.log('');
  console.log(`median over ${ROUNDS} rounds (${FILES} files, ${CHANGED} changed per round):`);
  console.log(`  our engine (takeSnapshot)      ${median(times.engine).toFixed(1)} ms`);
  console.log(`  our CLI (node dist/cli.js)     ${median(times.cli).toFixed(1)} ms   (includes node start-up)`);
  console.log(`  seed raw rsync --link-dest     ${median(times.seed).toFixed(1)} ms`);
  console.log(`  median ratio engine/seed       ${ratio.toFixed(3)}   (target ≤ ${TARGET}: ${ratio <= TARGET ? 'met' : 'NOT met'})`);
  console.log(`  median ratio cli/seed          ${median(times.cli.map((c, i) => c / times.seed[i])).toFixed(3)}`);
  const hRatio = median(times.seedH.map((h, i) => h / times.seed[i]));
  const hsRatio = median(times.seedHS.map((h, i) => h / times.seed[i]));
  console.log(`  rsync -H ÷ rsync (hard links)      ${hRatio.toFixed(3)}   (on by default when < 1.10: ${hRatio < 1.1 ? 'yes' : 'no'})`);
  console.log(`  rsync -H -S ÷ rsync (+ sparse)     ${hsRatio.toFixed(3)}   (on by default when < 1.10: ${hsRatio < 1.1 ? 'yes' : 'no'})`);
  if (strict && ratio > TARGET) process.exitCode = 1;
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
