import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, writeTree } from '../support/fixtures';
import { takeSnapshot } from '../support/core';
import { asNobody, cliPath, cliPathForNobody, run } from '../support/proc';
import { canRunAsNobody, giveToNobody, isRoot } from '../support/unprivileged';

/** The CLI as a user whom file modes bind (nobody when the tests run as root). */
function cliAsUser(args: string[]) {
  const [cmd, argv] = isRoot() ? asNobody(process.execPath, [cliPathForNobody(), ...args]) : [process.execPath, [cliPath(), ...args]];
  return run(cmd, argv);
}

describe('CLI changes: an unreadable snapshot folder', function () {
  this.timeout(60000);
  const tmp = tempDirs();
  const chmodded: string[] = [];
  after(async () => {
    for (const dir of chmodded) fs.chmodSync(dir, 0o755);
    await tmp.cleanup();
  });

  it('changes A B and changes A --working exit 1 naming the folder; never "No changes"', async function () {
    if (isRoot() && !(await canRunAsNobody())) this.skip();
    const base = tmp.make('rs-changescli');
    const source = path.join(base, 'src');
    const root = path.join(base, 'root');
    writeTree(source, { 'a.txt': 'one' });
    const a = (await takeSnapshot({ source, root, createRoot: true, now: new Date(2026, 5, 1, 2, 0, 0) })).name;
    writeTree(source, { 'b.txt': 'two' });
    const b = (await takeSnapshot({ source, root, now: new Date(2026, 5, 2, 2, 0, 0) })).name;
    await giveToNobody(base);

    const control = await cliAsUser(['changes', root, a, b]);
    assert.equal(control.code, 0, control.stderr);
    assert.match(control.stdout, /^A {2}b\.txt$/m);

    const dir = path.join(root, a);
    fs.chmodSync(dir, 0o000);
    chmodded.push(dir);
    for (const args of [
      ['changes', root, a, b],
      ['changes', root, a, '--working', source],
    ]) {
      const r = await cliAsUser(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout, /No changes/);
      assert.ok(r.stderr.includes(`Snapshot ${a} cannot be read (${dir}: permission denied), so nothing was compared.`), r.stderr);
      assert.doesNotMatch(r.stderr, /Unexpected error|\n\s+at /);
      const json = await cliAsUser([...args, '--json']);
      assert.equal(json.code, 1);
      assert.equal(JSON.parse(json.stdout).error.code, 'ROOT_INVALID');
    }
  });
});
