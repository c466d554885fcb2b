import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../../support/fixtures';
import { run, runCli } from '../../support/proc';
import { changeCheckSuite } from './changeCheck.suite';

describe('change check and snapshot --if-changed (local root)', function () {
  this.timeout(60_000);
  changeCheckSuite({ spec: (dir) => dir, reach: () => ({}), cliArgs: () => [] });

  const tmp = tempDirs();
  after(() => tmp.cleanup());

  it('list --json has no label or trigger for a snapshot the plain shell script made (no notes)', async () => {
    const base = tmp.make('rs-seedlist');
    writeTree(path.join(base, 'src'), { 'a.txt': 'alpha' });
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    const name = '2026-01-02T03-04-05';
    await run('rsync', ['-a', `${path.join(base, 'src')}/`, path.join(root, name) + '/']);
    fs.symlinkSync(name, path.join(root, 'latest'));
    const list = await runCli(['list', root, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const [entry] = JSON.parse(list.stdout);
    assert.equal(entry.name, name);
    assert.ok(!('label' in entry) && !('trigger' in entry), list.stdout);
    const skipped = await runCli(['snapshot', path.join(base, 'src'), root, '--if-changed']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(skipped.stdout.trim(), `Nothing changed since ${name}; no snapshot taken.`, 'a seed-script root is checked like ours');
  });
});
