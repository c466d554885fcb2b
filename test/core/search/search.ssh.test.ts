import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllSshConnections, sshCounters } from '../../../src/core/root/ssh/transport';
import { tempDirs } from '../../support/fixtures';
import { search } from '../../support/core';
import { startSshd, TestSshd } from '../../support/sshd';
import { buildSearchFixture, searchSuite } from './searchSuite';

/** The test host is this machine: rg on its PATH is what the host's search uses. */
const hostHasRg = (process.env.PATH ?? '').split(':').some((dir) => dir && fs.existsSync(path.join(dir, 'rg')));

describe('search across the snapshots of a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;
  let source = '';
  let spec = '';
  before(async () => {
    sshd = await startSshd();
    source = path.join(tmp.make('rs-rsearch'), 'src');
    fs.mkdirSync(source);
    spec = `${sshd.host}:${path.join(tmp.make('rs-rsearch-remote'), 'root dir')}`;
    await buildSearchFixture(source, spec, { sshCommand: sshd.sshCommand });
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  it('costs two ssh calls: the listing and the search itself', async () => {
    const before = sshCounters.processesStarted;
    await search(spec, { pattern: 'needle' }, { sshCommand: sshd.sshCommand });
    assert.equal(sshCounters.processesStarted - before, 2);
  });

  searchSuite(
    () => ({ spec, source, reach: { sshCommand: sshd.sshCommand } }),
    [
      { name: 'grep on the host', options: { noRipgrep: true }, tool: 'grep' },
      { name: 'rg on the host when it has one (else grep)', options: {}, tool: hostHasRg ? 'rg' : 'grep' },
    ],
  );
});
