import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { SearchOptions, SearchQuery, SearchReport, SearchResult } from '../../../src/core/search/types';
import { isSnapshotError } from '../../../src/core/util/errors';
import { decodeNameBytes } from '../../../src/core/util/nameBytes';
import { writeTree } from '../../support/fixtures';
import { search, takeSnapshot, type Reach } from '../../support/core';

/** A non-UTF-8 file name (Latin-1 "café.txt"). */
export const LATIN1_NAME = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]);
export const NAMES = ['2026-03-01T10-00-00', '2026-03-02T10-00-00', '2026-03-03T10-00-00'];

/**
 * Three snapshots of a small tree, written the same way for a local and a remote root: `a.txt` says "needle one" in
 * the first two and "needle two" in the third; `gone.txt` is deleted before the third; `keep.txt` never changes (one inode in all three); a binary file with
 * the needle; a name that is not UTF-8; `docs/Upper.md` with NEEDLE in capitals; under `long/`, lines past the
 * 2,000 characters a result shows (`LONG_LINES`). Then the working a.txt drops "two".
 */
export async function buildSearchFixture(source: string, spec: string, reach: Reach): Promise<void> {
  writeTree(source, {
    'a.txt': 'alpha\nneedle one\nomega\n',
    'keep.txt': 'x\ny\nstill a needle here\n',
    'bin.dat': Buffer.from('needle\0binary\n'),
    'docs/Upper.md': 'Title\nNEEDLE in capitals\n',
    'with space/b c.txt': 'the needle (in parens)\n',
    'gone.txt': 'needle gone soon\n',
    // 160 KB: line 2000 lies past the Node search's first 64 KiB read
    'big.txt': Array.from({ length: 4000 }, (_, i) => (i === 1999 ? 'needle deep inside' : `filler line ${i} ${'.'.repeat(20)}`)).join('\n') + '\n',
    ...LONG_LINES,
  });
  fs.writeFileSync(Buffer.concat([Buffer.from(source + '/'), LATIN1_NAME]), 'latin needle\n');
  const snap = (i: number) => takeSnapshot({ source, root: spec, ...reach, createRoot: true, now: new Date(2026, 2, i + 1, 10, 0, 0) });
  await snap(0);
  await snap(1);
  fs.writeFileSync(path.join(source, 'a.txt'), 'alpha\nneedle two\nomega\nneedle one\n');
  fs.rmSync(path.join(source, 'gone.txt'));
  await snap(2);
  fs.writeFileSync(path.join(source, 'a.txt'), 'alpha\nneedle one\n');
}

/**
 * Long lines. wide.txt: a match and an anchor past character 2,000 (1), a line whose first 2,000 characters end
 * differently from the line (2), multi-byte characters (3), a line spanning the Node search's 64 KiB reads (4), and
 * the line that makes `^(a+)+b?c` backtrack for ages in a JS RegExp (5). over.txt: a 20,000-byte line between two
 * markers; many.txt: over 10,000 bytes of short lines, the marker last.
 */
export const LONG_LINES = {
  'long/wide.txt': ['x'.repeat(5000) + 'ab', 'x'.repeat(2500) + 'y', 'é'.repeat(3000) + ' far', 'q'.repeat(70_000) + 'ab', 'a'.repeat(5000)].join('\n') + '\n',
  'long/over.txt': `a marker line\n${'z'.repeat(20_000)}\nanother marker\n`,
  'long/many.txt': Array.from({ length: 600 }, (_, i) => `filler line number ${i}`).join('\n') + '\nmarker at the end\n',
};
/** A bound under over.txt's and wide.txt's longest lines, over many.txt's. */
export const SMALL_LINE_BOUND = 10_000;

const brief = (r: SearchResult) => ({ path: r.path, text: r.text, lines: r.lines, first: r.first, last: r.last, count: r.count, goneSince: r.goneSince, working: r.working });

