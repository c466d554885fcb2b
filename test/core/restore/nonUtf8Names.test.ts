import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkLinking } from '../../../src/core/snapshot/linkCheck';
import { decodeNameBytes, escapeNameForDisplay, nameBytes, showBytes } from '../../../src/core/util/nameBytes';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { validateRestorePlan } from '../../../src/core/restore/plan';
import { openRoot } from '../../../src/core/root/open';
import { tempDirs, writeTree } from '../../support/fixtures';
import { repoRoot, run, runCli } from '../../support/proc';
import { startSshd, TestSshd } from '../../support/sshd';
import { applyRestore, changes, listSnapshotDir, planRestore, readSnapshotFile, statInSnapshot, takeSnapshot } from '../../support/core';

/** Issue 12, item 3: names that are not UTF-8 are restored byte for byte and shown escaped, never a failure. */
const BAD = Buffer.from([0xff, 0xfe]); // the issue's $'\xff\xfe'
const BAD_DIR = Buffer.concat([Buffer.from('dir-'), Buffer.from([0xc3, 0x28])]); // invalid 2-byte sequence
const BAD_IN_SUB = Buffer.concat([Buffer.from('sub/caf'), Buffer.from([0xe9]), Buffer.from('.txt')]); // latin-1 "café"

const join = (dir: string, ...rel: Buffer[]) => Buffer.concat([Buffer.from(dir), ...rel.flatMap((r) => [Buffer.from('/'), r])]);
const namesIn = (dir: string) =>
  fs
    .readdirSync(dir, { encoding: 'buffer' })
    .map((b) => b.toString('hex'))
    .sort();

describe('names that are not UTF-8: the text form is lossless', () => {
  it('decodes bad bytes to lone surrogates and back, valid UTF-8 untouched; display shows \\xNN', () => {
    for (const bytes of [BAD, BAD_DIR, BAD_IN_SUB, Buffer.from('plain €'), Buffer.from([0xe2, 0x82]), Buffer.from([0xf0, 0x9f, 0x98, 0x80, 0x80])]) {
      assert.deepEqual(nameBytes(decodeNameBytes(bytes)), bytes, bytes.toString('hex'));
    }
    assert.equal(decodeNameBytes(Buffer.from('plain €')), 'plain €');
    assert.equal(escapeNameForDisplay(decodeNameBytes(BAD)), '"\\xff\\xfe"');
    assert.equal(escapeNameForDisplay('literal \\udcff'), '"literal \\\\udcff"', 'a real backslash stays a backslash');
    assert.equal(showBytes(decodeNameBytes(BAD_DIR)), 'dir-\\xc3(');
  });
});

