// Shared by run-vscode-tests.mjs and start.mjs: the VS Code server bundled in code-server,
// started directly with Node 24 (see DESIGN.md, "Running tests in a real VS Code, offline").
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cacheDir = path.resolve(process.env.VSCODE_TEST_CACHE || path.join(repoRoot, '.vscode-test'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SERVER_NODE = path.join(cacheDir, 'node24/package/bin/node');
const SERVER_MAIN = path.join(cacheDir, 'code-server/node_modules/code-server/lib/vscode/out/server-main.js');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Installs Node 24 + code-server into the cache the first time (idempotent, instant once cached). */
export function setupHost() {
  // Drop npm_* variables from an outer `npm test`/`npm start`: the nested `npm install` would take
  // e.g. npm_config_user_agent ("node/v20") as its own, and code-server's postinstall refuses it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const setup = spawnSync('bash', [path.join(repoRoot, 'scripts/setup-vscode-host.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (setup.status !== 0) throw new Error(`scripts/setup-vscode-host.sh failed (exit ${setup.status ?? setup.signal}): cannot install the VS Code server`);
  for (const file of [SERVER_NODE, SERVER_MAIN]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing after setup; delete ${cacheDir} and retry`);
  }
}

/** Quiet, offline-friendly user settings: no telemetry, trust prompt, AI features or welcome page. */
export const QUIET_SETTINGS = {
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export function writeUserSettings(userDataDir, extra) {
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...extra }, null, 2));
}

/** `preferred` if it is free on 127.0.0.1, else any free port. */
export function freePort(preferred = 0) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err) => (preferred && err.code === 'EADDRINUSE' ? resolve(freePort(0)) : reject(err)));
    srv.listen(preferred, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server in its own process group (so stop() also ends its extension host), with its
 * user data under `dataDir`; waits until it answers HTTP. Returns { base, port, stop, exited }.
 * - `smokeTestDriver`: the test runner's mode. The workbench then honours the URL payload
 *   (extensionDevelopmentPath/extensionTestsPath) but also suppresses notification pop-ups, so a
 *   person (npm start) never gets it. (The server itself refuses --extensionDevelopmentPath: npm start
 *   installs the extension into the extensions dir instead.)
 */
export async function startServer({ dataDir, port, env = {}, logFile, smokeTestDriver = false }) {
  fs.mkdirSync(dataDir, { recursive: true });
  const logFd = fs.openSync(logFile, 'a');
  // Inherited VSCODE_* variables (e.g. when run from a VS Code terminal) would confuse the server.
  const serverEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VSCODE_')));
  const server = spawn(
    SERVER_NODE,
    [
      SERVER_MAIN,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      ...(smokeTestDriver ? ['--enable-smoke-test-driver'] : []), // the URL payload (extensionDevelopmentPath/extensionTestsPath) needs it; it hides notifications
      ...dataDirArgs(dataDir),
    ],
    { detached: true, stdio: ['ignore', logFd, logFd], env: { ...serverEnv, ...env } },
  );
  fs.closeSync(logFd);
  let exited = false;
  const exitPromise = new Promise((resolve) =>
    server.on('exit', (code, signal) => {
      exited = true;
      resolve(code ?? signal);
    }),
  );
  server.on('error', () => {
    exited = true;
  });

  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited)
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
  };

  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`VS Code server exited at start, see ${logFile}:\n${tail(logFile)}`);
    if (Date.now() - t0 > 60_000) {
      await stop();
      throw new Error(`VS Code server did not answer on ${base} within 60 s, see ${logFile}`);
    }
    if (
      await fetch(base).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(250);
  }
  return { base, port, pid: server.pid, stop, exited: exitPromise, startMs: Date.now() - t0 };
}

/** Workbench URL opening `folder`, with an extension-development payload ([key, local path] pairs; honoured only with `smokeTestDriver`). */
export function workbenchUrl(base, port, folder, payload = []) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const entries = payload.map(([key, p]) => [key, remote(p)]);
  const query = entries.length ? `&payload=${encodeURIComponent(JSON.stringify(entries))}` : '';
  return `${base}/?folder=${encodeURIComponent(folder)}${query}`;
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function checkChromium() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`headless Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The server's user data, server data and extensions folders, all under `dataDir`. */
function dataDirArgs(dataDir) {
  return ['--user-data-dir', path.join(dataDir, 'user-data'), '--server-data-dir', path.join(dataDir, 'server-data'), '--extensions-dir', path.join(dataDir, 'extensions')];
}

/** Installs a .vsix into `dataDir`'s extensions folder with the server's own `--install-extension`, as a user would. */
export function installExtension({ dataDir, vsix }) {
  const run = spawnSync(SERVER_NODE, [SERVER_MAIN, '--install-extension', vsix, '--accept-server-license-terms', ...dataDirArgs(dataDir)], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`--install-extension ${vsix} failed (exit ${run.status ?? run.signal}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}
