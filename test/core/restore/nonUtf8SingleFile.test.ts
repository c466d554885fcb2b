import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeNameBytes } from '../../../src/core/util/nameBytes';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { tempDirs } from '../../support/fixtures';
import { cliPath, repoRoot, run } from '../../support/proc';
import { startSshd, TestSshd } from '../../support/sshd';
import { applyRestore, planRestore, takeSnapshot } from '../../support/core';

/** Issue 24: a single-file restore of a name that is not valid UTF-8 restores it byte for byte (it failed with "not in snapshot"). */
const BAD = Buffer.from([0xff, 0xfe]);
const BAD_DIR = Buffer.concat([Buffer.from('dir-'), Buffer.from([0xc3, 0x28])]);
const LATIN1 = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.txt')]);

const bytesPath = (dir: string, ...rel: Buffer[]) => Buffer.concat([Buffer.from(dir), ...rel.flatMap((r) => [Buffer.from('/'), r])]);
const text = (...rel: Buffer[]) => rel.map((r) => decodeNameBytes(r)).join('/');

function suite(transport: 'local' | 'ssh') {
  describe(`single-file restore of a name that is not UTF-8 (${transport})`, function () {
    this.timeout(120_000);
    const tmp = tempDirs();
    let sshd: TestSshd | undefined;
    let sshCommand: string | undefined;
    let ws: string;
    let root: string;
    let snapshot: string;

    before(async () => {
      if (transport === 'ssh') {
        sshd = await startSshd();
        sshCommand = sshd.sshCommand;
      }
      const build = await run(process.execPath, ['esbuild.mjs'], { cwd: repoRoot() });
      assert.equal(build.code, 0, build.stderr);
    });
    beforeEach(async () => {
      const base = tmp.make('rs-utf8-file');
      ws = path.join(base, 'ws');
      const localRoot = path.join(base, 'root');
      root = sshd ? `${sshd.host}:${localRoot}` : localRoot;
      fs.mkdirSync(path.join(ws, 'sub'), { recursive: true });
      fs.writeFileSync(bytesPath(ws, BAD), 'bad name');
      fs.mkdirSync(bytesPath(ws, BAD_DIR));
      fs.writeFileSync(bytesPath(ws, BAD_DIR, Buffer.from('inner.txt')), 'inside a bad folder');
      fs.writeFileSync(bytesPath(ws, Buffer.from('sub'), LATIN1), 'latin-1');
      snapshot = (await takeSnapshot({ source: ws, root, createRoot: true, sshCommand })).name;
      fs.rmSync(bytesPath(ws, BAD));
      fs.writeFileSync(bytesPath(ws, BAD_DIR, Buffer.from('inner.txt')), 'changed since, a different size');
    });
    after(async () => {
      await closeAllSshConnections();
      await sshd?.stop();
      await tmp.cleanup();
    });

    it('restores a deleted file, a file in a folder whose name is not UTF-8, and one in a plain folder, byte for byte', async () => {
      for (const [rel, kind, content] of [
        [[BAD], 'create', 'bad name'],
        [[BAD_DIR, Buffer.from('inner.txt')], 'overwrite', 'inside a bad folder'],
        [[Buffer.from('sub'), LATIN1], undefined, 'latin-1'],
      ] as const) {
        const plan = await planRestore({ root, snapshot, path: text(...rel), target: path.join(ws, text(...rel)), sshCommand });
        assert.deepEqual(
          plan.items.map((i) => i.kind),
          kind ? [kind] : [],
          JSON.stringify(plan.items),
        );
        const result = await applyRestore(plan, { sshCommand });
        assert.deepEqual(result.failed, []);
        assert.equal(fs.readFileSync(bytesPath(ws, ...rel), 'utf8'), content);
      }
    });

    it('restores it as a copy under its own name into another folder', async () => {
      const other = tmp.make('rs-utf8-copy');
      const plan = await planRestore({ root, snapshot, path: text(BAD), target: path.join(other, text(BAD)), sshCommand });
      const result = await applyRestore(plan, { sshCommand });
      assert.deepEqual(result.failed, []);
      assert.equal(fs.readFileSync(bytesPath(other, BAD), 'utf8'), 'bad name');
    });

    it('the CLI takes the raw bytes from argv and restores them', async () => {
      const ssh = sshCommand ? ['--ssh-command', sshCommand] : [];
      // argv bytes that are not UTF-8 can only be given through a shell: printf makes them.
      const r = await run('sh', [
        '-c',
        'cli=$1 root=$2 ws=$3; shift 3; name=$(printf "\\377\\376"); exec "$0" "$cli" restore "$root" latest "$name" "$ws/$name" --workspace "$ws" "$@"',
        process.execPath,
        cliPath(),
        root,
        ws,
        ...ssh,
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /restored "\\xff\\xfe"/);
      assert.equal(fs.readFileSync(bytesPath(ws, BAD), 'utf8'), 'bad name');
    });
  });
}

suite('local');
suite('ssh');
