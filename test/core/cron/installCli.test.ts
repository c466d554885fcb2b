import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkCliInstall, chooseNode, defaultCliPaths, installCli, readCliInstall, refreshCliInstall } from '../../../src/core/cron/installCli';
import { VERSION } from '../../../src/core/version';
import { buildCli } from '../../support/cliBundle';
import { tempDirs, writeTree } from '../../support/fixtures';
import { run } from '../../support/proc';
import { cronLine, listSnapshots } from '../../support/core';

/** The CLI installed where an extension update cannot delete it, in a temp HOME: real files, real /bin/sh, the real CLI. */
describe('installing the CLI (launcher + copy, refreshed on update)', function () {
  this.timeout(60_000);
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  /** A fresh HOME and an "extension folder" holding this build's cli.js (the folder an update deletes). */
  async function setup() {
    const home = tmp.make('rs-home');
    const extension = tmp.make('rs-ext-0.1.0');
    const cliSource = await buildCli(extension);
    return { home, extension, cliSource, paths: defaultCliPaths(home) };
  }

  it('installs a launcher in ~/.local/bin and the CLI in ~/.local/share; a cron line through it keeps working after the extension folder is gone', async () => {
    const { home, extension, cliSource, paths } = await setup();
    const install = await installCli({ cliSource, version: VERSION, node: process.execPath, electron: false, home });
    assert.equal(install.bin, paths.bin);
    assert.equal(path.join(home, '.local/bin/rsync-snapshots'), install.bin);
    assert.ok(fs.statSync(install.bin).mode & 0o100, 'the launcher is executable');
    assert.deepEqual(await readCliInstall(paths.dir), install);
    fs.rmSync(extension, { recursive: true }); // the next update deletes the old version's folder

    const version = await run(install.bin, ['--version']);
    assert.equal(version.stdout.trim(), VERSION, version.stderr);
    assert.deepEqual(await checkCliInstall(VERSION, paths.dir).then((c) => c.ok), true);

    const source = path.join(home, 'work');
    const root = path.join(home, 'backups');
    writeTree(source, { 'a.txt': 'alpha' });
    fs.mkdirSync(root);
    const line = cronLine({ source, root, launcher: install.bin });
    assert.ok(line.includes(` ${install.bin} snapshot `), line);
    assert.doesNotMatch(line, /node|cli\.js/);
    const r = await run('/bin/sh', ['-c', line.replace(/^(\S+\s+){5}/, '')], { env: { PATH: '/usr/bin:/bin', HOME: home } }); // cron's own PATH
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal((await listSnapshots(root)).snapshots.length, 1);
  });

  it('refreshes an installed CLI of another version in the same place, and leaves one of this version alone', async () => {
    const { home, cliSource, paths } = await setup();
    const bin = path.join(home, 'my bin', 'rs');
    await installCli({ cliSource, version: '0.0.1', node: process.execPath, electron: false, bin, home });
    const stale = await checkCliInstall('9.9.9', paths.dir);
    assert.equal(stale.ok, false);
    assert.match(stale.detail, new RegExp(`is version ${VERSION.replace(/\./g, '\\.')}, the extension 9\\.9\\.9`));
    const refreshed = await refreshCliInstall({ cliSource, version: VERSION, node: process.execPath, electron: false }, paths.dir);
    assert.equal(refreshed?.bin, bin, 'the path the user chose stays');
    assert.equal((await readCliInstall(paths.dir))?.version, VERSION);
    assert.equal(await refreshCliInstall({ cliSource, version: VERSION, node: process.execPath, electron: false }, paths.dir), undefined);
    assert.equal((await run(bin, ['--version'])).stdout.trim(), VERSION);
  });

  it("the doctor reports a missing launcher, and the CLI's doctor shows the check (HOME of its own)", async () => {
    const { home, cliSource, paths } = await setup();
    assert.equal((await checkCliInstall(VERSION, paths.dir)).ok, true, 'not installed is not a failure');
    const install = await installCli({ cliSource, version: VERSION, node: process.execPath, electron: false, home });
    const root = path.join(home, 'backups');
    fs.mkdirSync(root);
    const ok = await run(process.execPath, [cliSource, 'doctor', root], { env: { ...process.env, HOME: home } });
    assert.match(ok.stdout, new RegExp(`ok +installed CLI.*${install.bin}.*version ${VERSION.replace(/\./g, '\\.')}`, 'i'));
    fs.rmSync(install.bin);
    const missing = await checkCliInstall(VERSION, paths.dir);
    assert.equal(missing.ok, false);
    assert.match(missing.detail, /is missing/);
    assert.match(missing.fix!, /Install the CLI/);
  });

  it('runs an Electron program as node (ELECTRON_RUN_AS_NODE=1), and never overwrites a file that is not its launcher', async () => {
    const { home } = await setup();
    const printer = path.join(home, 'printer.js');
    fs.writeFileSync(printer, 'console.log(JSON.stringify([process.env.ELECTRON_RUN_AS_NODE, ...process.argv.slice(2)]))');
    assert.deepEqual(chooseNode(undefined, '/opt/VSCode/code', true), { node: '/opt/VSCode/code', electron: true });
    assert.deepEqual(chooseNode('/usr/bin/node', '/opt/VSCode/code', true), { node: '/usr/bin/node', electron: false });
    const install = await installCli({ cliSource: printer, version: VERSION, node: process.execPath, electron: true, home });
    const r = await run(install.bin, ["it's", 'a b']);
    assert.deepEqual(JSON.parse(r.stdout), ['1', "it's", 'a b']);

    const foreign = path.join(home, 'foreign');
    fs.writeFileSync(foreign, '#!/bin/sh\necho mine\n');
    await assert.rejects(installCli({ cliSource: printer, version: VERSION, node: process.execPath, electron: false, bin: foreign, home }), /already exists and is not our launcher/);
    assert.equal(fs.readFileSync(foreign, 'utf8'), '#!/bin/sh\necho mine\n');
    await assert.rejects(installCli({ cliSource: printer, version: VERSION, node: process.execPath, electron: false, bin: 'relative/rs', home }), /absolute path/);
  });
});
