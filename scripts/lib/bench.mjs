// Shared by the benchmarks: options, timing, medians, child processes, and the engine bundled for in-process calls.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from './vscode-server.mjs';

/** `--name N` from the command line, else the fallback. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Milliseconds `fn` took. */
export async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs a command to its end (output discarded); rejects with its stderr when it fails. */
export function run(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/** The engine as the tests call it (test/support/core.ts: specs in, the real openRoot inside; or another test support module), bundled to .bench/NAME.cjs. */
export async function bundledEngine(name, entry = 'test/support/core.ts') {
  const outfile = path.join(repoRoot, '.bench', `${name}.cjs`);
  await esbuild.build({ entryPoints: [path.join(repoRoot, entry)], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, logLevel: 'warning' });
  return createRequire(import.meta.url)(outfile);
}

/**
 * Runs a command under `/usr/bin/time -f`: wall milliseconds (timed here, to the microsecond: time's own %e counts
 * hundredths) and the peak resident memory (KiB) of it or its largest child, plus its stdout.
 */
export function withPeakMemory(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'rs-bench-time %e %M', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const m = /rs-bench-time ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !m) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, peakKiB: Number(m[2]), stdout });
    });
  });
}

/** Median of `rounds` timings of `fn` (ms), after one warm-up run. */
export async function medianOf(rounds, fn) {
  await fn();
  const xs = [];
  for (let i = 0; i < rounds; i++) xs.push(await timed(fn));
  return median(xs);
}

/** One line of a side-by-side table: label, then figures. */
export function row(label, ...cells) {
  console.log(`${label.padEnd(52)} ${cells.map((c) => String(c).padStart(12)).join(' ')}`);
}

/** The machine and its noise, for the figures' context. */
export function machineLine() {
  return `${os.availableParallelism()} CPUs, load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}, node ${process.version}`;
}

/** `count` files of varied sizes (from `minSize`, spread by `spread`) under dir, 200 a folder (d0/f0.txt …). */
export function writeManyFiles(dir, count, minSize, spread, perDir = 200) {
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${i}.txt`), Buffer.alloc(minSize + ((i * 7919) % spread), i % 251));
  }
}
