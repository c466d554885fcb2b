import fs from 'node:fs';
import path from 'node:path';

/**
 * What a person reads in a webview: asks the test runner for the innerText of the first element matching `selector`
 * in any frame of the page, and returns it ("" when there is none). Undefined when the runner cannot read pages
 * (desktop VS Code via VSCODE_EXECUTABLE).
 */
export async function webviewText(name: string, selector: string, timeoutMs = 25_000): Promise<string | undefined> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`webview text name must be [A-Za-z0-9_.-]: ${name}`);
  const artifacts = process.env.RSYNC_SNAPSHOTS_ARTIFACTS;
  if (!artifacts) return undefined;
  const file = path.join(artifacts, 'webview-text', `${name}.txt`);
  fs.rmSync(file, { force: true });
  console.log(`[[webview-text:${name}:${selector}]]`);
  for (const start = Date.now(); !fs.existsSync(file);) {
    if (Date.now() - start > timeoutMs) throw new Error(`webview text ${name} not read within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return fs.readFileSync(file, 'utf8');
}
