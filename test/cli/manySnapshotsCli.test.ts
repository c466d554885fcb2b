import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../support/fixtures';
import { runCli } from '../support/proc';

const COUNT = 100_000;

/** COUNT empty snapshot folders, one an hour from 2010 on, and latest at the newest: made with mkdir, in seconds. */
function makeEmptySnapshots(root: string): string[] {
  fs.mkdirSync(root, { recursive: true });
  const start = new Date(2010, 0, 1).getTime();
  const pad = (n: number) => String(n).padStart(2, '0');
  const names: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const t = new Date(start + i * 3_600_000);
    const name = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}-${pad(t.getMinutes())}-${pad(t.getSeconds())}`;
    fs.mkdirSync(path.join(root, name));
    names.push(name);
  }
  fs.symlinkSync(names[names.length - 1], path.join(root, 'latest'));
  return names;
}

describe('CLI at 100,000 snapshots (argument lists over ARG_MAX)', function () {
  this.timeout(180_000);
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  let root: string;
  let names: string[];
  before(() => {
    // A long root path: 100,000 × ~80 bytes is far over the usual 2 MiB ARG_MAX for one find of half of them.
    root = path.join(tmp.make('rs-many'), 'a-backup-root-with-a-rather-long-name-as-real-ones-have');
    names = makeEmptySnapshots(root);
  });

  it('prune --dry-run finishes and plans the deletion (was: "Unexpected error … reading \'on\'" from spawn E2BIG)', async () => {
    const r = await runCli(['prune', root, '--keep-last', '10', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Would delete ${COUNT - 10} of ${COUNT} snapshot\\(s\\) in `, 'm'));
    assert.doesNotMatch(r.stderr, /Unexpected error|E2BIG/);
  });

  it('du finishes and reports every snapshot', async () => {
    const r = await runCli(['du', root, '--no-cache', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { snapshots: { name: string }[]; warnings: string[] };
    assert.equal(report.snapshots.length, COUNT);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.snapshots[0].name, names[0]);
  });
});
