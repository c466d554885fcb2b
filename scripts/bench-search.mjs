// Benchmark: searching every snapshot of a root vs `grep -r` over ONE snapshot (target: < 2× grep, for rg and Node).
// usage: node scripts/bench-search.mjs [--files N] [--snapshots N] [--rounds N] [--keep]
// Builds a workspace of N files (30 lines each) and takes the snapshots with real rsync --link-dest, a few files
// changed between them; then times, side by side and warm, `grep -r` over the newest snapshot and the search over all.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, bundledEngine, median, run, timed } from './lib/bench.mjs';
import { cacheDir } from './lib/vscode-server.mjs';

const FILES = arg('files', 20_000);
const SNAPSHOTS = arg('snapshots', 100);
const ROUNDS = arg('rounds', 5);
const PER_DIR = 50;
const CHANGED_PER_SNAPSHOT = 5;
const TARGET = 2;
const PATTERN = 'marker_4';

const { search } = await bundledEngine('search');

const pad = (n) => String(n).padStart(2, '0');
const snapshotName = (t) => `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}-${pad(t.getMinutes())}-${pad(t.getSeconds())}`;
const fileOf = (work, i) => path.join(work, `dir${Math.floor(i / PER_DIR)}`, `file${i % PER_DIR}.ts`);

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-search-'));
const work = path.join(base, 'work');
const root = path.join(base, 'root');
try {
  let started = Date.now();
  for (let i = 0; i < FILES; i++) {
    const file = fileOf(work, i);
    if (i % PER_DIR === 0) fs.mkdirSync(path.dirname(file), { recursive: true });
    let text = '';
    for (let l = 0; l < 30; l++) text += `export const value_${i}_${l} = compute(${l}, 'file ${i}') + offset; // line ${l}\n`;
    fs.writeFileSync(file, text);
  }
  fs.mkdirSync(root);
  let prev;
  const t0 = new Date(2026, 0, 1, 2, 0, 0);
  for (let s = 0; s < SNAPSHOTS; s++) {
    for (let k = 0; s > 0 && k < CHANGED_PER_SNAPSHOT; k++) fs.appendFileSync(fileOf(work, (s * 7919 + k * 104729) % FILES), `// change ${s}.${k} marker_${s}\n`);
    const name = snapshotName(new Date(t0.getTime() + s * 3600_000));
    await run('rsync', ['-a', ...(prev ? [`--link-dest=${path.join(root, prev)}`] : []), `${work}/`, path.join(root, name)]);
    prev = name;
  }
  fs.symlinkSync(prev, path.join(root, 'latest'));
  console.log(`built ${SNAPSHOTS} snapshots of ${FILES} files with rsync --link-dest in ${((Date.now() - started) / 1000).toFixed(0)} s (${root})`);

  const rgPath = ['@vscode/ripgrep/bin/rg', `@vscode/ripgrep-universal/bin/${process.platform}-${process.arch}/rg`]
    .map((p) => path.join(cacheDir, 'code-server/node_modules/code-server/lib/vscode/node_modules', p))
    .find((p) => fs.existsSync(p));
  const grepOne = () => {
    const r = spawnSync('grep', ['-r', '-I', '-n', '-F', '-e', PATTERN, path.join(root, prev)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`grep -r exited ${r.status}`);
  };
  const rounds = async (fn) => {
    const times = [];
    for (let r = 0; r < ROUNDS + 1; r++) {
      const ms = await timed(fn);
      if (r > 0) times.push(ms); // one warm-up round
    }
    return median(times);
  };
  const grepMs = await rounds(grepOne);
  console.log(`grep -r over ONE snapshot (${FILES} files): median ${grepMs.toFixed(0)} ms`);
  // The floor of any search that must know which snapshots hold a line: reading every snapshot's folders once (no stat, no content).
  const snapshots = fs
    .readdirSync(root)
    .filter((n) => n !== 'latest')
    .map((n) => path.join(root, n));
  const walkMs = await rounds(() => run('find', [...snapshots, '-xdev', '-type', 'f', '-printf', '%i %p\\0']));
  console.log(`  (walking all ${SNAPSHOTS} snapshots with find -printf, no search: median ${walkMs.toFixed(0)} ms = ${(walkMs / grepMs).toFixed(2)}× grep -r)`);
  let ok = true;
  for (const [label, options] of [
    [rgPath ? "ripgrep (VS Code's)" : 'ripgrep (on PATH)', rgPath ? { rgPath } : {}],
    ['Node search', { noRipgrep: true }],
  ]) {
    let report;
    const ms = await rounds(async () => {
      report = await search(root, { pattern: PATTERN }, options);
    });
    if (!report.results.length) throw new Error(`${label}: no results`);
    const ratio = ms / grepMs;
    ok &&= ratio < TARGET;
    console.log(
      `search over ${report.snapshots} snapshots with ${report.tool} (${report.files} files, ${report.contents} distinct contents, ${report.results.length} results): median ${ms.toFixed(0)} ms = ${ratio.toFixed(2)}× grep -r over one snapshot (target < ${TARGET}×)`,
    );
  }
  console.log(ok ? `OK: under ${TARGET}× grep -r` : `SLOW: over ${TARGET}× grep -r`);
  process.exitCode = ok ? 0 : 1;
} finally {
  if (!process.argv.includes('--keep')) fs.rmSync(base, { recursive: true, force: true });
}
