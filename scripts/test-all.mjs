#!/usr/bin/env node
// npm test: build, then the core suite (mocha, plain Node), the extension suite (in a real VS
// Code, scripts/run-vscode-tests.mjs) and the packaged .vsix installed into a pristine VS Code (scripts/run-vsix-test.mjs). Each suite writes a JSON summary {passed, failed, ...};
// a suite that crashes or cannot start counts as at least 1 failed.
// The last line printed is always "N passed, N failed" (summed); exit code 1 if anything failed.
// Before the suites: the system packages, the build and the VS Code server (installed once into .vscode-test/, shared
// by every suite that needs it: the extension and .vsix suites, and the core search test's ripgrep). Each suite still
// sets up what it needs itself, so any one passes alone and in any order:
//   TEST_SUITES=vsix,core         only those suites, in that order
//   TEST_SUITE_ORDER=reverse      vsix, extension, core
// The time of each step and suite is printed above the summary line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages, SYSTEM_PACKAGES } from './lib/system-packages.mjs';
import { setupHost } from './lib/vscode-server.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rsync-snapshots-test-'));
const results = [];
const times = [];
const SUITES = {
  core: ['node_modules/mocha/bin/mocha.js', '--config', '.mocharc.json', '--reporter', 'scripts/lib/mocha-summary-reporter.mjs', ...(process.stdout.isTTY ? [] : ['--no-color'])],
  extension: ['scripts/run-vscode-tests.mjs'],
  vsix: ['scripts/run-vsix-test.mjs'], // packages the .vsix, then rebuilds dist/ for development again
};

/** The suites to run, in order: TEST_SUITES (a comma list), else all; TEST_SUITE_ORDER=reverse turns the order round. */
function suiteOrder() {
  const names = process.env.TEST_SUITES
    ? process.env.TEST_SUITES.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : Object.keys(SUITES);
  const unknown = names.filter((n) => !SUITES[n]);
  if (unknown.length) throw new Error(`TEST_SUITES: unknown suite ${unknown.join(', ')} (known: ${Object.keys(SUITES).join(', ')})`);
  return process.env.TEST_SUITE_ORDER === 'reverse' ? names.reverse() : names;
}

/** Runs `body`, recording how long it took under `name`. */
function timed(name, body) {
  const t0 = Date.now();
  try {
    return body();
  } finally {
    times.push({ name, seconds: (Date.now() - t0) / 1000 });
  }
}

/** Runs `node args…` in the repo with inherited output; returns its exit status (non-zero on signal). */
function node(args, env = {}) {
  const run = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  return run.status ?? 1;
}

function suite(name, args) {
  console.log(`\n=== ${name} suite ===`);
  const file = path.join(tmp, `${name}.json`);
  const status = timed(`${name} suite`, () => node(args, { RSYNC_SNAPSHOTS_TEST_RESULTS: file }));
  let summary;
  try {
    summary = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    /* no summary: crashed or never started */
  }
  const passed = summary?.passed ?? 0;
  const failed = Math.max(summary?.failed ?? 0, status !== 0 ? 1 : 0);
  if (!summary) console.error(`[${name}] no test summary (exit ${status}): counted as 1 failed`);
  results.push({ name, passed, failed });
}

let order = [];
let ready = true;
try {
  order = suiteOrder();
  timed('system packages', () => ensureSystemPackages(Object.values(SYSTEM_PACKAGES)));
} catch (err) {
  console.error(`[setup] ${err.message}`);
  ready = false;
}
console.log('=== build ===');
const built = ready && timed('build', () => node(['esbuild.mjs']) === 0 && node(['esbuild.mjs', '--tests']) === 0);
if (built && !process.env.VSCODE_EXECUTABLE) {
  // One install for every suite that needs the server; each suite's own setupHost() then finds it cached.
  console.log('=== VS Code server ===');
  try {
    timed('VS Code server install', () => setupHost());
  } catch (err) {
    console.error(`[setup] ${err.message}`); // the suites that need it report their own failure
  }
}
if (!ready) {
  results.push({ name: 'setup', passed: 0, failed: 1 });
} else if (!built) {
  console.error('[build] failed: no suite run');
  results.push({ name: 'build', passed: 0, failed: 1 });
} else {
  for (const name of order) suite(name, SUITES[name]);
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('');
for (const t of times) console.log(`[time] ${t.name}: ${t.seconds.toFixed(0)} s`);
for (const r of results) console.log(`[${r.name}] ${r.passed} passed, ${r.failed} failed`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
