// Benchmark: versions() of one file across a root of 1,000 hard-linked snapshots (target: median < 100 ms), then the
// history targets: a file with 3,000 distinct versions listed in < 300 ms (in-process and as a whole `rsync-snapshots
// versions` process, beside a bare `node` start measured in the same run), and 1,000 snapshots of an unchanged file
// in < 50 ms.
// Then `changes` between the first and the 200th snapshot of a seed-script root (real rsync --link-dest, 5,000 files, a
// few edits per snapshot): with change sets cached, with --full-walk, and `rsync -n -i` of the same pair, whole
// processes side by side (plus the one-time cost of computing the 199 sets).
// usage: node scripts/bench-versions.mjs [--snapshots N] [--rounds N] [--keep] [--changes-only]
// Bundles the engine (versions) to .bench/versions.js, builds the roots in a temp folder with real hard links
// (like `cp -al`), changes the tracked file in a few snapshots, and prints the median of several timed rounds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledEngine, median, run, timed } from './lib/bench.mjs';
import { repoRoot } from './lib/vscode-server.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SNAPSHOTS = arg('--snapshots', 1000);
const ROUNDS = arg('--rounds', 15);
const TARGET_MS = 100;
const TRACKED = 'docs/report.txt';

const { versions } = await bundledEngine('versions');

const pad = (n, w = 2) => String(n).padStart(w, '0');
const snapshotName = (t) => `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}-${pad(t.getMinutes())}-${pad(t.getSeconds())}`;

/** A small tree: 3 folders, 30 files, plus the tracked file. */
function seedTree(dir) {
  for (let d = 0; d < 3; d++) {
    fs.mkdirSync(path.join(dir, `dir${d}`), { recursive: true });
    for (let f = 0; f < 10; f++) fs.writeFileSync(path.join(dir, `dir${d}`, `f${f}.txt`), `file ${d}/${f}\n`.repeat(20));
  }
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(path.join(dir, TRACKED), 'version 0\n');
}

/** `cp -al from to`: same folders, every file a hard link. */
function linkTree(from, to) {
  fs.mkdirSync(to);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(a, b);
    else fs.linkSync(a, b);
  }
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-versions-'));
const root = path.join(base, 'root');
fs.mkdirSync(root);
let expectedVersions = 1;
if (process.argv.includes('--changes-only')) {
  try {
    await changesBench(base);
  } finally {
    if (!process.argv.includes('--keep')) fs.rmSync(base, { recursive: true, force: true });
  }
  process.exit();
}
try {
  const started = Date.now();
  const t0 = new Date(2026, 0, 1, 2, 0, 0);
  let prev;
  for (let i = 0; i < SNAPSHOTS; i++) {
    const name = snapshotName(new Date(t0.getTime() + i * 3600_000));
    const dir = path.join(root, name);
    if (!prev) seedTree(dir);
    else linkTree(prev, dir);
    const tracked = path.join(dir, TRACKED);
    if (i > 0 && i % 100 === 0) {
      // an edit: new content, new inode (rsync writes a new file)
      fs.rmSync(tracked);
      fs.writeFileSync(tracked, `version ${i}\n`);
      fs.utimesSync(tracked, new Date(t0.getTime() + i * 1000), new Date(t0.getTime() + i * 1000));
      expectedVersions++;
    } else if (i > 0 && i % 250 === 50) {
      // a touch-only change: rsync copies it (new inode, same bytes, new mtime) — forces a content compare
      const content = fs.readFileSync(tracked);
      fs.rmSync(tracked);
      fs.writeFileSync(tracked, content);
    }
    prev = dir;
  }
  fs.symlinkSync(path.basename(prev), path.join(root, 'latest'));
  console.log(`built ${SNAPSHOTS} snapshots in ${Date.now() - started} ms (${root})`);

  const time = async (options) => {
    const runs = [];
    let history;
    for (let r = 0; r < ROUNDS + 2; r++) {
      const t = process.hrtime.bigint();
      history = await versions(root, TRACKED, options);
      if (r >= 2) runs.push(Number(process.hrtime.bigint() - t) / 1e6); // two warm-up rounds
    }
    runs.sort((a, b) => a - b);
    return { median: runs[Math.floor(runs.length / 2)], min: runs[0], max: runs[runs.length - 1], history };
  };

  const plain = await time({});
  if (plain.history.versions.length !== expectedVersions) throw new Error(`expected ${expectedVersions} versions, got ${plain.history.versions.length}`);
  const working = await time({ workingFolder: prev });
  if (!working.history.versions[working.history.versions.length - 1].current) throw new Error('the newest version should be current');
  const fmt = (r) => `median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}, ${ROUNDS} rounds)`;
  console.log(`versions(${TRACKED}) over ${SNAPSHOTS} snapshots → ${plain.history.versions.length} versions: ${fmt(plain)}`);
  console.log(`  with workingFolder (current marker): ${fmt(working)}`);
  let ok = plain.median < TARGET_MS && working.median < TARGET_MS;
  console.log(ok ? `OK: under the ${TARGET_MS} ms target` : `SLOW: over the ${TARGET_MS} ms target`);
  ok = (await historyTargets(base)) && ok;
  await changesBench(base);
  process.exitCode = ok ? 0 : 1;
} finally {
  if (!process.argv.includes('--keep')) fs.rmSync(base, { recursive: true, force: true });
}

