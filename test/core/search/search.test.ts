import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bundledRipgrep } from '../../../src/core/search/bundledRipgrep';
import { tempDirs } from '../../support/fixtures';
import { repoRoot } from '../../support/proc';
import { search } from '../../support/core';
import { buildSearchFixture, NAMES, searchSuite } from './searchSuite';

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

  it('hands each distinct inode to ripgrep once (hard links across snapshots are one file)', async () => {
    // A wrapper that records the files ripgrep is given, then runs VS Code's ripgrep on them.
    const log = path.join(tmp.make('rs-search-rg'), 'files');
    const wrapper = path.join(path.dirname(log), 'rg');
    fs.writeFileSync(wrapper, `#!/bin/sh\nfor a; do case $a in 2026-*) printf '%s\\n' "$a" >> '${log}';; esac; done\nexec '${rgPath}' "$@"\n`, { mode: 0o755 });
    const report = await search(root, { pattern: 'needle' }, { rgPath: wrapper });
    const bytes = fs.readFileSync(log);
    const given: Buffer[] = [];
    for (let at = 0, nl = bytes.indexOf(10); nl >= 0; at = nl + 1, nl = bytes.indexOf(10, at)) given.push(bytes.subarray(at, nl));
    const inodes = given.map((rel) => fs.statSync(Buffer.concat([Buffer.from(`${root}/`), rel])).ino);
    assert.equal(given.length, report.contents);
    assert.equal(new Set(inodes).size, given.length, `an inode was searched twice: ${given.join(', ')}`);
    const all = new Set<number>();
    const walk = (dir: Buffer) => {
      for (const name of fs.readdirSync(dir, { encoding: 'buffer' })) {
        const entry = Buffer.concat([dir, Buffer.from('/'), name]);
        const stat = fs.lstatSync(entry);
        if (stat.isDirectory()) walk(entry);
        else if (stat.isFile()) all.add(stat.ino);
      }
    };
    for (const name of NAMES) walk(Buffer.from(path.join(root, name)));
    assert.equal(given.length, all.size, 'every distinct content is searched');
  });

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
