#!/usr/bin/env node
// Runs the extension test suite (out/test/extension/index.js) inside a real VS Code.
// - VSCODE_EXECUTABLE set (a desktop VS Code build): @vscode/test-electron's runTests with it.
// - otherwise, offline: the VS Code server from code-server (installed/cached by
//   scripts/setup-vscode-host.sh) + headless Chromium driven by playwright-core.
// Two sessions (two windows, one after the other): the main suite on a fresh copy of test/fixtures/workspace with an
// empty backup root, and the Restricted Mode suite (workspace trust on) on an untrusted folder; see sessions below.
//
// env: TEST_SESSIONS (e.g. "restricted": run only those sessions), RSYNC_SNAPSHOTS_TEST_FILES (e.g. "compare,restore": only those test files), TEST_TIMEOUT_S (default 600), CHROMIUM (default /usr/bin/chromium), VSCODE_TEST_CACHE,
//      RSYNC_SNAPSHOTS_TEST_RESULTS (where the JSON summary goes; default: a temp file).
// Webview clicks: a test logs `[[webview-click:CSS SELECTOR]]`; the runner clicks the first element matching it in any
// frame of the page (webviews are nested iframes), as a person would, and the test waits for the effect.
// Webview typing: `[[webview-fill:CSS SELECTOR=>TEXT]]` types TEXT into the first matching input (as a person types);
// `[[webview-press:CSS SELECTOR=>KEY]]` focuses the element and presses KEY (e.g. Space, Enter); `[[key:KEY]]` presses
// KEY wherever the keyboard focus is.
// Webview text: a test logs `[[webview-text:NAME:CSS SELECTOR]]`; the runner writes the innerText of the first element
// matching it in any frame to test-artifacts/webview-text/NAME.txt (what a person reads on the page).
// Screenshots: a test logs `[[screenshot:NAME]]`; the runner saves test-artifacts/screenshots/NAME.png,
// then writes NAME.done next to it (tests get the artifacts folder in RSYNC_SNAPSHOTS_ARTIFACTS).
// `[[screenshot:NAME:readme]]` also copies it to media/screenshots/NAME.png, the README's pictures (never stale).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { CHROMIUM, CHROMIUM_ARGS, checkChromium, freePort, repoRoot, setupHost, sleep, startServer, workbenchUrl, writeUserSettings } from './lib/vscode-server.mjs';

const TIMEOUT_MS = 1000 * Number(process.env.TEST_TIMEOUT_S || 600);
const started = Date.now(); // TEST_TIMEOUT_S counts from here (setup included)
const artifacts = path.join(repoRoot, 'test-artifacts');
const shots = path.join(artifacts, 'screenshots');
const readmeShots = path.join(repoRoot, 'media/screenshots');
const texts = path.join(artifacts, 'webview-text');
const cli = path.join(repoRoot, 'dist/cli.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rsync-snapshots-vscode-'));
const resultsFile = path.resolve(process.env.RSYNC_SNAPSHOTS_TEST_RESULTS || path.join(tmp, 'results.json'));
fs.rmSync(resultsFile, { force: true });
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });
fs.rmSync(texts, { recursive: true, force: true });
fs.mkdirSync(texts, { recursive: true });

/**
 * One VS Code window per session, each with its own user data, workspace and suite:
 * - main: the fixture workspace, workspace trust off, an empty backup root in user settings;
 * - restricted: workspace trust on and a folder that is not trusted, whose .vscode/settings.json aims the extension
 *   at a "victim" root with 5 snapshots of another folder (made by our CLI before the window opens).
 */
const only = process.env.TEST_SESSIONS?.split(',');
const sessions = [mainSession(), restrictedSession()].filter((s) => !only || only.includes(s.name));