/** A root of `count` snapshots holding only docs/report.txt: a new inode with new content (same size) in each, or one hard-linked copy. */
function historyRoot(dir, count, distinct) {
  fs.mkdirSync(dir);
  const t0 = new Date(2025, 0, 1, 2, 0, 0);
  let prev;
  for (let i = 0; i < count; i++) {
    const snap = path.join(dir, snapshotName(new Date(t0.getTime() + i * 3600_000)));
    fs.mkdirSync(path.join(snap, 'docs'), { recursive: true });
    const file = path.join(snap, TRACKED);
    if (prev && !distinct) fs.linkSync(prev, file);
    else {
      fs.writeFileSync(file, `first line\nversion ${String(i).padStart(6, '0')}\nlast line\n`);
      fs.utimesSync(file, new Date(t0.getTime() + i * 1000), new Date(t0.getTime() + i * 1000));
    }
    prev = file;
  }
}

async function historyTargets(base) {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run "node esbuild.mjs" first (npm run bench does)');
  const cases = [
    { name: '3,000 distinct versions', count: 3000, distinct: true, targetMs: 300 },
    { name: '1,000 snapshots, file unchanged', count: 1000, distinct: false, targetMs: 50 },
  ];
  const nodeStart = await medianOf(() => run(process.execPath, ['-e', '0']));
  let ok = true;
  for (const c of cases) {
    const dir = path.join(base, `history-${c.count}-${c.distinct ? 'distinct' : 'same'}`);
    historyRoot(dir, c.count, c.distinct);
    let history;
    const inProcess = await medianOf(async () => (history = await versions(dir, TRACKED)));
    const expected = c.distinct ? c.count : 1;
    if (history.versions.length !== expected) throw new Error(`${c.name}: expected ${expected} versions, got ${history.versions.length}`);
    const wholeProcess = await medianOf(() => run(process.execPath, [cli, 'versions', dir, TRACKED, '--json']));
    const pass = inProcess < c.targetMs;
    ok &&= pass;
    console.log(
      `${c.name}: versions() median ${inProcess.toFixed(1)} ms (target < ${c.targetMs} ms: ${pass ? 'OK' : 'SLOW'}); ` +
        `whole \`rsync-snapshots versions\` process ${wholeProcess.toFixed(0)} ms = ${(wholeProcess / nodeStart).toFixed(2)}× a bare node start (${nodeStart.toFixed(0)} ms, same run)`,
    );
  }
  return ok;
}

