// Scale benchmark: long histories and big roots, each figure beside the plain tool doing the same work, in one run.
// usage: node scripts/bench-scale.mjs [--history 10000] [--big-snapshots 100] [--big-files 10000] [--rounds 5] [--keep]
//   env BENCH_BIG_FILES / BENCH_BIG_SNAPSHOTS set the big root's size too (the 100 × 200,000 is heavy: the
//   default fits a 2-core machine in a few minutes; the size used is printed).
// Long history: 10,000 tiny snapshots (our names with notes, names the seed script's `date +%Y-%m-%dT%H-%M-%S` gives
// without notes, rsync-time-backup names), one hard-linked file each. Big root: one tree, then `cp -al` copies with a
// few files changed in each (what --link-dest leaves). Page caches are warm for both sides (dropping them needs root).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, bundledEngine, machineLine, median, medianOf, row, run, timed, withPeakMemory, writeManyFiles } from './lib/bench.mjs';
import { repoRoot } from './lib/vscode-server.mjs';

const HISTORY = arg('history', 10_000);
const BIG_SNAPSHOTS = arg('big-snapshots', Number(process.env.BENCH_BIG_SNAPSHOTS || 100));
const BIG_FILES = arg('big-files', Number(process.env.BENCH_BIG_FILES || 10_000));
const ROUNDS = arg('rounds', 5);
const LISTING_TARGET_MS = 100;
const LIST_PEAK_MIB = 120;
const PRUNE_SNAPSHOTS = arg('prune-snapshots', 13_000);

const core = await bundledEngine('scale');
const cli = path.join(repoRoot, 'dist', 'cli.js');
if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run "node esbuild.mjs" first (npm run bench does).');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-scale-'));
const pad = (n, w = 2) => String(n).padStart(w, '0');
const ours = (t) => `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}-${pad(t.getMinutes())}-${pad(t.getSeconds())}`;
const rtb = (t) => `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}-${pad(t.getHours())}${pad(t.getMinutes())}${pad(t.getSeconds())}`;
const node = (args) => run(process.execPath, [cli, ...args]);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    fs.rmSync(base, { recursive: true, force: true });
    process.exit(130);
  });

