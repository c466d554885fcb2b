#!/usr/bin/env node
// npm test: build, then the core suite (mocha, plain Node), the extension suite (in a real VS
// Code, scripts/run-vscode-tests.mjs) and the packaged .vsix installed into a pristine VS Code (scripts/run-vsix-test.mjs). Each suite writes a JSON summary {passed, failed, ...};
// a suite that crashes or cannot start counts as at least 1 failed.
// The last line printed is always "N passed, N failed" (summed); exit code 1 if anything failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages, SYSTEM_PACKAGES } from './lib/system-packages.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rsync-snapshots-test-'));
const results = [];

/** Runs `node args…` in the repo with inherited output; returns its exit status (non-zero on signal). */
function node(args, env = {}) {
  const run = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  return run.status ?? 1;
}

function suite(name, args) {
  console.log(`\n=== ${name} suite ===`);
  const file = path.join(tmp, `${name}.json`);
  const status = node(args, { RSYNC_SNAPSHOTS_TEST_RESULTS: file });
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

let ready = true;
try {
  ensureSystemPackages(Object.values(SYSTEM_PACKAGES));
} catch (err) {
  console.error(`[setup] ${err.message}`);
  ready = false;
}
console.log('=== build ===');
const built = ready && node(['esbuild.mjs']) === 0 && node(['esbuild.mjs', '--tests']) === 0;
if (!ready) {
  results.push({ name: 'setup', passed: 0, failed: 1 });
} else if (!built) {
  console.error('[build] failed: no suite run');
  results.push({ name: 'build', passed: 0, failed: 1 });
} else {
  suite('core', ['node_modules/mocha/bin/mocha.js', '--config', '.mocharc.json', '--reporter', 'scripts/lib/mocha-summary-reporter.mjs', ...(process.stdout.isTTY ? [] : ['--no-color'])]);
  suite('extension', ['scripts/run-vscode-tests.mjs']);
  suite('vsix', ['scripts/run-vsix-test.mjs']); // last: packaging rebuilds dist/ for production
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('');
for (const r of results) console.log(`[${r.name}] ${r.passed} passed, ${r.failed} failed`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
