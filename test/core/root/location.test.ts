import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSnapshotError } from '../../../src/core/util/errors';
import { isRemoteRootSpec, parseRootLocation } from '../../../src/core/root/location';
import { joinCommand, shellQuote, splitCommand, sshCounters } from '../../../src/core/root/ssh/transport';
import { tempDirs } from '../../support/fixtures';
import { listSnapshots, takeSnapshot } from '../../support/core';

describe('remote root location', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('parses [user@]host:/absolute/path as rsync writes it', () => {
    assert.deepEqual(parseRootLocation('backup@nas:/srv/backups/proj'), { kind: 'remote', host: 'nas', user: 'backup', path: '/srv/backups/proj', spec: 'backup@nas:/srv/backups/proj' });
    assert.deepEqual(parseRootLocation('nas.local:/srv//b/'), { kind: 'remote', host: 'nas.local', user: undefined, path: '/srv/b', spec: 'nas.local:/srv/b' });
    assert.deepEqual(parseRootLocation('me@[::1]:/b'), { kind: 'remote', host: '::1', user: 'me', path: '/b', spec: 'me@[::1]:/b' });
    const spaced = parseRootLocation('h:/a b/c;$(x)');
    assert.equal(spaced.kind, 'remote');
    assert.equal(spaced.path, '/a b/c;$(x)');
  });

  it('keeps local paths local: a ":" after a "/" does not make a host', () => {
    assert.deepEqual(parseRootLocation('/tmp/a:b'), { kind: 'local', path: '/tmp/a:b' });
    assert.deepEqual(parseRootLocation('./a:b'), { kind: 'local', path: path.resolve('a:b') });
    assert.deepEqual(parseRootLocation('/plain/dir'), { kind: 'local', path: '/plain/dir' });
    assert.equal(isRemoteRootSpec('/tmp/a:b'), false);
    assert.equal(isRemoteRootSpec('./a:b'), false);
    assert.equal(isRemoteRootSpec('host:/x'), true);
  });

  const refused: [string, RegExp][] = [
    ['-oProxyCommand=sh -c id:/backup', /starts with "-"/],
    ['-oProxyCommand=touch /tmp/pwned:/backup', /starts with "-"/],
    ['me@-oProxyCommand=x:/backup', /host "-oProxyCommand=x" starts with "-"/],
    ['-me@host:/backup', /starts with "-"/],
    ['host:relative/path', /must be absolute/],
    ['host:~/backups', /must be absolute/],
    ['host:', /must be absolute/],
    [':/x', /no host name/],
    ['@host:/x', /empty user/],
    ['ho\nst:/x', /control characters/],
    ['host:/x\ny', /control characters/],
    ['host:/x\u001b[2J', /control characters/],
    ['host::module/path', /rsync daemon/],
    ['rsync://host/module', /rsync daemon/],
    ['ho st:/x', /not a valid host name/],
    ['h$(id):/x', /not a valid host name/],
  ];
  for (const [spec, message] of refused) {
    it(`refuses ${JSON.stringify(spec)} with a clear BAD_INPUT`, () => {
      assert.throws(
        () => parseRootLocation(spec),
        (err: unknown) => isSnapshotError(err, 'BAD_INPUT') && message.test(err.message),
      );
    });
  }

  it('a host "-oProxyCommand=touch /tmp/pwned-…" is refused by list and snapshot and nothing runs', async () => {
    const marker = path.join('/tmp', `pwned-${process.pid}-${Date.now()}`);
    const source = tmp.make('rs-hostile-src');
    const before = sshCounters.processesStarted;
    const cwd = process.cwd();
    const scratch = tmp.make('rs-hostile-cwd');
    process.chdir(scratch); // a spec misread as a relative local path would create folders here
    try {
      const relative = `pwned-${process.pid}`; // a relative marker: would appear in the (scratch) working folder
      for (const root of [
        `-oProxyCommand=touch ${marker}:/backup`,
        `-oProxyCommand=touch${'${IFS}'}${marker}:/backup`,
        `-oProxyCommand=touch ${relative}:/b`,
        `x@-oProxyCommand=touch ${relative}:/b`,
      ]) {
        await assert.rejects(listSnapshots(root), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
        await assert.rejects(takeSnapshot({ source, root, createRoot: true }), (err: unknown) => isSnapshotError(err, 'BAD_INPUT'));
      }
    } finally {
      process.chdir(cwd);
    }
    assert.equal(sshCounters.processesStarted, before, 'no ssh process may start');
    assert.equal(fs.existsSync(marker), false, `${marker} was created: the command ran`);
    assert.deepEqual(fs.readdirSync(scratch), [], 'nothing was created locally');
  });
});

describe('ssh argument quoting', () => {
  it("shellQuote wraps every argument in single quotes, a quote as '\\''", () => {
    assert.equal(shellQuote('plain'), `'plain'`);
    assert.equal(shellQuote(''), `''`);
    assert.equal(shellQuote(`it's`), `'it'\\''s'`);
    assert.equal(shellQuote('$(touch x); `y` "z"'), `'$(touch x); \`y\` "z"'`);
    assert.throws(
      () => shellQuote('a\0b'),
      (err: unknown) => isSnapshotError(err, 'BAD_INPUT'),
    );
  });

  it('splits an ssh command like rsync splits -e / RSYNC_RSH, and joinCommand inverts it', () => {
    assert.deepEqual(splitCommand('ssh'), ['ssh']);
    assert.deepEqual(splitCommand('  ssh  -p 2222 -F "/my dir/config" '), ['ssh', '-p', '2222', '-F', '/my dir/config']);
    assert.deepEqual(splitCommand(`ssh -o 'ProxyJump=a b' -i "x""y"`), ['ssh', '-o', 'ProxyJump=a b', '-i', 'x"y']);
    assert.deepEqual(splitCommand(`ssh -l ''`), ['ssh', '-l', '']);
    assert.throws(
      () => splitCommand('ssh -F "unterminated'),
      (err: unknown) => isSnapshotError(err, 'BAD_INPUT'),
    );
    for (const argv of [
      ['ssh', '-F', '/a b/c'],
      ['ssh', `it's`, 'say "hi"', ''],
      ['/usr/bin/ssh', '-o', 'ControlPath=/tmp/x/%C'],
    ])
      assert.deepEqual(splitCommand(joinCommand(argv)), argv);
  });
});
