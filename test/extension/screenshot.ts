import fs from 'node:fs';
import path from 'node:path';

/**
 * Asks the test runner (scripts/run-vscode-tests.mjs) for a screenshot of the whole workbench and
 * waits until it is saved as test-artifacts/screenshots/NAME.png. Returns the file, or undefined
 * when the runner cannot take screenshots (desktop VS Code via VSCODE_EXECUTABLE).
 * `readme`: the runner also copies it to media/screenshots/NAME.png, where the README shows it.
 */
export async function screenshot(name: string, options: { readme?: boolean; timeoutMs?: number } = {}): Promise<string | undefined> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name must be [A-Za-z0-9_.-]: ${name}`);
  const artifacts = process.env.RSYNC_SNAPSHOTS_ARTIFACTS;
  if (!artifacts) return undefined;
  const done = path.join(artifacts, 'screenshots', `${name}.done`);
  fs.rmSync(done, { force: true });
  console.log(`[[screenshot:${name}${options.readme ? ':readme' : ''}]]`);
  for (const start = Date.now(); !fs.existsSync(done);) {
    if (Date.now() - start > timeoutMs) throw new Error(`screenshot ${name} not taken within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return path.join(artifacts, 'screenshots', `${name}.png`);
}
