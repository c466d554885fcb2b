// Bundles the extension and the CLI into dist/ (and, with --tests, the test suites into out/test/).
// usage: node esbuild.mjs [--watch] [--production] [--tests]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

function testEntries(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && /(\.test|index)\.ts$/.test(entry.name)) out.push(file);
  }
  return out;
}

const builds = tests
  ? [{ ...common, entryPoints: testEntries('test'), outdir: 'out/test', outbase: 'test', external: ['vscode', 'mocha'] }]
  : [
      { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
      { ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
      // The restore page's script runs in the webview (a browser): one IIFE, no Node.
      { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { restore: 'src/webview/restore.ts' }, outdir: 'dist/webview', external: [] },
    ];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('[esbuild] watching…');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  if (!tests) {
    fs.chmodSync('dist/cli.js', 0o755);
    // Codicons for the restore webview, served from dist/codicons via asWebviewUri.
    fs.mkdirSync('dist/codicons', { recursive: true });
    for (const file of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join('node_modules/@vscode/codicons/dist', file), path.join('dist/codicons', file));
  }
}
