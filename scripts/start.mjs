#!/usr/bin/env node
// npm start: opens the extension (built in dist/) in a real VS Code on a demo workspace whose backup
// root already holds 3 snapshots. Demo data lives in .vscode-test/demo/ (git-ignored) and is reused.
// - desktop `code` on PATH: `code --extensionDevelopmentPath=<repo> --user-data-dir … <workspace>`
// - else: the VS Code server from code-server on 127.0.0.1, with the extension installed from this checkout and
//   without the tests' smoke-test driver (which hides notifications); prints the URL, runs until Ctrl-C.
// options: --server  use the VS Code server even if `code` is installed
//          --check   (or CI=true) start the server, check the workbench answers, the extension loads and a snapshot's
//                    notification shows; exit 0 / 1
// env:     PORT (default 8765, another free port if taken)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, cacheDir, checkChromium, freePort, repoRoot, setupHost, startServer, workbenchUrl, writeUserSettings } from './lib/vscode-server.mjs';
import { ensureSystemPackages, SYSTEM_PACKAGES } from './lib/system-packages.mjs';

const check = process.argv.includes('--check') || process.env.CI === 'true';
const forceServer = process.argv.includes('--server');
const demo = path.join(cacheDir, 'demo');
const workspace = path.join(demo, 'workspace');
const backups = path.join(demo, 'backups');
const cli = path.join(repoRoot, 'dist/cli.js');
const SNAPSHOT_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}$/;

try {
  ensureSystemPackages([SYSTEM_PACKAGES.rsync, SYSTEM_PACKAGES.flock, SYSTEM_PACKAGES.krb5, ...(check ? [SYSTEM_PACKAGES.chromium] : [])]);
  makeDemo();
  const code = !check && !forceServer && findOnPath('code');
  if (code) openDesktop(code);
  else await runServer();
} catch (err) {
  console.error(`[start] ${err.message}`);
  process.exit(1);
}

function makeDemo() {
  if (!fs.existsSync(workspace)) {
    write('README.md', '# Demo workspace\n\nEdit files here, then run "Snapshot Workspace" from the Snapshots view.\n');
    write('src/greet.ts', 'export function greet(name: string): string {\n  return `Hello, ${name}`;\n}\n');
    write('notes/journal.md', '# Journal\n');
  }
  const count = () => (fs.existsSync(backups) ? fs.readdirSync(backups).filter((n) => SNAPSHOT_NAME.test(n)).length : 0);
  for (let n = count(); n < 3; n = count()) {
    if (n > 0) {
      fs.appendFileSync(path.join(workspace, 'notes/journal.md'), `- edit ${n} at ${new Date().toLocaleTimeString()}\n`);
      sleepSync(1100); // snapshot names have 1 s resolution
    }
    const run = spawnSync(process.execPath, [cli, 'snapshot', workspace, backups, '--create'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) throw new Error(`${cli} snapshot failed (exit ${run.status}); is the CLI built (node esbuild.mjs)?`);
  }
  console.log(`[start] demo workspace ${workspace}, backup root ${backups} (${count()} snapshots)`);
}

function write(rel, content) {
  fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
  fs.writeFileSync(path.join(workspace, rel), content);
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return path.join(dir, name);
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function openDesktop(code) {
  const userData = path.join(demo, 'desktop-user-data');
  writeUserSettings(userData, { 'rsyncSnapshots.backupRoot': backups });
  console.log(`[start] opening the demo in ${code}`);
  const run = spawnSync(code, [`--extensionDevelopmentPath=${repoRoot}`, '--user-data-dir', userData, '--new-window', workspace], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`${code} exited with ${run.status ?? run.signal}; try "npm start -- --server"`);
}

async function runServer() {
  setupHost();
  const dataDir = path.join(demo, 'server');
  // The demo lives inside this checkout: Git's "open the repository in a parent folder?" would only be noise.
  writeUserSettings(path.join(dataDir, 'user-data'), { 'rsyncSnapshots.backupRoot': backups, 'git.openRepositoryInParentFolders': 'never' });
  const logFile = path.join(demo, 'server.log');
  installFromRepo(path.join(dataDir, 'extensions'));
  // No smoke-test driver: it would suppress notifications (progress with Cancel, summaries).
  const server = await startServer({ dataDir, port: await freePort(Number(process.env.PORT || 8765)), logFile });
  const url = workbenchUrl(server.base, server.port, workspace);
  if (check) {
    try {
      await checkWorkbench(url);
    } finally {
      await server.stop();
    }
    return;
  }
  console.log(`\n[start] VS Code (with the extension from ${repoRoot}) is running. Open in a browser:\n\n  ${url}\n`);
  console.log(`[start] server log: ${logFile}. Press Ctrl-C to stop.`);
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => {
      server.stop().finally(() => process.exit(0));
    });
  const exit = await server.exited;
  throw new Error(`the VS Code server stopped (${exit}), see ${logFile}`);
}

/**
 * The server refuses --extensionDevelopmentPath and honours the URL payload only with the smoke-test driver,
 * so the extension is "installed" instead: the extensions dir's manifest points at this checkout (dist/ is
 * what runs), and the server loads it like any installed extension. Rewritten on each start.
 */
function installFromRepo(extensionsDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const entry = {
    identifier: { id: `${manifest.publisher}.${manifest.name}` },
    version: manifest.version,
    location: { $mid: 1, scheme: 'file', path: repoRoot },
    metadata: { installedTimestamp: Date.now(), source: 'vsix' },
  };
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(path.join(extensionsDir, 'extensions.json'), JSON.stringify([entry]));
}

/** --check: the URL answers with the workbench page, headless Chromium renders it, the extension is loaded and its notifications show. */
async function checkWorkbench(url) {
  const res = await fetch(url);
  const html = await res.text();
  if (!res.ok || !html.includes('workbench')) throw new Error(`${url} answered ${res.status} without the workbench page`);
  console.log(`[start] check: ${url.split('?')[0]} answers HTTP ${res.status} with the workbench page`);
  checkChromium();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench .activitybar', { timeout: 60_000 });
    const png = path.join(repoRoot, 'test-artifacts/screenshots/start-check.png');
    fs.mkdirSync(path.dirname(png), { recursive: true });
    try {
      await page.locator('.activitybar [aria-label^="Snapshots"]').first().click({ timeout: 30_000 });
      // An edit first, as a person would make one: with nothing changed the extension asks "take one anyway?" instead.
      fs.appendFileSync(path.join(workspace, 'notes/journal.md'), `- checked at ${new Date().toLocaleTimeString()}\n`);
      // A real snapshot from the view's title button: its progress (with Cancel) pops up, then its summary
      // ("Snapshot 2026-11-30 16:36:46: 1 file copied …"), which the smoke-test driver would have hidden.
      // With two views in the container, the view's actions sit in its pane header and show on hover, as for a person.
      const header = page.locator('.pane-header', { hasText: 'Snapshots' }).first();
      await header.hover({ timeout: 30_000 });
      await header.locator('[aria-label^="Snapshot Workspace"]').first().click({ timeout: 30_000 });
      await page
        .locator('.notifications-toasts .notification-toast', { hasText: /Snapshot \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: / })
        .first()
        .waitFor({ timeout: 60_000 });
    } finally {
      await page.screenshot({ path: png });
    }
    console.log(`[start] check: the extension is loaded and its notification shows (screenshot ${path.relative(repoRoot, png)})`);
  } finally {
    await browser.close();
  }
}
