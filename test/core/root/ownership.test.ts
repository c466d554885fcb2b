import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { describeForeign, isOwnRoot, ownershipOf } from '../../../src/core/root/ownership';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { rootOwnership, takeSnapshot } from '../../support/core';

describe('whose snapshots a backup root holds (the source check before any automatic prune)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd | undefined;
  let alice: string, mallory: string, rootDir: string;

  before(async () => {
    const base = tmp.make('rs-sources');
    alice = path.join(base, 'alice');
    mallory = path.join(base, 'mallory');
    rootDir = path.join(base, 'root');
    writeTree(alice, { 'thesis.tex': 'chapter 1' });
    writeTree(mallory, { 'payload.txt': 'x' });
    await takeSnapshot({ source: alice, root: rootDir, createRoot: true, now: new Date(2026, 0, 1) });
    await takeSnapshot({ source: alice, root: rootDir, now: new Date(2026, 0, 2) });
    // A snapshot the seed's shell script made: no notes.
    execFileSync('rsync', ['-a', `--link-dest=${path.join(rootDir, '2026-01-02T00-00-00')}`, `${alice}/`, path.join(rootDir, '2026-01-03T00-00-00/')]);
    await takeSnapshot({ source: mallory, root: rootDir, now: new Date(2026, 0, 4) });
    sshd = await startSshd();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  for (const transport of ['local', 'ssh'] as const) {
    const rootOf = () => (transport === 'local' ? rootDir : `${sshd!.host}:${rootDir}`);
    const options = () => (transport === 'local' ? {} : { sshCommand: sshd!.sshCommand });

    it(`${transport}: sorts snapshots into own, other folders' and unknown (no notes)`, async () => {
      const ownership = await rootOwnership(rootOf(), `${alice}/`, options());
      assert.deepEqual(ownership.own, ['2026-01-01T00-00-00', '2026-01-02T00-00-00']);
      assert.deepEqual([...ownership.others], [[mallory, ['2026-01-04T00-00-00']]]);
      assert.deepEqual(ownership.unknown, ['2026-01-03T00-00-00']);
      assert.equal(isOwnRoot(ownership), false);
      assert.equal(describeForeign(ownership), `1 snapshot of ${mallory} and 1 snapshot without notes (made by another tool or an older version)`);
    });

    it(`${transport}: a root holding only this folder's snapshots is its own`, async () => {
      const own = path.join(tmp.make('rs-own'), 'root');
      await takeSnapshot({ source: alice, root: own, createRoot: true, now: new Date(2026, 1, 1) });
      await takeSnapshot({ source: alice, root: own, now: new Date(2026, 1, 2) });
      fs.mkdirSync(path.join(own, 'not-a-snapshot'));
      const spec = transport === 'local' ? own : `${sshd!.host}:${own}`;
      const ownership = await rootOwnership(spec, alice, options());
      assert.equal(isOwnRoot(ownership), true, describeForeign(ownership));
      assert.equal(ownership.own.length, 2);
      // Seen from another folder the same root is foreign.
      assert.equal(isOwnRoot(await rootOwnership(spec, mallory, options())), false);
    });
  }

  it('garbled or hostile notes count as unknown, never as own', async () => {
    const root = path.join(tmp.make('rs-garbled'), 'root');
    await takeSnapshot({ source: alice, root, createRoot: true, now: new Date(2026, 2, 1) });
    fs.writeFileSync(path.join(root, '.rsync-snapshots.d', '2026-03-01T00-00-00.json'), '{ not json');
    const ownership = await rootOwnership(root, alice);
    assert.deepEqual(ownership.unknown, ['2026-03-01T00-00-00']);
    assert.equal(isOwnRoot(ownership), false);
  });

  it('pure: paths compare normalized; an empty root is its own', () => {
    const o = ownershipOf(
      '/r',
      [
        { name: 'a', source: '/home/a/../a/' },
        { name: 'b', source: '/home/b' },
      ],
      '/home/a',
    );
    assert.deepEqual(o.own, ['a']);
    assert.deepEqual([...o.others.keys()], ['/home/b']);
    assert.equal(isOwnRoot(ownershipOf('/r', [], '/home/a')), true);
  });
});
