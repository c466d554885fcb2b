#!/usr/bin/env node
// Benchmark: how long the restore webview (src/webview/restore.ts, built to dist/webview/restore.js) takes to render a plan of 10,000 changes,
// in headless Chromium, from the moment the plan message is posted until the script reports "rendered".
// Target: < 1000 ms. Also prints how many rows exist in the DOM (the list is virtualized).
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const N = Number(process.env.ITEMS || 10_000);
const ROUNDS = Number(process.env.ROUNDS || 5);
const kinds = ['overwrite', 'create', 'delete', 'symlink', 'mkdir'];
const items = Array.from({ length: N }, (_, i) => {
  const kind = kinds[i % kinds.length];
  return { path: `src/module-${Math.floor(i / 100)}/file-${i}.ts`, kind, isDir: kind === 'mkdir', changes: kind === 'overwrite' ? { size: true, time: true } : {}, code: '>f.st......' };
});
const counts = Object.fromEntries(kinds.map((k) => [k, items.filter((i) => i.kind === k).length]));
const plan = {
  version: 1,
  id: 'bench',
  createdAt: new Date().toISOString(),
  root: '/r',
  snapshot: '2026-06-17T02-00-01',
  relativePath: '.',
  sourcePath: '/r/2026-06-17T02-00-01',
  sourceType: 'folder',
  target: '/w',
  targetDir: '/w',
  delete: false,
  commandLine: 'rsync -a --dry-run …',
  items,
  counts,
  dirTimeUpdates: [],
  warnings: [],
  targetFingerprint: 'x',
};

const css = fs.readFileSync('media/restore.css', 'utf8');
const script = fs.readFileSync('dist/webview/restore.js', 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const times = [];
let domRows = 0;
try {
  for (let round = 0; round < ROUNDS; round++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const fakeApi = 'window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });';
    await page.setContent(`<html><head><style>${css}</style><script>${fakeApi}</script></head><body><main id="app"></main></body></html>`);
    await page.addScriptTag({ content: script });
    const ms = await page.evaluate(
      (p) =>
        new Promise((resolve) => {
          const start = performance.now();
          window.postMessage({ type: 'plan', plan: p, asCopy: false }, '*');
          const poll = () => {
            const hit = window.__posted.find((m) => m.type === 'rendered');
            if (hit) requestAnimationFrame(() => resolve(performance.now() - start));
            else setTimeout(poll, 1);
          };
          poll();
        }),
      plan,
    );
    domRows = await page.evaluate(() => document.querySelectorAll('.row').length);
    times.push(ms);
    await page.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  `restore webview: ${N} planned changes rendered in ${median.toFixed(0)} ms (median of ${ROUNDS}; min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}); ${domRows} rows in the DOM; target < 1000 ms → ${median < 1000 ? 'OK' : 'OVER'}`,
);
