import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { quoteForCrontab } from '../../../src/core/cron/cronLine';
import { parseDelay } from '../../../src/core/cron/randomDelay';
import { spawnSync } from 'node:child_process';
import { acquireLock } from '../../../src/core/root/local/lock';
import { tempDirs, writeTree } from '../../support/fixtures';
import { run } from '../../support/proc';
import { buildCli } from '../../support/cliBundle';
import { cronLine, listSnapshots, systemdUnits } from '../../support/core';

/** What cron does with a crontab line: split off the 5 time fields, turn `\%` into `%` and cut at a bare % (the rest is stdin). */
function cronCommand(line: string): string {
  const command = line.replace(/^(\S+\s+){5}/, '');
  let out = '';
  for (let i = 0; i < command.length; i++) {
    if (command[i] === '\\' && command[i + 1] === '%') {
      out += '%';
      i++;
    } else if (command[i] === '%') {
      break;
    } else out += command[i];
  }
  return out;
}

describe('cronLine', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  /** A source folder (named `name`) with one file, an empty root, and this build's CLI. */
  async function sourceRootAndCli(name: string) {
    const base = tmp.make('rs-cron');
    const source = path.join(base, name);
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'alpha' });
    fs.mkdirSync(root);
    return { source, root, cli: await buildCli(tmp.make('rs-cli')) };
  }

  it('builds the line with the time, flock -n on the root lock and every word quoted', () => {
    const line = cronLine({ source: '/src', root: '/backups/root', at: '23:05', cliPath: '/opt/rs/cli.js', nodePath: '/usr/bin/node' });
    assert.equal(
      line,
      '5 23 * * * /usr/bin/flock -n /backups/root/.rsync-snapshots.lock env RSYNC_SNAPSHOTS_LOCK_HELD=/backups/root/.rsync-snapshots.lock /usr/bin/node /opt/rs/cli.js snapshot /src /backups/root',
    );
    assert.match(cronLine({ source: '/s', root: '/r', cliPath: '/c' }), /^0 2 \* \* \* /);
    assert.throws(() => cronLine({ source: '/s', root: '/r', cliPath: '/c', at: '25:00' }), /HH:MM/);
    assert.equal(quoteForCrontab("it's 100%"), "'it'\\''s 100\\%'");
  });

  it('carries the excludes, and for a remote root no local flock but the ssh command (the CLI locks on the host)', () => {
    const local = cronLine({ source: '/src', root: '/r', cliPath: '/c.js', nodePath: '/usr/bin/node', excludes: ['node_modules/', '*.tmp'] });
    assert.match(local, /snapshot \/src \/r --exclude=node_modules\/ '--exclude=\*\.tmp'$/);
    const remote = cronLine({ source: '/src', root: 'me@host:/backups/r', cliPath: '/c.js', nodePath: '/usr/bin/node', sshCommand: 'ssh -p 2222' });
    assert.equal(remote, "0 2 * * * /usr/bin/node /c.js snapshot /src me@host:/backups/r --ssh-command 'ssh -p 2222'");
  });

  it('passes hostile paths through cron and /bin/sh unchanged', async () => {
    const dir = tmp.make('rs-cron');
    const weird = path.join(dir, 'a b\'c $HOME `x` 50% "q"');
    const printer = path.join(dir, 'argv.js');
    const out = path.join(dir, 'argv.json');
    fs.writeFileSync(printer, `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)))`);
    fs.mkdirSync(weird);
    const line = cronLine({ source: weird, root: weird, cliPath: printer, nodePath: process.execPath });
    const r = await run('/bin/sh', ['-c', cronCommand(line)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), ['snapshot', weird, weird]);
  });

  it('does not run a snapshot while our lock is held, and runs one when it is free', async () => {
    const { source, root, cli } = await sourceRootAndCli('src 100%');
    const line = cronLine({ source, root, cliPath: cli, nodePath: process.execPath });
    const lock = await acquireLock(root);
    try {
      const busy = await run('/bin/sh', ['-c', cronCommand(line)]);
      assert.equal(busy.code, 1, 'flock -n gives up');
      assert.equal((await listSnapshots(root)).snapshots.length, 0);
    } finally {
      await lock.release();
    }
    const free = await run('/bin/sh', ['-c', cronCommand(line)]);
    assert.equal(free.code, 0, free.stderr + free.stdout);
    const listing = await listSnapshots(root);
    assert.equal(listing.snapshots.length, 1);
    assert.equal(fs.readFileSync(path.join(listing.snapshots[0].path, 'a.txt'), 'utf8'), 'alpha');
  });

  it('a random delay first: a POSIX sh sleep (dash has no $RANDOM) whose seconds are in range and differ per run', async () => {
    assert.equal(parseDelay('15m'), 900);
    assert.equal(parseDelay('900'), 900);
    assert.equal(parseDelay('1h'), 3600);
    assert.throws(() => parseDelay('soon'), /e\.g\. 900, 15m or 1h/);
    assert.throws(() => parseDelay('25h'), /at most 24h/);
    const line = cronLine({ source: '/src', root: '/r', cliPath: '/c.js', nodePath: '/usr/bin/node', randomDelaySeconds: 900 });
    const command = cronCommand(line);
    assert.match(command, /^sleep \$\(\( .* % 900 \)\); \/usr\/bin\/flock -n /);
    assert.doesNotMatch(line.replace(/\\%/g, ''), /%/, 'every % escaped for cron');
    // What cron's /bin/sh computes for the sleep: whole seconds in [0, 900), not all the same.
    const seconds = [];
    for (let i = 0; i < 12; i++) {
      const r = await run('/bin/sh', ['-c', `echo ${command.slice('sleep '.length, command.indexOf(';'))}`]);
      assert.equal(r.code, 0, r.stderr);
      seconds.push(Number(r.stdout.trim()));
    }
    for (const s of seconds) assert.ok(Number.isInteger(s) && s >= 0 && s < 900, String(seconds));
    assert.ok(new Set(seconds).size > 1, `random: ${seconds}`);
  });

  it('a line with a random delay of 2 s sleeps under 2 s, then snapshots', async () => {
    const { source, root, cli } = await sourceRootAndCli('src');
    const line = cronLine({ source, root, cliPath: cli, nodePath: process.execPath, randomDelaySeconds: 2 });
    const t0 = Date.now();
    const r = await run('/bin/sh', ['-c', cronCommand(line)]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal((await listSnapshots(root)).snapshots.length, 1);
  });

  it('the systemd user timer alternative: unit files systemd-analyze accepts, the same command, RandomizedDelaySec', async function () {
    const dir = tmp.make('rs-units');
    const weird = path.join(dir, 'src 100% $HOME "q"');
    fs.mkdirSync(weird);
    const units = systemdUnits({ source: weird, root: '/backups/r', cliPath: '/opt/rs/cli.js', nodePath: process.execPath, at: '03:07', randomDelaySeconds: 900 });
    assert.match(units.timer, /^OnCalendar=\*-\*-\* 03:07:00$/m);
    assert.match(units.timer, /^RandomizedDelaySec=900$/m);
    assert.match(units.timer, /^Persistent=true$/m);
    assert.match(units.service, /^ExecStart="\/usr\/bin\/flock" "-n" "\/backups\/r\/\.rsync-snapshots\.lock" /m);
    assert.ok(units.service.includes('"src 100%% $$HOME \\"q\\""'.replace('src', path.join(dir, 'src'))), units.service);
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) return this.skip();
    fs.writeFileSync(path.join(dir, units.serviceName), units.service);
    fs.writeFileSync(path.join(dir, units.timerName), units.timer);
    const verify = spawnSync('systemd-analyze', ['verify', path.join(dir, units.serviceName), path.join(dir, units.timerName)], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(verify.status, 0, verify.stderr);
    assert.doesNotMatch(verify.stderr, /rsync-snapshots\.(service|timer):\d+/, verify.stderr);
  });
});
