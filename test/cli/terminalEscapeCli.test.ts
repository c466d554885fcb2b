import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../support/fixtures';
import { takeSnapshot } from '../support/core';
import { runCli } from '../support/proc';

/** Bytes a terminal acts on: C0 controls but newline and tab, DEL, C1 controls, bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = '\x1b[31mred\x1b]0;title\x07';

function assertNoRawControl(text: string, what: string): void {
  const m = RAW_CONTROL.exec(text);
  assert.equal(m, null, `${what} holds a raw U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m?.index}: ${JSON.stringify(text)}`);
}

describe('CLI text output never lets a hostile value drive the terminal', function () {
  this.timeout(60000);
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  let root: string, source: string, names: string[];
  before(async () => {
    const base = tmp.make('rs-cli-escape');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    writeTree(source, {
      'evil.txt': `plain line\nneedle ${HOSTILE} and \u202egnp.exe\u202c and \u009b31m C1\n`,
      [`name${HOSTILE}.txt`]: 'needle in a hostile name\n',
    });
    names = [];
    names.push((await takeSnapshot({ source, root, createRoot: true, now: new Date(2026, 5, 1, 2, 0, 0) })).name);
    names.push((await takeSnapshot({ source, root, now: new Date(2026, 5, 2, 2, 0, 0) })).name);
    // Notes anyone who can write the root can write: a label and a trigger with escape sequences, a newline, bidi.
    const notes = path.join(root, '.rsync-snapshots.d', `${names[0]}.json`);
    fs.writeFileSync(notes, JSON.stringify({ label: `${HOSTILE}\nforged line \u202eevil`, trigger: `cli${HOSTILE}`, pinned: true }));
    fs.mkdirSync(path.join(root, `.inprogress-${HOSTILE}`));
  });

  it('list: label, trigger and unfinished names are escaped, and a label cannot forge a line', async () => {
    const r = await runCli(['list', root]);
    assert.equal(r.code, 0, r.stderr);
    assertNoRawControl(r.stdout, 'list stdout');
    assertNoRawControl(r.stderr, 'list stderr');
    const line = r.stdout.split('\n').find((l) => l.startsWith(names[0]));
    assert.ok(line, r.stdout);
    assert.ok(line.includes('\\u001b[31mred\\u001b]0;title\\u0007'), line);
    assert.ok(line.includes('\\nforged line \\u202eevil'), line);
    assert.match(line, /\(pinned\)$/, 'the rest of the line stays');
    assert.doesNotMatch(r.stdout, /^forged line/m);
    // --json keeps the exact values for programs.
    const json = JSON.parse((await runCli(['list', root, '--json'])).stdout);
    assert.equal(json[0].label, `${HOSTILE}\nforged line \u202eevil`);
  });

  for (const engine of [[], ['--no-ripgrep']]) {
    it(`search${engine.length ? ' --no-ripgrep' : ''}: matching lines and file names with ESC, BEL, C1 and bidi characters are escaped`, async () => {
      const r = await runCli(['search', root, 'needle', ...engine]);
      assert.equal(r.code, 0, r.stderr);
      assertNoRawControl(r.stdout, 'search stdout');
      assertNoRawControl(r.stderr, 'search stderr');
      assert.ok(r.stdout.includes('needle \\u001b[31mred\\u001b]0;title\\u0007 and \\u202egnp.exe\\u202c and \\u009b31m C1'), r.stdout);
      assert.ok(r.stdout.includes('"name\\u001b[31mred\\u001b]0;title\\u0007.txt"'), r.stdout);
      const json = JSON.parse((await runCli(['search', root, 'needle', '--json', ...engine])).stdout);
      assert.ok(
        json.results.some((x: { text: string }) => x.text.includes(HOSTILE)),
        'exact text in --json',
      );
    });
  }

  it('errors and warnings that name a hostile path or snapshot are escaped on stderr', async () => {
    const missing = path.join(path.dirname(root), `missing${HOSTILE}`);
    for (const args of [['list', missing], ['changes', root, names[0], '--working', missing], ['du', `${missing}\u009b2J`], [`bogus${HOSTILE}`]]) {
      const r = await runCli(args);
      assert.notEqual(r.code, 0, `${args.join(' ')}: ${r.stdout}`);
      assertNoRawControl(r.stdout, `${args[0]} stdout`);
      assertNoRawControl(r.stderr, `${args[0]} stderr`);
      assert.ok(r.stderr.length > 0);
    }
    const r = await runCli(['list', missing]);
    assert.ok(r.stderr.includes('missing\\x1b[31mred\\x1b]0;title\\x07'), r.stderr);
    const v = await runCli(['versions', root, `x${HOSTILE}`]);
    assert.equal(v.code, 0, v.stderr);
    assertNoRawControl(v.stdout, 'versions stdout');
    assert.match(v.stdout, /No snapshot holds "x\\u001b\[31mred/);
  });
});
