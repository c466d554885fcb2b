import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asNobody, NOBODY, repoRoot, run } from './proc';

/** Whether file modes bind this process: root ignores them, so tests of unreadable folders run their subject as nobody. */
export const isRoot = () => process.getuid?.() === 0;

/** Whether `setpriv` can run a program as nobody here (needed when the tests run as root). */
export async function canRunAsNobody(): Promise<boolean> {
  return (await run('setpriv', ['--version']).catch(() => undefined))?.code === 0;
}

/** Gives a test's folder tree to nobody (as root) so that only the modes the test sets decide what nobody can read. */
export async function giveToNobody(dir: string): Promise<void> {
  if (!isRoot()) return;
  const r = await run('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
  if (r.code !== 0) throw new Error(`chown failed: ${r.stderr}`);
  for (let d = dir; d !== path.dirname(d) && d.startsWith(os.tmpdir()) && d !== os.tmpdir(); d = path.dirname(d)) fs.chmodSync(d, fs.statSync(d).mode | 0o755);
}

export type CallResult = { ok: true; value: unknown } | { ok: false; code?: string; message: string };

/**
 * Evaluates `expression` (a promise; `m` holds the given exports of src modules) in a fresh Node process, as user
 * nobody when this process is root (else as this user), and returns its JSON value or its error's code and message.
 * `modules` maps an export name to its source file relative to the repository, e.g. { changes: 'src/core/changes/changes.ts' }.
 */
export async function callUnprivileged(modules: Record<string, string>, expression: string): Promise<CallResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-unpriv-'));
  try {
    fs.chmodSync(dir, 0o755);
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(
      entry,
      Object.entries(modules)
        .map(([name, file]) => `export { ${name} } from ${JSON.stringify(path.join(repoRoot(), file.replace(/\.ts$/, '')))};\n`)
        .join(''),
    );
    const bundle = path.join(dir, 'entry.cjs');
    const esbuild = path.join(repoRoot(), 'node_modules', 'esbuild', 'bin', 'esbuild');
    const built = await run(esbuild, [entry, '--bundle', '--platform=node', '--target=node20', '--format=cjs', '--log-level=warning', `--outfile=${bundle}`]);
    if (built.code !== 0) throw new Error(`esbuild failed: ${built.stderr}`);
    fs.chmodSync(bundle, 0o644);
    const script = `const m = require(${JSON.stringify(bundle)});
Promise.resolve(${expression}).then(
  (value) => process.stdout.write(JSON.stringify({ ok: true, value })),
  (err) => process.stdout.write(JSON.stringify({ ok: false, code: err && err.code, message: String(err && err.message) })),
);`;
    const [cmd, args] = isRoot() ? asNobody(process.execPath, ['-e', script]) : [process.execPath, ['-e', script]];
    const r = await run(cmd, args, { cwd: dir });
    if (r.code !== 0) throw new Error(`the call failed (exit ${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as CallResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
