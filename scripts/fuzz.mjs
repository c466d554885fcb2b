// Long runs of the engine's model test: builds dist/cli.js and the harness, then runs it with the given arguments.
// usage: npm run fuzz -- --histories N --seed S [--steps-per-history K] [--only 1,4,9] [--remote] [--jobs J] [--minutes M]
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';

const build = spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
await esbuild.build({
  entryPoints: ['test/model/fuzzMain.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  outfile: 'out/model/fuzz.js',
});
const run = spawnSync(process.execPath, ['--enable-source-maps', 'out/model/fuzz.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