function mainSession() {
  const dir = path.join(tmp, 'main');
  const workspace = path.join(dir, 'workspace');
  const backupRoot = path.join(dir, 'backups');
  fs.cpSync(path.join(repoRoot, 'test/fixtures/workspace'), workspace, { recursive: true });
  fs.mkdirSync(backupRoot);
  return {
    name: 'main',
    dir,
    workspace,
    testsPath: path.join(repoRoot, 'out/test/extension/index'),
    userSettings: { 'rsyncSnapshots.backupRoot': backupRoot },
    env: { XDG_DATA_HOME: path.join(dir, 'xdg-data') },
  }; // "Install the CLI" records its install there, not in the real home
}

function restrictedSession() {
  const dir = path.join(tmp, 'restricted');
  const workspace = path.join(dir, 'cloned-repo');
  const victimSource = path.join(dir, 'alice-thesis');
  const victimRoot = path.join(dir, 'victim-backups');
  const userRoot = path.join(dir, 'user-backups');
  return {
    name: 'restricted',
    dir,
    workspace,
    testsPath: path.join(repoRoot, 'out/test/extension-restricted/index'),
    userSettings: {
      'rsyncSnapshots.backupRoot': userRoot,
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.emptyWindow': false,
    },
    env: { RSYNC_SNAPSHOTS_VICTIM_ROOT: victimRoot, RSYNC_SNAPSHOTS_VICTIM_SOURCE: victimSource, RSYNC_SNAPSHOTS_USER_ROOT: userRoot },
    prepare() {
      fs.mkdirSync(userRoot, { recursive: true });
      fs.mkdirSync(path.join(victimSource, 'chapters'), { recursive: true });
      for (let i = 1; i <= 5; i++) {
        fs.writeFileSync(path.join(victimSource, 'chapters', `${i}.tex`), `chapter ${i}\n`);
        const run = spawnSync(process.execPath, [cli, 'snapshot', victimSource, victimRoot, '--create'], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`victim snapshot ${i} failed (exit ${run.status}): ${run.stderr}`);
      }
      // Exactly the settings of the report: another root, a 1-minute schedule, snapshot 1 s after a save, keep 1, prune after each.
      fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(
        path.join(workspace, '.vscode/settings.json'),
        JSON.stringify(
          {
            'rsyncSnapshots.backupRoot': victimRoot,
            'rsyncSnapshots.autoSnapshotMinutes': 1,
            'rsyncSnapshots.snapshotAfterSaveIdleSeconds': 1,
            'rsyncSnapshots.retention.keepLast': 1,
            'rsyncSnapshots.retention.applyAfterSnapshot': true,
          },
          null,
          2,
        ),
      );
      fs.writeFileSync(path.join(workspace, 'README.md'), '# A repository someone cloned\n');
    },
  };
}

let problem; // why the run failed apart from failing tests
const summaries = [];
try {
  for (const session of sessions) if (!fs.existsSync(`${session.testsPath}.js`)) throw new Error(`${session.testsPath}.js not found: build first (node esbuild.mjs --tests)`);
  if (process.env.VSCODE_EXECUTABLE) await runWithElectron(sessions[0]);
  else {
    setupHost();
    checkChromium();
    for (const session of sessions) {
      session.prepare?.();
      console.log(`[runner] session ${session.name}: ${session.workspace}`);
      await runWithServer(session);
    }
  }
} catch (err) {
  problem = err.message;
}
for (const session of sessions) {
  const summary = readSummary(session.resultsFile);
  if (summary) summaries.push(summary);
  else if (session.ran && !problem) problem = `no test summary arrived from the extension host (session ${session.name})`;
}
const summary = summaries.length
  ? summaries.reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed, pending: a.pending + b.pending, failures: [...a.failures, ...b.failures] }))
  : undefined;
if (summary) fs.writeFileSync(resultsFile, JSON.stringify(summary, null, 2));
if (!summary && !problem) problem = 'no test summary arrived from the extension host';
if (problem) console.error(`[runner] FAILED: ${problem}`);
const failed = summary ? summary.failed : 0;
const ok = !problem && summary && failed === 0;
if (ok) fs.rmSync(tmp, { recursive: true, force: true });
else console.error(`[runner] kept ${tmp} (server.log, user-data/logs, workspace, backups) for inspection`);
console.log(`[extension] ${summary?.passed ?? 0} passed, ${summary ? failed : 1} failed`);
process.exit(ok ? 0 : 1);

