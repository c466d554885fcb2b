import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bundledRipgrep } from '../../src/core/search/bundledRipgrep';
import { repoRoot } from './proc';

/** How long a first install of the VS Code server may take (Node 24 + code-server from the npm registry). */
export const SERVER_INSTALL_TIMEOUT_MS = 20 * 60_000;

/**
 * The ripgrep VS Code ships, from the VS Code server the extension suite runs in. Installs the server first through
 * scripts/setup-vscode-host.sh, the one helper every suite uses (instant once cached), so a test that needs it never
 * relies on an earlier suite. Throws with the next step when the install fails or the server holds no ripgrep.
 */
export function vscodeRipgrep(): string {
  const repo = repoRoot();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const setup = spawnSync('bash', [path.join(repo, 'scripts/setup-vscode-host.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (setup.status !== 0)
    throw new Error(`scripts/setup-vscode-host.sh failed (exit ${setup.status ?? setup.signal}): the VS Code server (and its ripgrep) could not be installed; run it by hand to see why`);
  const cache = path.resolve(process.env.VSCODE_TEST_CACHE || path.join(repo, '.vscode-test'));
  const appRoot = path.join(cache, 'code-server/node_modules/code-server/lib/vscode');
  const rg = bundledRipgrep(appRoot);
  if (!rg) throw new Error(`the VS Code server in ${cache} ships no ripgrep under ${appRoot}: delete ${cache} and run npm test again`);
  return rg;
}
