#!/usr/bin/env node
// `npm start` / `npm test` on a fresh clone: runs `npm ci` first when the dev dependencies are not installed yet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

if (!fs.existsSync('node_modules/esbuild') || !fs.existsSync('node_modules/mocha')) {
  console.log('[setup] installing npm dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