function readSummary(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function runWithElectron(session) {
  const { runTests } = await import('@vscode/test-electron');
  const userData = path.join(session.dir, 'user-data');
  session.resultsFile = path.join(session.dir, 'results.json');
  session.ran = true;
  writeUserSettings(userData, session.userSettings);
  // No page to screenshot here: tests see no RSYNC_SNAPSHOTS_ARTIFACTS and skip their screenshots.
  const code = await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: session.testsPath,
    extensionTestsEnv: { RSYNC_SNAPSHOTS_TEST_RESULTS: session.resultsFile },
    launchArgs: [session.workspace, '--user-data-dir', userData, '--extensions-dir', path.join(session.dir, 'extensions'), '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  }).catch((err) => {
    throw new Error(`VS Code (${process.env.VSCODE_EXECUTABLE}): ${err.message ?? err}`);
  });
  if (code !== 0) throw new Error(`VS Code exited with code ${code}`);
}

async function runWithServer(session) {
  const { chromium } = await import('playwright-core');
  fs.mkdirSync(session.dir, { recursive: true });
  session.resultsFile = path.join(session.dir, 'results.json');
  session.ran = true;
  writeUserSettings(path.join(session.dir, 'user-data'), session.userSettings);
  const logFile = path.join(session.dir, 'server.log');
  const testEnv = { RSYNC_SNAPSHOTS_TEST_RESULTS: session.resultsFile, RSYNC_SNAPSHOTS_ARTIFACTS: artifacts, ...session.env };
  const server = await startServer({ dataDir: session.dir, port: await freePort(), env: testEnv, logFile, smokeTestDriver: true });
  let browser;
  const stopAll = async () => {
    await browser?.close().catch(() => {});
    await server.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => {
      stopAll().finally(() => process.exit(130));
    });
  console.log(`[runner] VS Code server up on ${server.base} after ${server.startMs} ms (log: ${logFile})`);
  const t0 = Date.now();
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let screenshots = Promise.resolve();
    const takeScreenshot = (name, readme = false) => {
      screenshots = screenshots.then(async () => {
        const png = path.join(shots, `${name}.png`);
        await page.screenshot({ path: png }).catch((e) => console.error(`[runner] screenshot ${name} failed: ${e.message}`));
        if (readme && fs.existsSync(png)) {
          fs.mkdirSync(readmeShots, { recursive: true });
          fs.copyFileSync(png, path.join(readmeShots, `${name}.png`));
        }
        fs.writeFileSync(path.join(shots, `${name}.done`), '');
        console.log(`[runner] screenshot ${path.relative(repoRoot, png)}`);
      });
    };
    let resolveExit;
    const exited = new Promise((resolve) => {
      resolveExit = resolve;
    });
    // Workbench and extension-host console (mocha's spec output arrives here). Stack traces from
    // inside the workbench bundle (e.g. offline marketplace lookups) are trimmed to one line.
    let click;
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      const shot = /\[\[screenshot:([\w.-]+)(:readme)?\]\]/.exec(text);
      const read = /\[\[webview-text:([\w.-]+):(.+)\]\]/.exec(text);
      if (shot) takeScreenshot(shot[1], Boolean(shot[2]));
      else if (read) readWebviewText(page, read[1], read[2]);
      else if ((click = /\[\[webview-press:(.+?)=>(.+)\]\]/.exec(text))) {
        const [, selector, key] = click;
        inWebview(page, selector, (handle) => handle.press(key), `pressed ${key} on`);
      } else if ((click = /\[\[key:(.+)\]\]/.exec(text))) {
        const key = click[1];
        page.keyboard.press(key).then(() => console.log(`[runner] pressed ${key}`));
      } else if ((click = /\[\[webview-fill:(.+?)=>(.*)\]\]/.exec(text))) {
        const [, selector, typed] = click;
        inWebview(page, selector, (handle) => handle.fill(typed), 'typed into');
      } else if (text.includes('[[trust-workspace]]')) trustWorkspace(page);
      else if ((click = /\[\[webview-click:(.+)\]\]/.exec(text))) clickInWebview(page, click[1]);
      else console.log(text.includes('/static/out/vs/') ? `[workbench ${type}] ${text.split('\n')[0]}` : text);
    });
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    page.on('pageerror', (err) => console.error('[page error]', err.message));
    page.on('crash', () => resolveExit('page crashed'));
    server.exited.then((code) => resolveExit(`VS Code server exited (${code})`));

    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS - (Date.now() - started));
    });
    const payload = [
      ['extensionDevelopmentPath', repoRoot],
      ['extensionTestsPath', session.testsPath],
    ];
    await page.goto(workbenchUrl(server.base, server.port, session.workspace, payload));
    const result = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    console.log(`[runner] extension host done (${result}) after ${Date.now() - t0} ms`);
    await screenshots;
    await sleep(200);
    takeScreenshot(session.name === 'main' ? 'workbench-final' : `workbench-final-${session.name}`);
    await screenshots;
    if (result === 'timeout') throw new Error(`timed out: no result after ${TIMEOUT_MS / 1000} s (TEST_TIMEOUT_S)`);
    if (typeof result === 'string') throw new Error(result);
    if (Number(result) !== 0 && !readSummary()?.failed) throw new Error(`extension host exited with code ${result}`);
  } finally {
    await stopAll();
  }
}

