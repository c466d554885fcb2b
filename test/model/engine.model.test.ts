import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildCli } from '../support/cliBundle';
import { startSshd, TestSshd } from '../support/sshd';
import { tempDirs } from '../support/fixtures';
import { closeConnections } from './engine';
import { at, capture } from './model';
import { addFigures, describeFigures, emptyFigures, Figures, generate, HistoryOptions, KNOWN, replayCommand, runHistory, shrink } from './harness';

/**
 * The CI budget of the model test (test/model/harness.ts): a fixed set of seeds, plus a few fresh ones printed so a
 * failure can be replayed (`npm run fuzz -- --seed S …`). Long runs: `npm run fuzz -- --histories N --seed S`.
 */
const FIXED_SEEDS = Array.from({ length: 36 }, (_, i) => 17_000 + i);
const FRESH = 6;
const STEPS = 25;
const REMOTE_SEEDS = [17_500, 17_501, 17_502];
const REMOTE_STEPS = 10;
const JOBS = 2;

describe('model test: random histories of the whole engine against a model', function () {
  this.timeout(600_000);
  const tmp = tempDirs();
  let cli: string;
  let base: string;
  const total = emptyFigures();
  let started = 0;

  before(async () => {
    started = Date.now();
    base = tmp.make('rs-model');
    cli = await buildCli(tmp.make('rs-model-cli'));
  });
  after(async () => {
    console.log(`      model test, all histories: ${describeFigures(total, Date.now() - started).replace(/\n/g, '\n      ')}`);
    await tmp.cleanup();
  });

  const options = (seed: number, extra: Partial<HistoryOptions> = {}): HistoryOptions => ({
    seed,
    steps: STEPS,
    scratch: fs.mkdtempSync(path.join(base, `h${seed}-`)),
    cli,
    tmpfs: true,
    ...extra,
  });

  /** Runs the seeds (JOBS at a time); a violation is shrunk and reported with its replay command. */
  async function runSeeds(seeds: number[], extra: Partial<HistoryOptions> = {}): Promise<Figures> {
    const figures = emptyFigures();
    const queue = [...seeds];
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: JOBS }, async () => {
        for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
          const o = options(seed, extra);
          const f = await runHistory(o);
          addFigures(figures, f);
          for (const v of f.violations) {
            const s = await shrink(o, v, 25, (n) => fs.mkdtempSync(path.join(base, `s${seed}-${n}-`)));
            failures.push(
              `seed ${seed} step ${v.step} (${v.op}): ${v.invariant}: ${v.detail}\n  shrunk to ${s.steps.length} step(s): ${s.violation.detail.slice(0, 300)}\n  replay: ${replayCommand(seed, o.steps, s.steps, Boolean(o.remote))}`,
            );
          }
        }
      }),
    );
    addFigures(total, figures);
    assert.deepEqual(failures, [], failures.join('\n'));
    return figures;
  }

  it(`${FIXED_SEEDS.length} fixed seeds × ${STEPS} steps (local root, kills, small tmpfs now and then): every invariant holds`, async () => {
    const t0 = Date.now();
    const f = await runSeeds(FIXED_SEEDS);
    console.log(`      ${describeFigures(f, Date.now() - t0).replace(/\n/g, '\n      ')}`);
    // The budget must really exercise the faults, or it proves nothing.
    assert.ok(f.steps >= FIXED_SEEDS.length * STEPS * 0.9, 'steps ran');
    assert.ok(f.killsMidRun >= 10, `kills landed mid-run: ${f.killsMidRun}`);
    assert.ok(f.checks > f.steps * 5, 'invariants were checked');
    assert.ok(f.lockFaults >= 1 && f.lockRuns >= f.lockFaults, `hostile lock files met by runs: ${f.lockFaults} (${f.lockRuns} runs)`);
    for (const k of ['lockSymlink', 'lockDangling', 'lockFifo', 'lockFolder'] as const) assert.ok(f[k] >= 1, `a hostile lock file of each kind: ${k} ${f[k]}`);
    assert.ok(f.linkFaults >= 1 && f.linkReplaced + f.linkRefused === f.linkFaults, `workspace folders replaced by a link, each restored or refused: ${f.linkFaults}`);
    assert.ok(f.linkUndone >= 1, `a restore that replaced a workspace link was undone: ${f.linkUndone}`);
  });

  it(`${FRESH} fresh seeds (printed: replay any with npm run fuzz -- --seed S --histories 1 --steps-per-history ${STEPS})`, async () => {
    const first = Math.floor(Math.random() * 2 ** 30);
    const seeds = Array.from({ length: FRESH }, (_, i) => first + i);
    console.log(`      fresh seeds ${seeds.join(', ')}`);
    await runSeeds(seeds);
  });

  describe('remote root over the real sshd (127.0.0.1)', () => {
    let sshd: TestSshd;
    before(async () => {
      sshd = await startSshd();
    });
    after(async () => {
      await closeConnections();
      await sshd?.stop();
    });

    it(`${REMOTE_SEEDS.length} seeds × ${REMOTE_STEPS} steps against host:/path`, async () => {
      const t0 = Date.now();
      const f = await runSeeds(REMOTE_SEEDS, { steps: REMOTE_STEPS, remote: { host: sshd.host, sshCommand: sshd.sshCommand } });
      console.log(`      ${describeFigures(f, Date.now() - t0).replace(/\n/g, '\n      ')}`);
      assert.ok(f.steps >= REMOTE_SEEDS.length * REMOTE_STEPS * 0.9);
    });
  });

  describe('self-checks: the harness sees a broken invariant', () => {
    it('one byte of a snapshot copy corrupted in a throwaway root is reported, shrunk to a short replayable step list, and replays', async () => {
      // After every chmod, flip one byte of a file in the newest snapshot (same size): the engine did nothing wrong,
      // but the root no longer holds what was recorded, and the harness must say so.
      const sabotage: HistoryOptions['sabotage'] = ({ step, localRoot, snapshots }) => {
        if (step.op !== 'chmod' || !snapshots.length) return;
        const dir = path.join(localRoot, [...snapshots].sort().pop()!);
        const file = [...capture(dir)].find(([, e]) => e.t === 'f' && e.data.length > 0)?.[0];
        if (file === undefined) return;
        const p = at(dir, file);
        const st = fs.statSync(p);
        const data = fs.readFileSync(p);
        data[0] ^= 0xff;
        fs.chmodSync(p, 0o644);
        fs.writeFileSync(p, data);
        fs.chmodSync(p, st.mode & 0o7777);
        fs.utimesSync(p, st.atime, st.mtime);
      };
      const seed = firstSeedWith(['snapshot', 'chmod'], 40);
      const o = options(seed, { steps: 40, sabotage, tmpfs: false });
      const f = await runHistory(o);
      assert.equal(f.violations.length, 1, JSON.stringify(f.violations));
      assert.equal(f.violations[0].invariant, 'every snapshot equals its recorded tree');
      assert.equal(f.violations[0].op, 'chmod');
      const s = await shrink({ ...o, tmpfs: false }, f.violations[0], 40, (n) => fs.mkdtempSync(path.join(base, `self-${n}-`)));
      assert.ok(s.steps.length <= 3, `shrunk to ${s.steps.join(',')}`);
      const ops = generate(seed, 40, false)
        .steps.filter((x) => s.steps.includes(x.index))
        .map((x) => x.op);
      assert.ok(ops.includes('chmod') && (ops.includes('snapshot') || ops.includes('snapshotKill') || ops.some((op) => op.startsWith('restore'))), ops.join(','));
      console.log(`      shrunk to steps ${s.steps.join(',')} (${ops.join(', ')}) in ${s.runs} re-runs; replay: ${replayCommand(seed, 40, s.steps, false)}`);
      // The shrunk list replays to the same violation.
      const again = await runHistory({ ...options(seed, { steps: 40, sabotage, tmpfs: false }), only: s.steps });
      assert.equal(again.violations[0]?.invariant, 'every snapshot equals its recorded tree');
    });

    it('the old lock handling (a symlink followed and truncated, a FIFO opened blocking, a folder ignored) is reported at the fault', async () => {
      // A CLI that behaves as the engine did before issue 24 whenever the lock file is not a regular file, and is the
      // real CLI otherwise: the harness must stop at the hostile lock step, within its time bound.
      const fake = path.join(tmp.make('rs-model-fake'), 'old-lock-cli.js');
      fs.writeFileSync(fake, oldLockCli(cli));
      const caught = new Set<string>();
      for (const seed of seedsWith(['lockFault'], 30, 3)) {
        const f = await runHistory(options(seed, { steps: 30, cli: fake, tmpfs: false, lockRunBoundMs: 2000 }));
        assert.equal(f.violations.length, 1, JSON.stringify(f.violations));
        assert.equal(f.violations[0].op, 'lockFault');
        assert.ok(LOCK_INVARIANTS.includes(f.violations[0].invariant), f.violations[0].invariant);
        caught.add(f.violations[0].invariant);
      }
      console.log(`      caught: ${[...caught].join('; ')}`);
      assert.ok(caught.size >= 2, [...caught].join('; '));
    });

    it('a write through a workspace link into the folder it points at is reported', async () => {
      // After each workspace-link fault, change the victim folder as a restore writing through the link would.
      const sabotage: HistoryOptions['sabotage'] = ({ step, victims }) => {
        if (step.op !== 'wsLink') return;
        for (const dir of victims.linkFolders) fs.appendFileSync(path.join(dir, 'victim-only.txt'), 'written through the link\n');
      };
      for (const seed of seedsWith(['snapshot', 'wsLink'], 40, 8)) {
        const f = await runHistory(options(seed, { steps: 40, sabotage, tmpfs: false }));
        if (!f.linkFaults) continue;
        assert.equal(f.violations.length, 1, JSON.stringify(f.violations));
        assert.equal(f.violations[0].op, 'wsLink');
        assert.equal(f.violations[0].invariant, 'a restore never writes through a workspace link: the folder it pointed at is byte-identical');
        console.log(`      seed ${seed} step ${f.violations[0].step}: ${f.violations[0].detail.slice(0, 160)}`);
        return;
      }
      assert.fail('no seed put a workspace link in place');
    });

    it('the KNOWN size+mtime findings become violations when the strict flag is flipped', async () => {
      let checked = 0;
      for (const seed of FIXED_SEEDS) {
        const loose = await runHistory(options(seed, { tmpfs: false }));
        const known = loose.known.filter((k) => k.label === KNOWN.claims && k.op !== 'restoreKill' && k.op !== 'snapshotKill');
        if (!known.length || loose.violations.length) continue;
        const strict = await runHistory(options(seed, { tmpfs: false, strict: { contentClaims: true } }));
        assert.ok(strict.violations.length >= 1, `seed ${seed}: strict run reports a violation`);
        assert.match(strict.violations[0].detail, /now strict/);
        console.log(`      seed ${seed}: ${known.length} known finding(s) loose → violation strict: ${strict.violations[0].invariant}`);
        if (++checked === 1) break;
      }
      assert.ok(checked >= 1, 'a fixed seed produced a KNOWN size+mtime finding to flip');
    });
  });
});