try {
  console.log(`bench-scale: ${machineLine()}`);

  // ── Long history ──────────────────────────────────────────────────────────────────────────────────────────────
  const history = path.join(base, 'history');
  const notesDir = path.join(history, '.rsync-snapshots.d');
  fs.mkdirSync(notesDir, { recursive: true });
  let t0 = Date.now();
  const shared = path.join(base, 'shared.txt');
  fs.writeFileSync(shared, 'the same file in every snapshot\n');
  const start = new Date(2020, 0, 1, 2, 0, 0).getTime();
  let newest;
  for (let i = 0; i < HISTORY; i++) {
    const t = new Date(start + i * 3_600_000);
    // A third each: ours (with notes), the seed script's (same format, no notes), rsync-time-backup's.
    const name = i % 3 === 2 ? rtb(t) : ours(t);
    fs.mkdirSync(path.join(history, name, 'src'), { recursive: true });
    fs.linkSync(shared, path.join(history, name, 'src', 'a.txt'));
    if (i % 3 === 0) fs.writeFileSync(path.join(notesDir, `${name}.json`), JSON.stringify({ trigger: 'interval', filesTotal: 2, filesTransferred: 0, bytesTransferred: 0 }));
    newest = name;
  }
  fs.symlinkSync(newest, path.join(history, 'latest'));
  console.log(`\nlong history: ${HISTORY} snapshots built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const listing = await core.listSnapshots(history);
  if (listing.snapshots.length !== HISTORY) throw new Error(`listed ${listing.snapshots.length} of ${HISTORY}`);
  row('', 'ours ms', 'plain ms', 'ratio');
  const listMs = await medianOf(ROUNDS * 2, () => core.listSnapshots(history));
  const readdirMs = await medianOf(ROUNDS * 2, () => fs.promises.readdir(history, { withFileTypes: true }));
  row(`listing in-process (target < ${LISTING_TARGET_MS} ms) vs readdir`, listMs.toFixed(1), readdirMs.toFixed(1), (listMs / readdirMs).toFixed(1));
  // Whole processes, side by side in turn (list, ls, bare node): wall ms beyond a bare `node -e 0`, and peak RSS.
  fs.rmSync(path.join(notesDir, 'notes-index.json'), { force: true });
  await new Promise((resolve) => setTimeout(resolve, 2100)); // notes written in the last 2 s are not cached yet
  const firstList = await withPeakMemory(process.execPath, [cli, 'list', history, '--json']); // builds the notes index
  const lists = [];
  const lss = [];
  const bare = [];
  for (let i = 0; i <= ROUNDS * 2; i++) {
    const runs = [await withPeakMemory(process.execPath, [cli, 'list', history, '--json']), await withPeakMemory('ls', ['-l', history]), await withPeakMemory(process.execPath, ['-e', '0'])];
    if (i === 0) continue; // warm-up
    lists.push(runs[0]);
    lss.push(runs[1]);
    bare.push(runs[2]);
  }
  const med = (xs, f) => median(xs.map(f));
  const [listWall, lsWall, bareWall] = [lists, lss, bare].map((xs) => med(xs, (x) => x.ms));
  const beyond = listWall - bareWall;
  const listTarget = 2 * lsWall + 50;
  const listPeak = Math.max(...lists.map((x) => x.peakKiB)) / 1024;
  row('', 'ours', 'plain', 'ratio');
  row('list --json ms beyond node -e 0 vs ls -l', beyond.toFixed(0), lsWall.toFixed(0), (beyond / lsWall).toFixed(1));
  row(`  target ≤ 2 × ls -l + 50 ms = ${listTarget.toFixed(0)} ms`, beyond <= listTarget ? 'OK' : 'MISSED', '', '');
  row('  whole process ms (list / node -e 0)', listWall.toFixed(0), bareWall.toFixed(0), '');
  row('  first listing (builds the notes index) ms', (firstList.ms - bareWall).toFixed(0), '', '');
  row(`  peak RSS MiB (target ≤ ${LIST_PEAK_MIB}) vs ls -l`, listPeak.toFixed(0), (Math.max(...lss.map((x) => x.peakKiB)) / 1024).toFixed(0), listPeak <= LIST_PEAK_MIB ? 'OK' : 'MISSED');
  row('', 'ours ms', 'plain ms', 'ratio');
  fs.rmSync(path.join(notesDir, 'usage-cache.json'), { force: true });
  const duFirst = await timed(() => node(['du', history, '--json']));
  const duCached = await medianOf(ROUNDS, () => node(['du', history, '--json']));
  const gnuDu = await medianOf(ROUNDS, () => run('du', ['-s', '--total', ...listing.snapshots.map((s) => s.path)]));
  row('du first run (fills the cache) vs GNU du -s --total', duFirst.toFixed(0), gnuDu.toFixed(0), (duFirst / gnuDu).toFixed(1));
  row('du cached, whole process vs GNU du -s --total', duCached.toFixed(0), gnuDu.toFixed(0), (duCached / gnuDu).toFixed(2));
  const pruneMs = await medianOf(ROUNDS, () => core.planPrune(history, { keepLast: 100 }));
  const plan = await core.planPrune(history, { keepLast: 100 });
  const pruneCli = await medianOf(ROUNDS, () => node(['prune', history, '--keep-last', '100', '--dry-run', '--json']));
  row(`prune plan ${HISTORY} → keep 100, in-process / whole process`, pruneMs.toFixed(0), pruneCli.toFixed(0), '');
  if (plan.delete.length !== HISTORY - 100) throw new Error(`the plan deletes ${plan.delete.length}, expected ${HISTORY - 100}`);
  console.log(`listing ${listMs < LISTING_TARGET_MS ? 'OK' : 'MISSED'} (${listMs.toFixed(1)} ms < ${LISTING_TARGET_MS} ms)`);
  // A prune plan of PRUNE_SNAPSHOTS (the 13,000): more of the same, then the CLI's dry run, whole process.
  for (let i = HISTORY; i < PRUNE_SNAPSHOTS; i++) {
    const name = ours(new Date(start + i * 3_600_000));
    fs.mkdirSync(path.join(history, name, 'src'), { recursive: true });
    fs.linkSync(shared, path.join(history, name, 'src', 'a.txt'));
    if (i % 3 === 0) fs.writeFileSync(path.join(notesDir, `${name}.json`), JSON.stringify({ trigger: 'interval', filesTotal: 2, filesTransferred: 0, bytesTransferred: 0 }));
  }
  if (PRUNE_SNAPSHOTS > HISTORY) {
    const pruneArgs = [cli, 'prune', history, '--keep-last', '10', '--dry-run'];
    await withPeakMemory(process.execPath, pruneArgs); // fills the usage cache and the notes index, as a first run does
    const prunes = [];
    for (let i = 0; i < ROUNDS; i++) prunes.push(await withPeakMemory(process.execPath, pruneArgs));
    row(`prune plan of ${PRUNE_SNAPSHOTS} (CLI dry run) ms, peak MiB`, median(prunes.map((x) => x.ms)).toFixed(0), (Math.max(...prunes.map((x) => x.peakKiB)) / 1024).toFixed(0), '');
  }
  fs.rmSync(history, { recursive: true, force: true });

  // ── Big root ──────────────────────────────────────────────────────────────────────────────────────────────────
  const big = path.join(base, 'big');
  const source = path.join(base, 'big-src');
  t0 = Date.now();
  const perDir = 200;
  writeManyFiles(source, BIG_FILES, 100, 4000, perDir);
  fs.mkdirSync(big);
  const first = await core.takeSnapshot({ source, root: big, now: new Date(2026, 0, 1, 2, 0, 0) });
  const names = [first.name];
  for (let k = 1; k < BIG_SNAPSHOTS; k++) {
    const name = ours(new Date(2026, 0, 1 + k, 2, 0, 0));
    execFileSync('cp', ['-al', path.join(big, names.at(-1)), path.join(big, name)]);
    for (let j = 0; j < 20; j++) {
      const i = (k * 7907 + j * 101) % BIG_FILES;
      const file = path.join(big, name, `d${Math.floor(i / perDir)}`, `f${i}.txt`);
      fs.rmSync(file);
      fs.writeFileSync(file, `snapshot ${k} changed ${i}\n`);
    }
    names.push(name);
  }
  fs.rmSync(path.join(big, 'latest'));
  fs.symlinkSync(names.at(-1), path.join(big, 'latest'));
  console.log(`\nbig root: ${BIG_SNAPSHOTS} snapshots × ${BIG_FILES} files (${(BIG_SNAPSHOTS * BIG_FILES).toLocaleString('en-US')} entries) built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  row('', 'ours', 'plain', 'ratio');
  const dirs = names.map((n) => path.join(big, n));
  await withPeakMemory('du', ['-s', '--total', ...dirs]); // warm the page cache for both
  fs.rmSync(path.join(big, '.rsync-snapshots.d', 'usage-cache.json'), { force: true });
  const ourDu = await withPeakMemory(process.execPath, [cli, 'du', big, '--json']);
  const gnu = await withPeakMemory('du', ['-s', '--total', ...dirs]);
  row('space report (du, no cache) ms vs GNU du -s --total', ourDu.ms.toFixed(0), gnu.ms.toFixed(0), (ourDu.ms / gnu.ms).toFixed(2));
  row('  peak memory MiB (largest process)', (ourDu.peakKiB / 1024).toFixed(0), (gnu.peakKiB / 1024).toFixed(0), (ourDu.peakKiB / gnu.peakKiB).toFixed(1));
  const [a, b] = [names[0], names.at(-1)];
  const rsyncPair = ['-a', '-n', '-i', '--delete', `${path.join(big, a)}/`, `${path.join(big, b)}/`];
  const changesMs = await medianOf(ROUNDS, () => core.changes(big, a, b));
  const rsyncMs = await medianOf(ROUNDS, () => run('rsync', rsyncPair));
  row(`changes ${a} → ${b} ms vs rsync -n -i`, changesMs.toFixed(0), rsyncMs.toFixed(0), (changesMs / rsyncMs).toFixed(2));
  // The workspace as a user has it: the snapshot's files (mtimes kept) with 20 edited since.
  const target = path.join(base, 'restore-target');
  execFileSync('cp', ['-a', path.join(big, a), target]);
  for (let j = 0; j < 20; j++)
    fs.appendFileSync(path.join(target, `d${j % Math.ceil(BIG_FILES / perDir)}`, `f${((j * 37) % Math.min(BIG_FILES, perDir)) + (j % Math.ceil(BIG_FILES / perDir)) * perDir}.txt`), 'edited\n');
  const previewMs = await medianOf(ROUNDS, () => core.planRestore({ root: big, snapshot: a, path: '.', target }));
  const rsyncPreview = await medianOf(ROUNDS, () => run('rsync', ['-a', '-n', '-i', '--checksum', `${path.join(big, a)}/`, `${target}/`]));
  row(`restore preview of ${BIG_FILES} files ms vs rsync -n -i --checksum`, previewMs.toFixed(0), rsyncPreview.toFixed(0), (previewMs / rsyncPreview).toFixed(2));
  console.log(
    `\nload after: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (other work on the machine adds noise; medians of ${ROUNDS} rounds)`,
  );
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${base}`);
  else fs.rmSync(base, { recursive: true, force: true });
}
