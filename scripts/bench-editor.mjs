// Benchmark: a big workspace in the editor (issue 16). usage: node scripts/bench-editor.mjs [--files N] [--large-mb N] [--rounds N]
//   (npm run bench; BENCH_EDITOR_FILES and BENCH_EDITOR_LARGE_MB set the same knobs)
//
// Builds a big tree (by default 100,000 small files in 500 folders plus 3 large files), then measures side by side:
// 1. Progress cadence: takeSnapshot (in process, as the editor calls it) with onProgress, for a full copy and for an
//    incremental snapshot (10 files changed): time to the first update, median and max gap between updates, and the
//    gap from the last update to the end (target: every gap ≤ 1 s); for rsync's updates (a line per file) and for
//    those the editor shows (throttleProgress, as the snapshot command uses it).
// 2. Cancel: a full copy's AbortSignal is aborted after 1.5 s; time until the promise settles and until no rsync
//    process of it is left (read from /proc), target ≤ 1 s; no half-made snapshot folder is left and `latest` is unchanged.
// 3. Tree refresh: the listing of a root (what the Snapshots view shows) holding N snapshots of the big tree vs one
//    holding N snapshots of a 10-file tree; the ratio should be ~1 (the listing never walks a snapshot's files).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, bundledEngine, machineLine, median, row, timed, writeManyFiles } from './lib/bench.mjs';

const FILES = arg('files', Number(process.env.BENCH_EDITOR_FILES ?? 100000));
const LARGE_MB = arg('large-mb', Number(process.env.BENCH_EDITOR_LARGE_MB ?? 100));
const ROUNDS = arg('rounds', 15);
const LARGE = 3;
const CANCEL_AFTER_MS = 1500;
const TARGET_MS = 1000;

const { takeSnapshot, listSnapshots } = await bundledEngine('core');
const { throttleProgress } = await bundledEngine('progressThrottle', 'src/core/util/progressThrottle.ts');

/** Pids of this process's descendants whose program is rsync, from /proc (running ones; a zombie counts as gone). */
function rsyncDescendants() {
  const parents = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const [state, ppid] = stat.slice(close + 2).split(' ');
      parents.set(Number(entry), { ppid: Number(ppid), comm, state });
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of parents) {
      if (mine.has(pid) || !mine.has(p.ppid)) continue;
      mine.add(pid);
      grew = true;
    }
  }
  return [...mine].filter((pid) => parents.get(pid)?.comm === 'rsync' && parents.get(pid)?.state !== 'Z');
}

