import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../src/core/root/ssh/transport';
import { tempDirs } from '../support/fixtures';
import { repoRoot, run, runCli } from '../support/proc';
import { startSshd, TestSshd } from '../support/sshd';
import { buildSearchFixture, NAMES } from '../core/search/searchSuite';

describe('CLI search', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let source: string, root: string;

  before(async () => {
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
    const base = tmp.make('rs-cli-search');
    source = path.join(base, 'src');
    root = path.join(base, 'root');
    fs.mkdirSync(source);
    await buildSearchFixture(source, root, {});
  });
  after(() => tmp.cleanup());

  it('--json gives one result per (path, line text) with first/last snapshot and the working file', async () => {
    const r = await runCli(['search', root, 'needle (one|two)', '--regex', '--working', source, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.snapshots, 3);
    assert.deepEqual(
      report.results.map((x: { path: string; text: string; first: string; last: string; working: boolean }) => [x.path, x.text, x.first, x.last, x.working]),
      [
        ['a.txt', 'needle one', NAMES[0], NAMES[2], true],
        ['a.txt', 'needle two', NAMES[2], NAMES[2], false],
      ],
    );
  });

  it('prints the file, then each line with the snapshots holding it, for people; -i and --path narrow it', async () => {
    const r = await runCli(['search', root, 'NEEDLE', '-i', '--path', 'docs/**', '--working', source]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^1 matching line in 1 file of .* \(3 snapshots, 1 distinct contents of 3 files searched with (rg|node)\)$/);
    assert.deepEqual(lines.slice(1), ['docs/Upper.md', '  2: NEEDLE in capitals', `      in 3 snapshots, ${NAMES[0]} … ${NAMES[2]}; still in the working file`]);
  });

  it('a bad regex is a one-line error (exit 1, BAD_INPUT in --json), no stack trace', async () => {
    const r = await runCli(['search', root, 'needle(', '--regex']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^rsync-snapshots: Invalid regular expression "needle\(": .*search for plain text/);
    const json = await runCli(['search', root, '[', '-e', '--json']);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).error.code, 'BAD_INPUT');
    const usage = await runCli(['search', root]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /search <root> <pattern>/);
  });

  it('without ripgrep, a regex that backtracks for ages ends in a one-line error (exit 1), no stack trace', async function () {
    this.timeout(30_000); // the CLI's own bound is 5 s; before it, this search did not end
    const r = await runCli(['search', root, '^(a+)+b?c', '--regex', '--no-ripgrep']);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `rsync-snapshots: The regular expression took longer than 5 s on one line of ${NAMES[0]}/long/wide.txt: simplify it, or install ripgrep ("sudo apt-get install ripgrep"; macOS: "brew install ripgrep"), whose engine is linear.`,
    );
    const plain = await runCli(['search', root, 'needle deep', '--no-ripgrep', '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(JSON.parse(plain.stdout).tool, 'node');
  });

  describe('on a remote root (real sshd)', () => {
    let sshd: TestSshd;
    let spec: string;
    before(async () => {
      sshd = await startSshd();
      spec = `${sshd.host}:${path.join(tmp.make('rs-cli-rsearch'), 'root')}`;
      const remoteSource = path.join(tmp.make('rs-cli-rsearch-src'), 'src');
      fs.mkdirSync(remoteSource);
      await buildSearchFixture(remoteSource, spec, { sshCommand: sshd.sshCommand });
    });
    after(async () => {
      await closeAllSshConnections();
      await sshd?.stop();
    });

    it('searches on the host through --ssh-command', async () => {
      const r = await runCli(['search', spec, 'needle two', '--ssh-command', sshd.sshCommand, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.root, spec);
      assert.deepEqual(
        report.results.map((x: { path: string; first: string; lastLine: number }) => [x.path, x.first, x.lastLine]),
        [['a.txt', NAMES[2], 2]],
      );
    });
  });
});