function suite(transport: 'local' | 'ssh') {
  describe(`names that are not UTF-8 (${transport})`, function () {
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
      const base = tmp.make('rs-utf8');
      ws = path.join(base, 'ws');
      const localRoot = path.join(base, 'root');
      root = sshd ? `${sshd.host}:${localRoot}` : localRoot;
      writeTree(ws, { 'plain.txt': 'plain', 'sub/ok.txt': 'ok' });
      fs.writeFileSync(join(ws, BAD), 'bad name');
      fs.mkdirSync(join(ws, BAD_DIR));
      fs.writeFileSync(join(ws, BAD_DIR, Buffer.from('inner.txt')), 'inside a bad folder');
      fs.writeFileSync(join(ws, BAD_IN_SUB), 'latin-1');
      snapshot = (await takeSnapshot({ source: ws, root, createRoot: true, sshCommand })).name;
      // Lose them all in the workspace.
      fs.rmSync(join(ws, BAD));
      fs.rmSync(join(ws, BAD_DIR), { recursive: true });
      fs.rmSync(join(ws, BAD_IN_SUB));
    });
    after(async () => {
      await closeAllSshConnections();
      await sshd?.stop();
      await tmp.cleanup();
    });

    it('a whole-snapshot restore (dry run, then apply) brings back every entry byte for byte', async () => {
      const plan = await planRestore({ root, snapshot, path: '.', target: ws, sshCommand });
      const created = plan.items
        .filter((i) => i.kind === 'create' || i.kind === 'mkdir')
        .map((i) => nameBytes(i.path).toString('hex'))
        .sort();
      assert.deepEqual(created, [BAD, BAD_DIR, Buffer.concat([BAD_DIR, Buffer.from('/inner.txt')]), BAD_IN_SUB].map((b) => b.toString('hex')).sort(), JSON.stringify(plan.items));
      assert.deepEqual(validateRestorePlan(JSON.parse(JSON.stringify(plan)), openRoot(root, { sshCommand })), plan, 'the plan survives JSON (webview, --json) losslessly');
      const result = await applyRestore(JSON.parse(JSON.stringify(plan)), { sshCommand });
      assert.deepEqual(result.failed, []);
      assert.equal(result.restored.length, 4);
      assert.equal(fs.readFileSync(join(ws, BAD), 'utf8'), 'bad name');
      assert.equal(fs.readFileSync(join(ws, BAD_DIR, Buffer.from('inner.txt')), 'utf8'), 'inside a bad folder');
      assert.equal(fs.readFileSync(join(ws, BAD_IN_SUB), 'utf8'), 'latin-1');
      assert.deepEqual(namesIn(ws), [Buffer.from('plain.txt'), Buffer.from('sub'), BAD, BAD_DIR].map((b) => b.toString('hex')).sort());
    });

    it('a folder restore, leaving out one of them, and a delete of one work the same', async () => {
      fs.writeFileSync(join(ws, Buffer.concat([Buffer.from('sub/extra-'), BAD])), 'not in the snapshot');
      const plan = await planRestore({ root, snapshot, path: 'sub', target: path.join(ws, 'sub'), delete: true, sshCommand });
      const byBytes = new Map(plan.items.map((i) => [nameBytes(i.path).toString('hex'), i]));
      const extra = byBytes.get(Buffer.concat([Buffer.from('extra-'), BAD]).toString('hex'));
      assert.equal(extra?.kind, 'delete');
      assert.equal(byBytes.get(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]).toString('hex'))?.kind, 'create');
      const result = await applyRestore(plan, { sshCommand });
      assert.deepEqual(result.failed, []);
      assert.equal(fs.existsSync(join(ws, Buffer.concat([Buffer.from('sub/extra-'), BAD]))), false);
      assert.equal(fs.readFileSync(join(ws, BAD_IN_SUB), 'utf8'), 'latin-1');

      fs.rmSync(join(ws, BAD_IN_SUB));
      const again = await planRestore({ root, snapshot, path: 'sub', target: path.join(ws, 'sub'), sshCommand });
      const skipped = await applyRestore(again, { sshCommand, exclude: [again.items[0].path] });
      assert.deepEqual([skipped.restored, skipped.skipped.length], [[], 1]);
      assert.equal(fs.existsSync(join(ws, BAD_IN_SUB)), false, 'left out: not restored');
    });

    it('the CLI shows such names escaped in restore --dry-run and changes, and restores them', async () => {
      const ssh = sshCommand ? ['--ssh-command', sshCommand] : [];
      const dry = await runCli(['restore', root, 'latest', '.', ws, '--dry-run', ...ssh]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /^ {2}"\\xff\\xfe"$/m);
      assert.match(dry.stdout, /^ {2}"sub\/caf\\xe9\.txt"$/m);
      assert.match(dry.stdout, /^ {2}"dir-\\xc3\("\/$/m);
      const diff = await runCli(['changes', root, snapshot, '--working', ws, ...ssh]);
      assert.equal(diff.code, 0, diff.stderr);
      assert.match(diff.stdout, /^D {2}"\\xff\\xfe"$/m);
      assert.match(diff.stdout, /^D {2}"dir-\\xc3\(\/inner\.txt"$/m);
      const apply = await runCli(['restore', root, 'latest', '.', ws, '--no-safety-snapshot', ...ssh]);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      assert.equal(fs.readFileSync(join(ws, BAD), 'utf8'), 'bad name');
    });

    it('the snapshot browser lists them with their bytes (label \\xNN); locally they open and browse too', async () => {
      const top = await listSnapshotDir(root, snapshot, '', { sshCommand });
      const bad = top.find((e) => nameBytes(e.name).equals(BAD));
      assert.equal(bad?.kind, 'file', JSON.stringify(top));
      assert.equal(showBytes(bad.name), '\\xff\\xfe');
      assert.equal(top.find((e) => nameBytes(e.name).equals(BAD_DIR))?.kind, 'directory');
      if (transport === 'local') {
        assert.equal((await readSnapshotFile(root, snapshot, bad.name)).toString(), 'bad name');
        assert.equal((await statInSnapshot(root, snapshot, bad.name)).size, 8);
        const inner = await listSnapshotDir(root, snapshot, decodeNameBytes(BAD_DIR));
        assert.deepEqual(
          inner.map((e) => e.name),
          ['inner.txt'],
        );
      }
    });

    if (transport === 'local')
      it('link diagnostics look at them too (a full copy is still explained)', async () => {
        fs.writeFileSync(join(ws, BAD), 'bad name'); // in both snapshots
        fs.rmSync(path.join(root, 'latest'));
        const full = await takeSnapshot({ source: ws, root });
        assert.equal(full.linkDest, null);
        const diagnosis = await checkLinking(openRoot(root), full);
        assert.equal(diagnosis?.cause, 'latest-missing', JSON.stringify(diagnosis));
      });

    it('changes lists them losslessly (the bytes can be turned back into the real path)', async () => {
      const c = await changes(root, snapshot, { working: ws }, { sshCommand });
      assert.deepEqual(c.deleted.map((p) => nameBytes(p).toString('hex')).sort(), [BAD, Buffer.concat([BAD_DIR, Buffer.from('/inner.txt')]), BAD_IN_SUB].map((b) => b.toString('hex')).sort());
    });
  });
}

suite('local');
suite('ssh');
