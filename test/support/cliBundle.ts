import path from 'node:path';
import { repoRoot, run } from './proc';

/** Bundles the current src/cli/main.ts into dir/cli.js (fresh, whatever dist/ holds) and returns its path. */
export async function buildCli(dir: string): Promise<string> {
  const out = path.join(dir, 'cli.js');
  const esbuild = path.join(repoRoot(), 'node_modules', 'esbuild', 'bin', 'esbuild');
  const r = await run(esbuild, [path.join(repoRoot(), 'src', 'cli', 'main.ts'), '--bundle', '--platform=node', '--target=node20', '--format=cjs', '--log-level=warning', `--outfile=${out}`]);
  if (r.code !== 0) throw new Error(`esbuild failed: ${r.stderr}`);
  return out;
}