/** The first seed (from 1) whose history holds all these ops within `steps` steps, in this order. */
function firstSeedWith(ops: string[], steps: number): number {
  return seedsWith(ops, steps, 1)[0];
}

/** The first `n` seeds (from 1) whose histories hold all these ops within `steps` steps, in this order. */
function seedsWith(ops: string[], steps: number, n: number): number[] {
  const seeds: number[] = [];
  for (let seed = 1; seeds.length < n; seed++) {
    const list = generate(seed, steps, false).steps.map((s) => s.op);
    let at = 0;
    for (const op of list) if (op === ops[at]) at++;
    if (at >= ops.length) seeds.push(seed);
  }
  return seeds;
}

/** What the harness reports when a run mishandles a hostile lock file. */
const LOCK_INVARIANTS = [
  'a hostile lock file never hangs a run',
  'a hostile lock file never changes a file outside the root',
  'a hostile lock file never creates a file outside the root',
  'a run refuses a hostile lock file (exit 1)',
  'the refusal names the lock file',
];

/**
 * A CLI with the lock handling of before issue 24, for the self-check: when ROOT/.rsync-snapshots.lock is not a regular
 * file, snapshot, prune and doctor write it through a symlink (truncating or creating what it points at), open a FIFO
 * for reading (blocking until a writer comes), or ignore a folder, and exit 0. Anything else goes to the real CLI.
 */
function oldLockCli(realCli: string): string {
  return `const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const [cmd, ...rest] = process.argv.slice(2);
const root = cmd === 'snapshot' ? rest[1] : cmd === 'prune' || cmd === 'doctor' ? rest[0] : undefined;
const lock = root && root + '/.rsync-snapshots.lock';
const st = lock ? fs.lstatSync(lock, { throwIfNoEntry: false }) : undefined;
if (st && !st.isFile()) {
  if (st.isSymbolicLink()) fs.writeFileSync(lock, '');
  else if (st.isFIFO()) fs.openSync(lock, 'r');
  process.exit(0);
}
const r = spawnSync(process.execPath, [${JSON.stringify(realCli)}, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
`;
}
