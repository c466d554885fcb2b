import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../support/fixtures';
import { repoRoot, run, runCli, sleep } from '../support/proc';
import { formatSnapshotName } from '../../src/core/root/format';

describe('CLI (node dist/cli.js)', function () {
  this.timeout(60000);
  const tmp = tempDirs();
  before(async () => {
    const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
    assert.equal(build.code, 0, build.stderr);
  });
  after(() => tmp.cleanup());

  function setup() {
    const base = tmp.make('rs-cli');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'alpha', 'node_modules/x.js': 'x', 'sub/b.txt': 'bravo' });
    fs.mkdirSync(root);
    return { base, source, root };
  }

  it('snapshot --json prints name, path and linkDest (null on a full copy, the previous snapshot after)', async () => {
    const { source, root } = setup();
    const r1 = await runCli(['snapshot', source, root, '--json', '--exclude', 'node_modules/']);
    assert.equal(r1.code, 0, r1.stderr);
    const first = JSON.parse(r1.stdout);
    assert.match(first.name, /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}$/);
    assert.equal(first.path, path.join(root, first.name));
    assert.equal(first.linkDest, null);
    assert.equal(fs.existsSync(path.join(first.path, 'node_modules')), false, '--exclude applied');
    assert.equal(fs.readFileSync(path.join(first.path, 'sub/b.txt'), 'utf8'), 'bravo');

    const r2 = await runCli(['snapshot', source, root, '--json', '--one-file-system']);
    assert.equal(r2.code, 0, r2.stderr);
    const second = JSON.parse(r2.stdout);
    assert.equal(second.linkDest, first.path);
    assert.notEqual(second.name, first.name);
    assert.equal(fs.statSync(path.join(second.path, 'a.txt')).ino, fs.statSync(path.join(first.path, 'a.txt')).ino);
  });

  it('snapshot prints a readable summary without --json', async () => {
    const { source, root } = setup();
    const r = await runCli(['snapshot', source, root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Snapshot \S+ → /);
    assert.match(r.stdout, /full copy/);
  });

  it('snapshot --create makes a missing root; without it the error says how to fix it', async () => {
    const { base, source } = setup();
    const root = path.join(base, 'made', 'here');
    const refused = await runCli(['snapshot', source, root]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /does not exist/);
    assert.match(refused.stderr, /--create/);
    const created = await runCli(['snapshot', source, root, '--create', '--json']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).path.startsWith(root + path.sep), true);
  });

  it('list --json has name, path, time (ISO 8601) and latest for every snapshot, oldest first', async () => {
    const { source, root } = setup();
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      if (i) await sleep(1100);
      const r = await runCli(['snapshot', source, root, '--json']);
      assert.equal(r.code, 0, r.stderr);
      names.push(JSON.parse(r.stdout).name);
    }
    fs.mkdirSync(path.join(root, '2020-01-01-000000')); // rsync-time-backup name: read too
    const r = await runCli(['list', root, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as { name: string; path: string; time: string; latest: boolean }[];
    assert.deepEqual(
      listed.map((s) => s.name),
      ['2020-01-01-000000', ...names],
    );
    for (const s of listed) {
      assert.equal(s.path, path.join(root, s.name));
      assert.match(s.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:\d{2})$/);
      assert.ok(!Number.isNaN(Date.parse(s.time)));
    }
    assert.equal(new Date(listed[0].time).getTime(), new Date(2020, 0, 1, 0, 0, 0).getTime());
    assert.deepEqual(
      listed.map((s) => s.latest),
      [false, false, true],
    );

    const text = await runCli(['list', root]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`${names[1]}\\s+\\(latest\\)`));
  });

  it('list of an empty root is an empty JSON array', async () => {
    const { root } = setup();
    const r = await runCli(['list', root, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });

  it('--help works for the program and for every command it lists', async () => {
    const main = await runCli(['--help']);
    assert.equal(main.code, 0);
    const section = main.stdout.split(/^commands:$/m)[1] ?? '';
    const commands = [...section.matchAll(/^ {2}(\S+)\s{2,}/gm)].map((m) => m[1]);
    assert.ok(commands.includes('snapshot') && commands.includes('list'), main.stdout);
    for (const name of commands) {
      const r = await runCli([name, '--help']);
      assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: rsync-snapshots ${name}\\b`), name);
      assert.match(r.stdout, /--json/, `${name} --help mentions --json`);
    }
  });

  it('usage errors exit 2: no command, unknown command, unknown option, wrong argument count', async () => {
    const none = await runCli([]);
    assert.equal(none.code, 2);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    const badOption = await runCli(['list', '/tmp', '--no-such-option']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /no-such-option/);
    const missingArg = await runCli(['snapshot', '/tmp']);
    assert.equal(missingArg.code, 2);
    assert.match(missingArg.stderr, /usage: rsync-snapshots snapshot/);
  });

  it('errors exit 1 with a clear message (and a JSON error object with --json)', async () => {
    const { base, source, root } = setup();
    const missingSource = await runCli(['snapshot', path.join(base, 'nope'), root]);
    assert.equal(missingSource.code, 1);
    assert.match(missingSource.stderr, /^rsync-snapshots: Source folder .*nope does not exist/m);
    assert.doesNotMatch(missingSource.stderr, /at .*\.js:\d+/, 'no stack trace for a user error');

    const missingRoot = await runCli(['list', path.join(base, 'no-root'), '--json']);
    assert.equal(missingRoot.code, 1);
    assert.match(missingRoot.stderr, /does not exist/);
    const body = JSON.parse(missingRoot.stdout);
    assert.equal(body.error.code, 'ROOT_INVALID');
    assert.match(body.error.message, /no-root/);

    const fileAsSource = await runCli(['snapshot', path.join(source, 'a.txt'), root]);
    assert.equal(fileAsSource.code, 1);
    assert.match(fileAsSource.stderr, /not a folder/);
    assert.deepEqual(fs.readdirSync(root), []);
  });
  it('empty paths are refused everywhere (an unset $ROOT must not mean the current folder), exit 2, nothing written', async () => {
    const { source, root } = setup();
    const cwd = tmp.make('rs-cli-cwd');
    const cases: [string[], RegExp][] = [
      [['snapshot', source, ''], /The root argument is empty/],
      [['snapshot', '', root], /The source argument is empty/],
      [['snapshot', source, ' '], /The root argument is empty/],
      [['list', ''], /The root argument is empty/],
      [['versions', root, 'a.txt', '--working', ''], /--working is empty/],
      [['versions', root, 'a.txt', '--working='], /--working is empty/],
      [['changes', root, 'latest', '--working', ''], /--working is empty/],
      [['restore', root, 'latest', '.', ''], /The target argument is empty/],
      [['prune', '', '--keep-last', '1'], /The root argument is empty/],
      [['du', ''], /The root argument is empty/],
      [['doctor', ''], /The root argument is empty/],
    ];
    for (const [args, expected] of cases) {
      const r = await runCli(args, { cwd });
      assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected, JSON.stringify(args));
      assert.match(r.stderr, /variable/, 'says what probably happened');
    }
    assert.deepEqual(fs.readdirSync(cwd), [], 'nothing written into the current folder');
    assert.deepEqual(fs.readdirSync(root), []);
  });

  it('negative --keep-last / --older-than / --strategy say what is accepted (not "argument is ambiguous"), and delete nothing', async () => {
    const { source, root } = setup();
    const r1 = await runCli(['snapshot', source, root]);
    assert.equal(r1.code, 0, r1.stderr);
    const cases: [string[], RegExp][] = [
      [['--keep-last', '-1'], /--keep-last takes a whole number of snapshots, 0 or more \(e\.g\. --keep-last 10\), not "-1"/],
      [['--older-than', '-5d'], /--older-than takes an age: a whole number of 0 or more with a unit d, h, w or m \(e\.g\. --older-than 30d\), not "-5d"/],
      [['--strategy', '-1:1'], /--strategy takes tokens X:Y of whole numbers.*not "-1:1"/],
      [['--keep-last=-1'], /--keep-last needs a whole number of snapshots, 0 or more/],
      [['--older-than=-5d'], /Cannot read the age "-5d"/],
      [['--strategy=-1:1'], /Cannot read the strategy token "-1:1"/],
    ];
    for (const [args, expected] of cases) {
      const r = await runCli(['prune', root, ...args]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.doesNotMatch(r.stderr, /ambiguous/, args.join(' '));
      assert.match(r.stderr, expected, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal(fs.readdirSync(root).filter((n) => /^\d{4}-/.test(n)).length, 1);
  });

  it('prune --strategy takes units ("1d:1h") beside rsync-time-backup\'s days, and --help says both', async () => {
    const help = await runCli(['prune', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /1d:1h 7d:1d 90d:1w/);
    assert.match(help.stdout, /1:1 30:7 365:30/);
    // Three days of 10-minute snapshots (empty folders named by time, as any script makes them).
    const root = tmp.make('strategy-units');
    const now = Date.now();
    const names: string[] = [];
    for (let i = 0; i < 3 * 144; i++) {
      const name = formatSnapshotName(new Date(now - (i * 10 + 5) * 60_000));
      fs.mkdirSync(path.join(root, name));
      names.push(name);
    }
    fs.symlinkSync(names[0], path.join(root, 'latest'));
    const r = await runCli(['prune', root, '--strategy', '1d:1h', '--dry-run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { plan } = JSON.parse(r.stdout) as { plan: { delete: { name: string; time: string }[]; keep: { name: string; time: string }[] } };
    const hourOf = (t: string) => Math.floor(new Date(t).getTime() / 3_600_000);
    assert.ok(plan.delete.length > 200, `deleted ${plan.delete.length}`);
    for (const d of plan.delete) assert.ok(now - new Date(d.time).getTime() >= 86_400_000, `${d.name} is younger than a day`);
    const oldKept = plan.keep.filter((k) => now - new Date(k.time).getTime() > 86_400_000 + 3_600_000);
    assert.equal(new Set(oldKept.map((k) => hourOf(k.time))).size, oldKept.length, 'one per hour once older than a day');
    assert.equal(fs.readdirSync(root).filter((n) => /^\d{4}-/.test(n)).length, 3 * 144, 'a dry run deletes nothing');
  });

  it('snapshot --help documents the exit status of a partial snapshot', async () => {
    const r = await runCli(['snapshot', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /exit status: 0 done; 3 partial — some files could not be read, the snapshot is kept and marked partial/);
  });
});
