#!/usr/bin/env node
// The extension as a user gets it: packages the .vsix (vsce, as CI does), installs it with --install-extension into a
// pristine VS Code server (its own user data and extensions folder; no extensionDevelopmentPath, no test payload),
// opens a folder in headless Chromium and takes a snapshot in the Snapshots view, as a person would. Passes when
// the snapshot appears in the backup root and latest points at it. Prints the bundle and .vsix sizes.
// Writes {passed, failed, failures} to $RSYNC_SNAPSHOTS_TEST_RESULTS (npm test counts it); screenshot:
// test-artifacts/screenshots/vsix-installed.png.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, checkChromium, freePort, installExtension, repoRoot, setupHost, sleep, startServer, writeUserSettings } from './lib/vscode-server.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rsync-snapshots-vsix-'));
const shots = path.join(repoRoot, 'test-artifacts/screenshots');
const results = { passed: 0, failed: 0, pending: 0, failures: [] };
const kib = (file) => `${(fs.statSync(file).size / 1024).toFixed(0)} KiB`;

async function check(title, body) {
  try {
    await body();
    results.passed++;
    console.log(`  ✔ ${title}`);
  } catch (err) {
    await failureShot();
    results.failed++;
    results.failures.push({ title, error: err.message });
    console.log(`  ✖ ${title}\n    ${err.message}`);
  }
}

async function waitUntil(what, probe, timeoutMs) {
  for (const start = Date.now(); ; await sleep(250)) {
    const value = probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
  }
}

const vsix = path.join(tmp, 'rsync-snapshots.vsix');
const dataDir = path.join(tmp, 'server');
const workspace = path.join(tmp, 'my-project');
const backupRoot = path.join(tmp, 'backups');
let server;
let browser;
let failureShot = async () => {};
console.log('\n=== the packaged .vsix, installed into a pristine VS Code ===');
try {
  await check('packages the .vsix (vsce)', async () => {
    const pack = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--out', vsix], { cwd: repoRoot, encoding: 'utf8' });
    const dist = (file) => kib(path.join(repoRoot, 'dist', file));
    const sizes = pack.status === 0 ? `dist/extension.js ${dist('extension.js')}, dist/cli.js ${dist('cli.js')}, dist/webview/restore.js ${dist('webview/restore.js')}, .vsix ${kib(vsix)}` : '';
    // vsce's prepublish left a production (minified, no source maps) dist/: build the development one again, so a
    // suite run after this one tests what it would have tested before it.
    const rebuild = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`vsce package failed (exit ${pack.status}): ${(pack.stderr || pack.stdout).trim().split('\n').slice(-5).join(' | ')}`);
    if (rebuild.status !== 0) throw new Error(`node esbuild.mjs after packaging failed (exit ${rebuild.status}): ${rebuild.stderr.trim()}`);
    console.log(`  sizes (production bundle): ${sizes}`);
  });
  await check('installs it with --install-extension', async () => {
    if (!fs.existsSync(vsix)) throw new Error('no .vsix to install');
    setupHost();
    installExtension({ dataDir, vsix });
    const installed = fs.readdirSync(path.join(dataDir, 'extensions')).filter((d) => d.startsWith('rsync-snapshots.rsync-snapshots-'));
    if (installed.length !== 1) throw new Error(`expected the extension in ${path.join(dataDir, 'extensions')}, found: ${installed.join(', ') || 'nothing'}`);
    // What the package holds: the walkthrough's pages, but not the README's screenshots (the Marketplace takes those from the repository).
    const media = path.join(dataDir, 'extensions', installed[0], 'media');
    if (fs.readdirSync(path.join(media, 'walkthrough')).filter((f) => f.endsWith('.md')).length !== 6) throw new Error('the walkthrough pages are not in the package');
    if (fs.existsSync(path.join(media, 'screenshots'))) throw new Error('the README screenshots were packaged: keep them out (.vscodeignore)');
  });
  await check('opens a folder and takes a snapshot in the Snapshots view of the installed extension', async () => {
    if (!fs.existsSync(path.join(dataDir, 'extensions'))) throw new Error('not installed');
    checkChromium();
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'notes.md'), '# My notes\n');
    fs.mkdirSync(backupRoot);
    writeUserSettings(path.join(dataDir, 'user-data'), { 'rsyncSnapshots.backupRoot': backupRoot });
    const port = await freePort();
    server = await startServer({ dataDir, port, logFile: path.join(tmp, 'server.log') });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    failureShot = () => page.screenshot({ path: path.join(tmp, 'failure.png') }).catch(() => {});
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar').waitFor({ timeout: 30_000 });
    await sleep(3000); // the workbench settles (extensions scanned)
    const latest = path.join(backupRoot, 'latest');
    // As a person does: open the Snapshots view (activity bar), click "Snapshot Workspace" in it.
    await page.locator('.activitybar .action-item a[aria-label^="Snapshots"]').first().click();
    const button = page.locator('.welcome-view-content .monaco-button', { hasText: 'Snapshot Workspace' }).first();
    await button.waitFor({ timeout: 30_000 });
    await button.click();
    await waitUntil('the snapshot in the backup root', () => fs.existsSync(latest), 60_000);
    const name = fs.readlinkSync(latest);
    if (!/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/.test(name)) throw new Error(`latest points at ${name}`);
    if (fs.readFileSync(path.join(backupRoot, name, 'notes.md'), 'utf8') !== '# My notes\n') throw new Error('the snapshot does not hold the folder');
    await page
      .locator('.monaco-list-row', { hasText: name.slice(0, 10) })
      .first()
      .waitFor({ timeout: 30_000 }); // listed in the view
    await sleep(1000);
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'vsix-installed.png') });
    console.log(`  snapshot ${name} taken by the installed extension; screenshot test-artifacts/screenshots/vsix-installed.png`);
  });
} catch (err) {
  results.failed++;
  results.failures.push({ title: 'the .vsix run', error: err.message });
  console.error(`[vsix] ${err.message}`);
} finally {
  await browser?.close().catch(() => {});
  await server?.stop();
}
if (process.env.RSYNC_SNAPSHOTS_TEST_RESULTS) fs.writeFileSync(process.env.RSYNC_SNAPSHOTS_TEST_RESULTS, JSON.stringify(results, null, 2));
if (results.failed) console.error(`[vsix] kept ${tmp} (server.log, extensions) for inspection`);
else fs.rmSync(tmp, { recursive: true, force: true });
console.log(`[vsix] ${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
