// Entry point VS Code loads as extensionTestsPath: runs every *.test.js next to this file with mocha
// inside the extension host, and writes a JSON summary to $RSYNC_SNAPSHOTS_TEST_RESULTS (set by
// scripts/run-vscode-tests.mjs; the extension host inherits it from the VS Code server).
import fs from 'node:fs';
import path from 'node:path';
import * as mochaModule from 'mocha';
import { stopSharedSshd } from '../support/sshd';

type MochaClass = typeof import('mocha');
// mocha 12 is an ES module whose CJS build exports the class as `.Mocha` (require(esm) gives the namespace).
const Mocha = (mochaModule as unknown as { Mocha: MochaClass }).Mocha;

export interface TestSummary {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
}

function writeSummary(summary: TestSummary): void {
  const file = process.env.RSYNC_SNAPSHOTS_TEST_RESULTS;
  if (file) fs.writeFileSync(file, JSON.stringify(summary, null, 2));
}

/** VS Code calls run() (with arguments of its own, ignored): this suite's folder. */
export function run(): Promise<void> {
  return runSuite(__dirname);
}

/** While developing: RSYNC_SNAPSHOTS_TEST_FILES=compare,restore runs only the test files whose path contains one of these. */
const onlyFiles = (process.env.RSYNC_SNAPSHOTS_TEST_FILES ?? '').split(',').filter(Boolean);

/** Runs every *.test.js under `dir` with mocha (or those RSYNC_SNAPSHOTS_TEST_FILES names). */
export async function runSuite(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000 });
  const files = fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => onlyFiles.length === 0 || onlyFiles.some((part) => f.includes(part)))
    .sort();
  const failures: TestSummary['failures'] = [];
  let stats: Mocha.Stats | undefined;
  try {
    if (files.length === 0) throw new Error(`no *.test.js files in ${dir}`);
    for (const file of files) mocha.addFile(path.join(dir, file));
    await mocha.loadFilesAsync();
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('fail', (test, err: Error) => failures.push({ title: test.fullTitle(), error: err?.message ?? String(err) }));
      stats = runner.stats;
    });
  } catch (err) {
    failures.push({ title: 'loading the extension tests', error: err instanceof Error ? err.message : String(err) });
  }
  await stopSharedSshd().catch(() => {}); // the run's one sshd, if a suite started it
  const failed = Math.max(stats?.failures ?? 0, failures.length);
  writeSummary({ passed: stats?.passes ?? 0, failed, pending: stats?.pending ?? 0, failures });
  if (failed > 0) throw new Error(`${failed} extension test(s) failed`);
}