/**
 * What a person does to trust the folder (the test opened the Workspace Trust editor with workbench.trust.manage):
 * click its "Trust" button. The test waits for vscode.workspace.isTrusted.
 */
async function trustWorkspace(page) {
  try {
    const button = page
      .locator('.workspace-trust-editor .monaco-button')
      .filter({ hasText: /^Trust$/ })
      .first();
    await button.waitFor({ timeout: 15_000 });
    await button.click();
    console.log('[runner] clicked "Trust" in the Workspace Trust editor');
  } catch (err) {
    console.error(`[runner] could not click "Trust" in the Workspace Trust editor: ${err.message}`);
  }
}

/** What a person reads: the innerText of the first element matching `selector` in any frame, to webview-text/NAME.txt ("" when none within 15 s). */
async function readWebviewText(page, name, selector) {
  const until = Date.now() + 15_000;
  let text;
  while (text === undefined && Date.now() < until) {
    for (const frame of page.frames()) {
      const handle = await frame.$(selector).catch(() => null);
      if (handle) {
        text = await handle.innerText().catch(() => undefined);
        if (text !== undefined) break;
      }
    }
    if (text === undefined) await sleep(200);
  }
  if (text === undefined) console.error(`[runner] no element ${selector} in any webview frame within 15 s`);
  fs.writeFileSync(path.join(texts, `${name}.tmp`), text ?? '');
  fs.renameSync(path.join(texts, `${name}.tmp`), path.join(texts, `${name}.txt`)); // whole, never half-written
}

/** A person's click on an element of a webview (a frame of the page), within 15 s. */
function clickInWebview(page, selector) {
  return inWebview(page, selector, (handle) => handle.click(), 'clicked');
}

/** Does `act` to the first element matching `selector` in any frame of the page, within 15 s. */
async function inWebview(page, selector, act, done) {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    for (const frame of page.frames()) {
      const handle = await frame.$(selector).catch(() => null);
      if (handle) {
        try {
          await act(handle);
          console.log(`[runner] ${done} ${selector} in a webview`);
          return;
        } catch (err) {
          console.error(`[runner] ${done} ${selector} failed: ${err.message}`);
        }
      }
    }
    await sleep(200);
  }
  console.error(`[runner] no element ${selector} in any webview frame within 15 s`);
}