async function medianOf(fn, rounds = Math.min(ROUNDS, 7)) {
  await fn(); // warm-up
  const runs = [];
  for (let r = 0; r < rounds; r++) runs.push(await timed(fn));
  return median(runs);
}

/** `changes A B` over CHANGES_SNAPSHOTS seed-script snapshots, a near pair and a far one: with change sets vs a full walk vs rsync -n -i. */
async function changesBench(base) {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run "node esbuild.mjs" first (npm run bench does)');
  const count = arg('--changes-snapshots', 200);
  const dir = path.join(base, 'changes-root');
  const src = path.join(base, 'changes-src');
  const env = { ...process.env, XDG_CACHE_HOME: path.join(base, 'changes-cache') };
  fs.mkdirSync(dir);
  for (let d = 0; d < 25; d++) {
    fs.mkdirSync(path.join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 200; f++) fs.writeFileSync(path.join(src, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`.repeat(8));
  }
  const t0 = new Date(2026, 0, 1, 2, 0, 0);
  const names = [];
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    if (i > 0) for (let k = 0; k < 10; k++) fs.writeFileSync(path.join(src, `d${(i + k) % 25}`, `f${(i * 7 + k) % 200}.txt`), `edit ${i}/${k}\n`);
    if (i > 0) fs.writeFileSync(path.join(src, `d${i % 25}`, `new${i}.txt`), `new ${i}\n`);
    if (i > 1) fs.rmSync(path.join(src, `d${(i - 1) % 25}`, `new${i - 1}.txt`));
    const name = snapshotName(new Date(t0.getTime() + i * 3600_000));
    const link = names.length ? [`--link-dest=${path.join(dir, names[names.length - 1])}`] : [];
    await run('rsync', ['-a', ...link, `${src}/`, `${path.join(dir, name)}/`]);
    names.push(name);
  }
  console.log(`changes: ${count} seed-script snapshots of 5,000 files built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const nodeStart = await medianOf(() => run(process.execPath, ['-e', '0']));
  const beyond = (ms) => Math.max(ms - nodeStart, 0.1);
  // A near pair (10 apart): its neighbours' sets computed once (as the view's "Changed in this snapshot" does), then read.
  const near = [names[count - 11], names[count - 1]];
  let computing = 0;
  for (let i = count - 10; i < count; i++) computing += await timed(() => run(process.execPath, [cli, 'changes', dir, names[i - 1], names[i]], env));
  // Far apart (the first and the last): beyond 64 snapshots the sets are not read, so both are the full walk.
  const far = [names[0], names[count - 1]];
  for (const [what, [a, b]] of [
    ['10 apart', near],
    [`${count - 1} apart`, far],
  ]) {
    const cached = await medianOf(() => run(process.execPath, [cli, 'changes', dir, a, b], env));
    const full = await medianOf(() => run(process.execPath, [cli, 'changes', dir, a, b, '--full-walk'], env));
    const rsync = await medianOf(() => run('rsync', ['-a', '-n', '-i', '--delete', `${path.join(dir, b)}/`, `${path.join(dir, a)}/`]));
    console.log(`  ${what}: whole processes, medians: node -e 0 ${nodeStart.toFixed(0)} ms, with sets ${cached.toFixed(0)} ms, --full-walk ${full.toFixed(0)} ms, rsync -n -i ${rsync.toFixed(0)} ms`);
    console.log(
      `  ${what}: ratios: sets ÷ full walk ${(cached / full).toFixed(2)} (beyond node start ${(beyond(cached) / beyond(full)).toFixed(2)}), ` +
        `sets ÷ rsync -n -i ${(cached / rsync).toFixed(2)}, full walk ÷ rsync -n -i ${(full / rsync).toFixed(2)}`,
    );
  }
  console.log(`  computing the 10 neighbour sets on first use: ${computing.toFixed(0)} ms in all`);
}
