// Benchmark: what a content-true restore costs (issue 12, item 1).
// usage: node scripts/bench-restore.mjs [--files N] [--rounds N]   (npm run bench, npm run bench:restore)
//
// A restore compares with rsync --checksum (and --modify-window=-1) so that a file rewritten with its size and mtime
// kept is restored, never called identical. --checksum reads every file of equal size on both sides of what the
// restore covers. This times, in alternating order and in one run, the restore preview (dry run) of a 20,000-file
// workspace with 10 changed files, for a whole-snapshot, a one-folder (1/50 of the files) and a one-file restore:
// the old quick-check command (rsync -a) against the content-true one (rsync -a -H -S --checksum --modify-window=-1),
// and our planRestore() (which runs the latter) in process. Prints medians and the ratios. Files are in the page cache
// (just written): a cold cache costs more, bounded by reading both trees once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as bench from './lib/bench.mjs';
import { arg, bundledEngine, median, timed } from './lib/bench.mjs';

const FILES = arg('files', 20000);
const ROUNDS = arg('rounds', 5);
const { takeSnapshot, planRestore } = await bundledEngine('restore');
const run = (cmd, args) => bench.run(cmd, args, { ...process.env, LC_ALL: 'C' });

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-restore-'));
try {
  const ws = path.join(base, 'ws');
  const root = path.join(base, 'root');
  const sizes = [120, 800, 2500, 40, 9000, 300, 30000, 1500, 64, 5000];
  const rels = [];
  let totalBytes = 0;
  for (let i = 0; i < FILES; i++) {
    const rel = path.join(`dir${Math.floor(i / 400)}`, `sub${Math.floor(i / 50) % 8}`, `file-${i}.dat`);
    const size = i % 1000 === 999 ? 1 << 20 : sizes[i % sizes.length];
    fs.mkdirSync(path.join(ws, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), Buffer.alloc(size, `${i} `));
    rels.push(rel);
    totalBytes += size;
  }
  fs.mkdirSync(root);
  const snap = await takeSnapshot({ source: ws, root });
  for (let k = 0; k < 10; k++) fs.appendFileSync(path.join(ws, rels[(k * 1999) % rels.length]), 'changed\n');
  console.log(`workspace: ${FILES} files, ${(totalBytes / 1048576).toFixed(1)} MiB, 10 changed since snapshot ${snap.name}, under ${base}`);

  const source = path.join(root, snap.name);
  const oneFile = rels[1999];
  const scopes = {
    'whole snapshot': { src: `${source}/`, dst: `${ws}/`, rel: '.', target: ws },
    'one folder (400 files)': { src: `${source}/dir4/`, dst: `${ws}/dir4/`, rel: 'dir4', target: path.join(ws, 'dir4') },
    'one file': { src: path.join(source, oneFile), dst: path.join(ws, oneFile), rel: oneFile, target: path.join(ws, oneFile) },
  };
  const quick = (s) => run('rsync', ['-a', '--dry-run', '--itemize-changes', '--out-format=%i %n', '--', s.src, s.dst]);
  const exact = (s) => run('rsync', ['-a', '-H', '-S', '--checksum', '--modify-window=-1', '--dry-run', '--itemize-changes', '--out-format=%i %n', '--', s.src, s.dst]);
  const engine = async (s) => {
    const plan = await planRestore({ root, snapshot: snap.name, path: s.rel, target: s.target });
    if (s.rel === '.' && plan.counts.overwrite !== 10) throw new Error(`expected 10 overwrites, got ${JSON.stringify(plan.counts)}`);
  };

  const results = [];
  for (const [name, s] of Object.entries(scopes)) {
    const times = { quick: [], exact: [], engine: [] };
    const orders = [
      ['quick', 'exact', 'engine'],
      ['exact', 'engine', 'quick'],
      ['engine', 'quick', 'exact'],
    ];
    for (let round = 0; round <= ROUNDS; round++) {
      const t = {};
      for (const who of orders[round % orders.length]) t[who] = await timed(() => (who === 'quick' ? quick(s) : who === 'exact' ? exact(s) : engine(s)));
      if (round === 0) continue; // warm-up
      for (const who of Object.keys(times)) times[who].push(t[who]);
    }
    const ratio = median(times.exact.map((e, i) => e / times.quick[i]));
    results.push({ name, quick: median(times.quick), exact: median(times.exact), engine: median(times.engine), ratio });
  }
  console.log('');
  console.log(`restore preview, median over ${ROUNDS} rounds:      rsync -a (quick check)   content-true rsync   planRestore()   content-true ÷ quick`);
  for (const r of results)
    console.log(`  ${r.name.padEnd(24)} ${r.quick.toFixed(1).padStart(22)} ms ${r.exact.toFixed(1).padStart(17)} ms ${r.engine.toFixed(1).padStart(12)} ms ${r.ratio.toFixed(2).padStart(14)}`);
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
