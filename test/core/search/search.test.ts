import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { SearchOptions, SearchQuery } from '../../../src/core/search/types';
import { isSnapshotError } from '../../../src/core/util/errors';
import { tempDirs } from '../../support/fixtures';
import { search } from '../../support/core';
import { SERVER_INSTALL_TIMEOUT_MS, vscodeRipgrep } from '../../support/vscodeServer';
import { buildSearchFixture, NAMES, searchSuite, SMALL_LINE_BOUND } from './searchSuite';

describe('search across the snapshots of a local root', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let source = '';
  let root = '';
  /** VS Code's own ripgrep (the server is installed here when no earlier suite did it). */
  const rgOptions = { rgPath: '' };
  let rgPath = '';
  before(function () {
    this.timeout(SERVER_INSTALL_TIMEOUT_MS);
    rgPath = rgOptions.rgPath = vscodeRipgrep();
  });
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

  it('the Node search gives the same answers and warnings as ripgrep', async () => {
    const cases: [SearchQuery, SearchOptions][] = [
      [{ pattern: 'needle' }, {}],
      [{ pattern: 'NEEDLE', ignoreCase: true }, {}],
      [{ pattern: '(ab|far|needle \\w+)$', regex: true }, {}],
      [{ pattern: '^[^y]{2001,}$', regex: true }, {}],
      [{ pattern: 'marker|needle', regex: true }, { maxLineBytes: SMALL_LINE_BOUND }],
      [{ pattern: 'e', pathGlob: 'long/**' }, { maxLineBytes: 30_000 }],
    ];
    for (const [query, options] of cases) {
      const [rg, node] = await Promise.all([search(root, query, { ...options, rgPath }), search(root, query, { ...options, noRipgrep: true })]);
      assert.deepEqual([rg.tool, node.tool], ['rg', 'node']);
      assert.ok(rg.results.length || rg.warnings.length, `${query.pattern} finds something`);
      assert.deepEqual(node.results, rg.results, query.pattern);
      assert.deepEqual(node.warnings, rg.warnings, query.pattern);
    }
  });

  it('the Node search stops a regex that backtracks for ages on one line, saying what to do', async function () {
    this.timeout(20_000); // before the time bound, this search did not end
    await assert.rejects(
      search(root, { pattern: '^(a+)+b?c', regex: true }, { noRipgrep: true, regexTimeoutMs: 300 }),
      (err) =>
        isSnapshotError(err, 'BAD_INPUT') &&
        err.message ===
          `The regular expression took longer than 0.3 s on one line of ${NAMES[0]}/long/wide.txt: simplify it, or install ripgrep ("sudo apt-get install ripgrep"; macOS: "brew install ripgrep"), whose engine is linear.`,
    );
    // ripgrep's engine is linear: the same pattern simply finds nothing.
    assert.deepEqual((await search(root, { pattern: '^(a+)+b?c', regex: true }, { rgPath })).results, []);
  });

  searchSuite(
    () => ({ spec: root, source, reach: {} }),
    [
      { name: "VS Code's ripgrep", options: rgOptions, tool: 'rg' },
      { name: 'the Node search', options: { noRipgrep: true }, tool: 'node' },
    ],
  );
});