/** The suite, one body for both transports; `tools` are the ways to search this root and the tool each must report. */
export function searchSuite(get: () => { spec: string; source: string; reach: Reach }, tools: { name: string; options: SearchOptions; tool: string }[]): void {
  for (const { name, options, tool } of tools) {
    describe(`with ${name}`, () => {
      const run = (query: SearchQuery, more: SearchOptions = {}) => search(get().spec, query, { ...get().reach, ...options, ...more });

      it('finds each (path, line) with the snapshots holding it, gone-since and the working file; streams the same results', async () => {
        const streamed = new Map<string, SearchResult>();
        let listed: [number, number] | undefined;
        const report = await run(
          { pattern: 'needle' },
          { working: get().source, onResults: (rs) => rs.forEach((r) => streamed.set(`${r.path}\0${r.text}`, r)), onListed: (files, contents) => (listed = [files, contents]) },
        );
        assert.equal(report.tool, tool);
        assert.equal(report.snapshots, 3);
        // 11 + 11 + 10 files (gone.txt deleted before the 3rd); distinct contents: a.txt has 2 inodes, the 10 others one each (hard links)
        assert.equal(report.files, 32);
        assert.equal(report.contents, 12);
        assert.deepEqual(listed, [32, 12]);
        const latin = decodeNameBytes(LATIN1_NAME);
        assert.deepEqual(
          report.results.map(brief),
          [
            { path: 'a.txt', text: 'needle one', lines: [2, 4], first: NAMES[0], last: NAMES[2], count: 3, goneSince: undefined, working: true },
            { path: 'a.txt', text: 'needle two', lines: [2], first: NAMES[2], last: NAMES[2], count: 1, goneSince: undefined, working: false },
            { path: 'big.txt', text: 'needle deep inside', lines: [2000], first: NAMES[0], last: NAMES[2], count: 3, goneSince: undefined, working: true },
            { path: 'gone.txt', text: 'needle gone soon', lines: [1], first: NAMES[0], last: NAMES[1], count: 2, goneSince: NAMES[2], working: false },
            { path: latin, text: 'latin needle', lines: [1], first: NAMES[0], last: NAMES[2], count: 3, goneSince: undefined, working: true },
            { path: 'keep.txt', text: 'still a needle here', lines: [3], first: NAMES[0], last: NAMES[2], count: 3, goneSince: undefined, working: true },
            { path: 'with space/b c.txt', text: 'the needle (in parens)', lines: [1], first: NAMES[0], last: NAMES[2], count: 3, goneSince: undefined, working: true },
          ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
        );
        assert.equal(report.results.find((r) => r.text === 'needle two')!.lastLine, 2);
        assert.deepEqual(
          [...streamed.values()].map(brief).sort((a, b) => (a.path + a.text < b.path + b.text ? -1 : 1)),
          report.results.map(brief).sort((a, b) => (a.path + a.text < b.path + b.text ? -1 : 1)),
        );
      });

      it('says when a line is gone, ignores case on request, takes a regex and a path glob', async () => {
        const gone = await run({ pattern: 'needle one', regex: false }, {});
        const a = gone.results.find((r) => r.path === 'a.txt')!;
        assert.deepEqual([a.lines, a.count, a.working], [[2, 4], 3, undefined]);
        const two = await run({ pattern: 'needle t.o', regex: true });
        assert.deepEqual(
          two.results.map((r) => [r.path, r.first, r.goneSince]),
          [['a.txt', NAMES[2], undefined]],
        );
        const caps = await run({ pattern: 'needle IN', ignoreCase: true });
        assert.deepEqual(
          caps.results.map((r) => [r.path, r.text]),
          [['docs/Upper.md', 'NEEDLE in capitals']],
        );
        assert.equal((await run({ pattern: 'needle IN' })).results.length, 0);
        const md = await run({ pattern: 'e', pathGlob: '*.md' });
        assert.deepEqual([...new Set(md.results.map((r) => r.path))], ['docs/Upper.md']);
        assert.equal(md.files, 3);
        const spaced = await run({ pattern: '(in parens)', pathGlob: 'with space/**' });
        assert.deepEqual(
          spaced.results.map((r) => r.path),
          ['with space/b c.txt'],
        );
      });

      it('matches every line whole, however long, and cuts only the text a result shows', async () => {
        const found = async (query: SearchQuery) =>
          (await run({ pathGlob: 'long/**', ...query })).results.map((r) => [r.path, r.lines, r.text.length > 20 ? `${r.text.slice(0, 3)}…×${r.text.length}` : r.text, r.count]);
        assert.deepEqual(await found({ pattern: 'ab$', regex: true }), [
          ['long/wide.txt', [1], 'xxx…×2000', 3],
          ['long/wide.txt', [4], 'qqq…×2000', 3],
        ]);
        assert.deepEqual(await found({ pattern: 'AB$', regex: true, ignoreCase: true }), await found({ pattern: 'ab$', regex: true }));
        assert.deepEqual(await found({ pattern: 'x$', regex: true }), [], 'the first 2,000 characters of line 2 end in x, the line does not');
        assert.deepEqual(await found({ pattern: 'xab' }), [['long/wide.txt', [1], 'xxx…×2000', 3]]);
        assert.deepEqual(await found({ pattern: 'qab' }), [['long/wide.txt', [4], 'qqq…×2000', 3]]);
        assert.deepEqual(await found({ pattern: 'é far$', regex: true }), [['long/wide.txt', [3], 'ééé…×2000', 3]]);
        assert.deepEqual(await found({ pattern: '^a{5000}$', regex: true }), [['long/wide.txt', [5], 'aaa…×2000', 3]]);
        const [deep] = (await run({ pattern: 'far$', regex: true, pathGlob: 'long/**' })).results;
        assert.equal(deep.text, 'é'.repeat(2000));
      });

      it('skips a file with a line over the bound, and names it in a warning', async () => {
        const marker = { pattern: 'marker', pathGlob: 'long/**' };
        const lines = (report: SearchReport) => report.results.map((r) => [r.path, r.lines]);
        const skipped = (report: SearchReport) => report.warnings.filter((w) => / was not searched: /.test(w));
        const all = await run(marker);
        assert.deepEqual(lines(all), [
          ['long/many.txt', [601]],
          ['long/over.txt', [1]],
          ['long/over.txt', [3]],
        ]);
        assert.deepEqual(skipped(all), []);
        const bounded = await run(marker, { maxLineBytes: SMALL_LINE_BOUND });
        assert.deepEqual(lines(bounded), [['long/many.txt', [601]]]);
        assert.deepEqual(skipped(bounded), [
          `${NAMES[0]}/long/over.txt was not searched: it has a line longer than 9.8 KiB (a minified or data file?).`,
          `${NAMES[0]}/long/wide.txt was not searched: it has a line longer than 9.8 KiB (a minified or data file?).`,
        ]);
        // A bound of exactly the longest line keeps the file.
        assert.deepEqual(lines(await run({ pattern: 'marker', pathGlob: 'long/over.txt' }, { maxLineBytes: 20_000 })), [
          ['long/over.txt', [1]],
          ['long/over.txt', [3]],
        ]);
      });

      it('refuses a bad regex with a one-line BAD_INPUT, and stops on cancel', async () => {
        await assert.rejects(
          run({ pattern: 'needle(', regex: true }),
          (err) => isSnapshotError(err, 'BAD_INPUT') && /Invalid regular expression "needle\("/.test(err.message) && !err.message.includes('\n'),
        );
        const controller = new AbortController();
        const searching = run({ pattern: 'needle' }, { signal: controller.signal });
        controller.abort();
        await assert.rejects(searching, (err) => isSnapshotError(err, 'CANCELLED'));
      });
    });
  }
}