function alive(pid) {
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Update times (ms from t0) → time to the first update, median and max gap, and the wait from the last one to `total`. */
function cadence(stamps, total) {
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
  return { updates: stamps.length, first: stamps[0] ?? total, medianGap: gaps.length ? median(gaps) : NaN, maxGap: gaps.length ? Math.max(...gaps) : NaN, tail: total - (stamps.at(-1) ?? 0) };
}

/** One snapshot with onProgress: the cadence of rsync's updates and of those the editor shows (throttled as it does). */
async function progressRun(source, root) {
  const raw = [];
  const shown = [];
  const t0 = performance.now();
  const show = throttleProgress(() => shown.push(performance.now() - t0));
  await takeSnapshot({
    source,
    root,
    createRoot: true,
    onProgress: (p) => {
      raw.push(performance.now() - t0);
      show(p);
    },
  });
  const total = performance.now() - t0;
  return { total, raw: cadence(raw, total), shown: cadence(shown, total) };
}

const fmt = (ms) => (Number.isNaN(ms) ? '–' : `${ms.toFixed(0)} ms`);

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-editor-'));
try {
  const big = path.join(base, 'big');
  const small = path.join(base, 'small');
  writeManyFiles(big, FILES, 40, 4000, 200);
  for (let i = 0; i < LARGE; i++) {
    const fd = fs.openSync(path.join(big, `large-${i}.bin`), 'w');
    const chunk = Buffer.alloc(1 << 20, i + 1);
    for (let mb = 0; mb < LARGE_MB; mb++) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
  }
  writeManyFiles(small, 10, 40, 400);
  console.log(`big tree: ${FILES} small files (40 B–4 KB) + ${LARGE} × ${LARGE_MB} MiB; ${machineLine()}`);

  // 1. Progress cadence.
  const bigRoot = path.join(base, 'root-big');
  const full = await progressRun(big, bigRoot);
  for (let k = 0; k < 10; k++) fs.appendFileSync(path.join(big, 'd0', `f${k}.txt`), 'changed\n');
  const incremental = await progressRun(big, bigRoot);
  console.log('');
  row('progress updates (target: every gap ≤ 1 s)', 'full: rsync', 'shown', 'incr.: rsync', 'shown');
  const both = (key) => [full.raw[key], full.shown[key], incremental.raw[key], incremental.shown[key]];
  row('  snapshot time', fmt(full.total), '', fmt(incremental.total), '');
  row('  updates', ...both('updates'));
  row('  time to first update', ...both('first').map(fmt));
  row('  median gap between updates', ...both('medianGap').map(fmt));
  row('  max gap between updates', ...both('maxGap').map(fmt));
  row('  last update to the end', ...both('tail').map(fmt));
  const worst = Math.max(...[full.shown, incremental.shown].flatMap((c) => [c.first, c.maxGap || 0, c.tail]));
  console.log(`  longest wait without an update: ${fmt(worst)} (target ≤ ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'NOT met'})`);

  // 2. Cancel a full copy after 1.5 s.
  const cancelRoot = path.join(base, 'root-cancel');
  await takeSnapshot({ source: small, root: cancelRoot, createRoot: true });
  const latestBefore = fs.readlinkSync(path.join(cancelRoot, 'latest'));
  const entriesBefore = fs.readdirSync(cancelRoot).sort().join('\n');
  const controller = new AbortController();
  const seen = new Set();
  let settledAt;
  const t0 = performance.now();
  const snapshot = takeSnapshot({ source: big, root: cancelRoot, signal: controller.signal }).then(
    () => 'finished',
    (err) => err.code ?? err.message,
  );
  void snapshot.then(() => (settledAt = performance.now()));
  while (performance.now() - t0 < CANCEL_AFTER_MS) {
    for (const pid of rsyncDescendants()) seen.add(pid);
    await new Promise((r) => setTimeout(r, 20));
  }
  if (settledAt !== undefined) console.log(`\n(the snapshot finished before the abort: make the tree bigger with --files)`);
  const abortedAt = performance.now();
  controller.abort();
  let goneAt;
  while (goneAt === undefined || settledAt === undefined) {
    if (goneAt === undefined && ![...seen].some(alive)) goneAt = performance.now();
    if (performance.now() - abortedAt > 30000) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const outcome = await snapshot;
  const entriesAfter = fs.readdirSync(cancelRoot).sort().join('\n');
  console.log('');
  row(`cancel after ${CANCEL_AFTER_MS} ms (target ≤ ${TARGET_MS} ms)`, 'ms');
  row(`  rsync processes seen before the abort`, seen.size);
  row('  abort → promise settled', settledAt === undefined ? '> 30 s' : (settledAt - abortedAt).toFixed(0));
  row('  abort → no rsync process left', goneAt === undefined ? '> 30 s' : (goneAt - abortedAt).toFixed(0));
  row('  outcome', outcome);
  row('  no half-made snapshot folder left', entriesAfter === entriesBefore ? 'yes' : 'no');
  row('  latest unchanged', fs.readlinkSync(path.join(cancelRoot, 'latest')) === latestBefore ? 'yes' : 'no');
  if (entriesAfter !== entriesBefore) console.log(`  root before: ${entriesBefore.split('\n').join(' ')}\n  root after:  ${entriesAfter.split('\n').join(' ')}`);

  // 3. Tree refresh: listing a root of the big tree's snapshots vs one of the small tree's, same number of snapshots.
  const smallRoot = path.join(base, 'root-small');
  const snapshots = (await listSnapshots(bigRoot)).snapshots.length;
  for (let i = 0; i < snapshots; i++) {
    fs.appendFileSync(path.join(small, 'd0', 'f0.txt'), 'changed\n');
    await takeSnapshot({ source: small, root: smallRoot, createRoot: true, now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) });
  }
  const times = { small: [], big: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const who of r % 2 ? ['big', 'small'] : ['small', 'big']) times[who].push(await timed(() => listSnapshots(who === 'big' ? bigRoot : smallRoot)));
  }
  const listSmall = median(times.small);
  const listBig = median(times.big);
  console.log('');
  row(`tree refresh: root listing, ${snapshots} snapshots each (median of ${ROUNDS})`, 'ms');
  row('  root of a 10-file workspace', listSmall.toFixed(2));
  row(`  root of the ${FILES}-file workspace`, listBig.toFixed(2));
  row('  ratio big ÷ small (should be ~1)', (listBig / listSmall).toFixed(2));
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
