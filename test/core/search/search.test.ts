import fs from 'node:fs';
import path from 'node:path';
import { bundledRipgrep } from '../../../src/core/search/bundledRipgrep';
import { tempDirs } from '../../support/fixtures';
import { repoRoot } from '../../support/proc';
import { buildSearchFixture, searchSuite } from './searchSuite';

/** VS Code's own ripgrep, from the VS Code server the extension tests run in (its install folder = appRoot). */
const appRoot = path.join(repoRoot(), '.vscode-test/code-server/node_modules/code-server/lib/vscode');

describe('search across the snapshots of a local root', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let source = '';
  let root = '';
  before(async () => {
    const base = tmp.make('rs-search');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    fs.mkdirSync(source);
    await buildSearchFixture(source, root, {});
  });
  after(() => tmp.cleanup());

  const rgPath = bundledRipgrep(appRoot);
  if (!rgPath) throw new Error(`VS Code's ripgrep is not under ${appRoot}: run the extension tests once to install the VS Code server`);
  searchSuite(
    () => ({ spec: root, source, reach: {} }),
    [
      { name: "VS Code's ripgrep", options: { rgPath }, tool: 'rg' },
      { name: 'the Node search', options: { noRipgrep: true }, tool: 'node' },
    ],
  );
});
