import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { planUndoRestore } from '../../../src/core/restore/undo';
import { closeAllSshConnections } from '../../../src/core/root/ssh/transport';
import { tempDirs, writeTree } from '../../support/fixtures';
import { startSshd, TestSshd } from '../../support/sshd';
import { applyRestore, planRestore, root as openSpec, takeSnapshot } from '../../support/core';

/** Every entry's kind and content (or link text). */
function wholeTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const st = fs.lstatSync(full);
    out.set(path.relative(dir, full), st.isSymbolicLink() ? `link ${fs.readlinkSync(full)}` : st.isFile() ? `file ${fs.readFileSync(full).toString('base64')}` : 'dir');
  }
  return out;
}

describe('undo a restore from a remote root (real sshd)', function () {
  this.timeout(120_000);
  const tmp = tempDirs();
  let sshd: TestSshd;

  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await closeAllSshConnections();
    await sshd?.stop();
    await tmp.cleanup();
  });

  it('restore → undo through ssh: byte-identical to before, also when the restore created its target folder', async () => {
    const ssh = { sshCommand: sshd.sshCommand };
    const ws = tmp.make('rs-ru-ws');
    writeTree(ws, { 'a.txt': 'alpha', 'a*b.txt': 'star', 'lib/one.js': '1', 'lib/deep/two.js': '2', 'gone.txt': 'deleted later' });
    const spec = `${sshd.host}:${path.join(tmp.make('rs-ru-remote'), 'ro ot')}`;
    const snap = await takeSnapshot({ source: ws, root: spec, ...ssh, createRoot: true });
    writeTree(ws, { 'a.txt': 'alpha edited', 'a*b.txt': 'star edited!', 'new.txt': 'new' });
    fs.rmSync(path.join(ws, 'gone.txt'));
    fs.rmSync(path.join(ws, 'lib'), { recursive: true });
    const before = wholeTree(ws);

    const restored = await applyRestore(await planRestore({ root: spec, snapshot: snap.name, path: '.', target: ws, delete: true, ...ssh }), { ...ssh, safetySnapshot: { root: spec, source: ws } });
    assert.deepEqual(restored.failed, []);
    assert.ok(fs.existsSync(path.join(ws, 'lib/deep/two.js')) && !fs.existsSync(path.join(ws, 'new.txt')));
    const undo = await planUndoRestore(openSpec(spec, ssh), restored.undo!);
    assert.equal(undo.root, spec);
    const touched = new Set(restored.undo!.paths);
    for (const item of undo.items) assert.ok(touched.has(item.path), item.path);
    await applyRestore(undo, { ...ssh, safetySnapshot: { root: spec, source: ws } });
    assert.deepEqual(wholeTree(ws), before);

    // A restore of the deleted lib/ creates its own target: the undo starts at the folder above it.
    const lib = await applyRestore(await planRestore({ root: spec, snapshot: snap.name, path: 'lib', target: path.join(ws, 'lib'), ...ssh }), { ...ssh, safetySnapshot: { root: spec, source: ws } });
    const undoLib = await planUndoRestore(openSpec(spec, ssh), lib.undo!);
    assert.equal(undoLib.target, ws);
    await applyRestore(undoLib, { ...ssh, safetySnapshot: { root: spec, source: ws } });
    assert.deepEqual(wholeTree(ws), before);
  });
});
