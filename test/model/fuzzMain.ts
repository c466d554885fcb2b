/**
 * `npm run fuzz -- --histories N --seed S [--steps-per-history K] [--only 1,4,9] [--remote] [--no-tmpfs]
 * [--non-utf8] [--jobs J] [--minutes M] [--no-shrink]`: long runs of the model test (bundled and started by
 * scripts/fuzz.mjs). Seeds S, S+1, …; a failing history is shrunk and printed as a replay command.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addFigures, describeFigures, emptyFigures, Figures, HistoryOptions, replayCommand, runHistory, shrink } from './harness';
import { startSshd, TestSshd } from '../support/sshd';
import { closeConnections } from './engine';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      histories: { type: 'string', default: '100' },
      seed: { type: 'string' },
      'steps-per-history': { type: 'string', default: '30' },
      only: { type: 'string' },
      remote: { type: 'boolean', default: false },
      'no-tmpfs': { type: 'boolean', default: false },
      'non-utf8': { type: 'boolean', default: false },
      jobs: { type: 'string', default: '1' },
      minutes: { type: 'string' },
      'no-shrink': { type: 'boolean', default: false },
      cli: { type: 'string', default: path.resolve('dist/cli.js') },
      verbose: { type: 'boolean', default: false },
      'stats-file': { type: 'string' },
    },
  });
  const histories = Number(values.histories);
  const firstSeed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const steps = Number(values['steps-per-history']);
  const only = values.only ? values.only.split(',').map(Number) : undefined;
  const deadline = values.minutes ? Date.now() + Number(values.minutes) * 60_000 : Infinity;
  const jobs = Math.max(1, Number(values.jobs));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-fuzz-'));
  let sshd: TestSshd | undefined;
  if (values.remote) sshd = await startSshd();
  const total = emptyFigures();
  const started = Date.now();
  let next = 0;
  let made = 0;
  const failures: string[] = [];
  console.log(
    `fuzz: seeds ${firstSeed}…${firstSeed + histories - 1}, ${steps} steps each${values.remote ? ', remote root over the test sshd' : ''}${values['non-utf8'] ? ', non-UTF-8 names' : ''}, ${jobs} job(s)`,
  );
  const options = (seed: number): HistoryOptions => ({
    seed,
    steps,
    scratch: fs.mkdtempSync(path.join(base, `h${seed}-`)),
    cli: values.cli!,
    remote: sshd ? { host: sshd.host, sshCommand: sshd.sshCommand } : undefined,
    tmpfs: !values['no-tmpfs'],
    nonUtf8: values['non-utf8'],
    only,
    log: values.verbose ? (l) => console.log(l) : undefined,
  });
  const worker = async () => {
    while (next < histories && Date.now() < deadline) {
      const seed = firstSeed + next++;
      const o = options(seed);
      const f: Figures = await runHistory(o);
      addFigures(total, f);
      made++;
      for (const v of f.violations) {
        console.log(`\nVIOLATION seed ${seed} step ${v.step} (${v.op}): ${v.invariant}\n  ${v.detail}`);
        let line = replayCommand(seed, steps, undefined, Boolean(sshd));
        if (!values['no-shrink']) {
          const s = await shrink(o, v, 40, (n) => fs.mkdtempSync(path.join(base, `s${seed}-${n}-`)));
          line = replayCommand(seed, steps, s.steps, Boolean(sshd));
          console.log(`  shrunk to ${s.steps.length} step(s) in ${s.runs} re-runs: ${s.violation.invariant}: ${s.violation.detail.slice(0, 300)}`);
        }
        console.log(`  replay: ${line}`);
        failures.push(line);
      }
      if (made % 50 === 0) console.log(`… ${made} histories: ${describeFigures(total, Date.now() - started).split('\n')[0]}`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  await closeConnections();
  await sshd?.stop();
  fs.rmSync(base, { recursive: true, force: true });
  console.log(`\nfirst seed ${firstSeed}\n${describeFigures(total, Date.now() - started)}`);
  if (values['stats-file']) fs.writeFileSync(values['stats-file'], JSON.stringify({ firstSeed, ...total, ms: Date.now() - started }, null, 2));
  for (const f of failures) console.log(`replay: ${f}`);
  return total.violations.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
