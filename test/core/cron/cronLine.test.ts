import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { quoteForCrontab } from '../../../src/core/cron/cronLine';
import { acquireLock } from '../../../src/core/root/local/lock';
import { tempDirs, writeTree } from '../../support/fixtures';
import { run } from '../../support/proc';
import { buildCli } from '../../support/cliBundle';
import { cronLine, listSnapshots } from '../../support/core';

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
    const base = tmp.make('rs-cron');
    const source = path.join(base, 'src 100%');
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'alpha' });
    fs.mkdirSync(root);
    const cli = await buildCli(tmp.make('rs-cli'));
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
});
