#!/usr/bin/env node
// Runs the extension test suite (out/test/extension/index.js) inside a real VS Code.
// - VSCODE_EXECUTABLE set (a desktop VS Code build): @vscode/test-electron's runTests with it.
// - otherwise, offline: the VS Code server from code-server (installed/cached by
//   scripts/setup-vscode-host.sh) + headless Chromium driven by playwright-core.
// Each run gets a fresh copy of test/fixtures/workspace and an empty backup root in a temp dir.
//
// env: TEST_TIMEOUT_S (default 600), CHROMIUM (default /usr/bin/chromium), VSCODE_TEST_CACHE,
//      RSYNC_SNAPSHOTS_TEST_RESULTS (where the JSON summary goes; default: a temp file).
// Screenshots: a test logs `[[screenshot:NAME]]`; the runner saves test-artifacts/screenshots/NAME.png,
// then writes NAME.done next to it (tests get the artifacts folder in RSYNC_SNAPSHOTS_ARTIFACTS).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import {
  CHROMIUM, CHROMIUM_ARGS, checkChromium, freePort, repoRoot, setupHost, sleep, startServer, workbenchUrl, writeUserSettings,
} from './lib/vscode-server.mjs';

const TIMEOUT_MS = 1000 * Number(process.env.TEST_TIMEOUT_S || 600);
const started = Date.now(); // TEST_TIMEOUT_S counts from here (setup included)
const testsPath = path.join(repoRoot, 'out/test/extension/index');
const artifacts = path.join(repoRoot, 'test-artifacts');
const shots = path.join(artifacts, 'screenshots');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rsync-snapshots-vscode-'));
const workspace = path.join(tmp, 'workspace');
const backupRoot = path.join(tmp, 'backups');
const resultsFile = path.resolve(process.env.RSYNC_SNAPSHOTS_TEST_RESULTS || path.join(tmp, 'results.json'));
fs.rmSync(resultsFile, { force: true });
fs.cpSync(path.join(repoRoot, 'test/fixtures/workspace'), workspace, { recursive: true });
fs.mkdirSync(backupRoot);
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });
const testEnv = { RSYNC_SNAPSHOTS_TEST_RESULTS: resultsFile, RSYNC_SNAPSHOTS_ARTIFACTS: artifacts };
const userSettings = { 'rsyncSnapshots.backupRoot': backupRoot };

let problem; // why the run failed apart from failing tests
try {
  if (!fs.existsSync(`${testsPath}.js`)) throw new Error(`${testsPath}.js not found: build first (node esbuild.mjs --tests)`);
  if (process.env.VSCODE_EXECUTABLE) await runWithElectron();
  else await runWithServer();
} catch (err) {
  problem = err.message;
}

const summary = readSummary();
if (!summary && !problem) problem = 'no test summary arrived from the extension host';
if (problem) console.error(`[runner] FAILED: ${problem}`);
const failed = summary ? summary.failed : 0;
const ok = !problem && summary && failed === 0;
if (ok) fs.rmSync(tmp, { recursive: true, force: true });
else console.error(`[runner] kept ${tmp} (server.log, user-data/logs, workspace, backups) for inspection`);
console.log(`[extension] ${summary?.passed ?? 0} passed, ${summary ? failed : 1} failed`);
process.exit(ok ? 0 : 1);

function readSummary() {
  try { return JSON.parse(fs.readFileSync(resultsFile, 'utf8')); } catch { return undefined; }
}

async function runWithElectron() {
  const { runTests } = await import('@vscode/test-electron');
  const userData = path.join(tmp, 'user-data');
  writeUserSettings(userData, userSettings);
  // No page to screenshot here: tests see no RSYNC_SNAPSHOTS_ARTIFACTS and skip their screenshots.
  const code = await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: testsPath,
    extensionTestsEnv: { RSYNC_SNAPSHOTS_TEST_RESULTS: resultsFile },
    launchArgs: [workspace, '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'extensions'), '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  }).catch((err) => { throw new Error(`VS Code (${process.env.VSCODE_EXECUTABLE}): ${err.message ?? err}`); });
  if (code !== 0) throw new Error(`VS Code exited with code ${code}`);
}

async function runWithServer() {
  setupHost();
  checkChromium();
  const { chromium } = await import('playwright-core');
  writeUserSettings(path.join(tmp, 'user-data'), userSettings);
  const logFile = path.join(tmp, 'server.log');
  const server = await startServer({ dataDir: tmp, port: await freePort(), env: testEnv, logFile });
  let browser;
  const stopAll = async () => { await browser?.close().catch(() => {}); await server.stop(); };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { stopAll().finally(() => process.exit(130)); });
  console.log(`[runner] VS Code server up on ${server.base} after ${server.startMs} ms (log: ${logFile})`);
  const t0 = Date.now();
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let screenshots = Promise.resolve();
    const takeScreenshot = (name) => {
      screenshots = screenshots.then(async () => {
        const png = path.join(shots, `${name}.png`);
        await page.screenshot({ path: png }).catch((e) => console.error(`[runner] screenshot ${name} failed: ${e.message}`));
        fs.writeFileSync(path.join(shots, `${name}.done`), '');
        console.log(`[runner] screenshot ${path.relative(repoRoot, png)}`);
      });
    };
    let resolveExit;
    const exited = new Promise((resolve) => { resolveExit = resolve; });
    // Workbench and extension-host console (mocha's spec output arrives here). Stack traces from
    // inside the workbench bundle (e.g. offline marketplace lookups) are trimmed to one line.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      const shot = /\[\[screenshot:([\w.-]+)\]\]/.exec(text);
      if (shot) takeScreenshot(shot[1]);
      else console.log(text.includes('/static/out/vs/') ? `[workbench ${type}] ${text.split('\n')[0]}` : text);
    });
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    page.on('pageerror', (err) => console.error('[page error]', err.message));
    page.on('crash', () => resolveExit('page crashed'));
    server.exited.then((code) => resolveExit(`VS Code server exited (${code})`));

    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS - (Date.now() - started)); });
    const payload = [['extensionDevelopmentPath', repoRoot], ['extensionTestsPath', testsPath]];
    await page.goto(workbenchUrl(server.base, server.port, workspace, payload));
    const result = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    console.log(`[runner] extension host done (${result}) after ${Date.now() - t0} ms`);
    await screenshots;
    await sleep(200);
    takeScreenshot('workbench-final');
    await screenshots;
    if (result === 'timeout') throw new Error(`timed out: no result after ${TIMEOUT_MS / 1000} s (TEST_TIMEOUT_S)`);
    if (typeof result === 'string') throw new Error(result);
    if (Number(result) !== 0 && !readSummary()?.failed) throw new Error(`extension host exited with code ${result}`);
  } finally {
    await stopAll();
  }
}
