import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { distinctSnapshots } from '../../../src/core/changes/distinctSnapshots';
import { tempDirs, writeTree } from '../../support/fixtures';
import { root as openRoot, takeSnapshot } from '../../support/core';

const at = (minute: number) => new Date(2026, 10, 30, 16, minute, 0);

describe('distinct snapshots of a folder: neighbours with the same content are one run', function () {
  this.timeout(60_000);
  const tmp = tempDirs();

  it('groups by content under the folder only, and a same-size, same-mtime rewrite is a change', async () => {
    const base = tmp.make('rs-distinct');
    const ws = path.join(base, 'ws');
    const root = path.join(base, 'root');
    writeTree(ws, { 'docs/a.txt': 'aaaa', 'other.txt': '1' });
    const s1 = await takeSnapshot({ source: ws, root, createRoot: true, now: at(36) });
    fs.writeFileSync(path.join(ws, 'other.txt'), '2'); // outside docs/
    const s2 = await takeSnapshot({ source: ws, root, now: at(40) });
    const s3 = await takeSnapshot({ source: ws, root, now: at(44) });
    const s4 = await takeSnapshot({ source: ws, root, now: at(48) });
    // Another tool left other bytes of the same size and mtime in s4 (its own file, not a hard link): only the bytes tell.
    const file = path.join(root, s4.name, 'docs/a.txt');
    const { mtime } = fs.statSync(file);
    fs.rmSync(file);
    fs.writeFileSync(file, 'bbbb');
    fs.utimesSync(file, mtime, mtime);
    const names = [s1.name, s2.name, s3.name, s4.name];
    const docs = await distinctSnapshots(openRoot(root), names, 'docs');
    assert.deepEqual(
      docs.map((r) => r.names),
      [[s1.name, s2.name, s3.name], [s4.name]],
    );
    const all = await distinctSnapshots(openRoot(root), names, '.');
    assert.deepEqual(
      all.map((r) => r.names),
      [[s1.name], [s2.name, s3.name], [s4.name]],
    );
    // A snapshot known to differ starts its own run without a walk.
    const hinted = await distinctSnapshots(openRoot(root), names, '.', { knownChanged: new Set([s3.name]) });
    assert.deepEqual(
      hinted.map((r) => r.names),
      [[s1.name], [s2.name], [s3.name], [s4.name]],
    );
  });
});
