import fs from 'node:fs';
import path from 'node:path';
import { writeTree } from './fixtures';
import { takeSnapshot } from './core';

/** Hostile names that exist in the snapshot and were deleted from the workspace afterwards. */
export const HOSTILE = ['nl\nname', '-dash', 'sp ace', 'e\u0301-nfd', 'a -> b', 'back\\#123slash', 'tab\tx'];

/**
 * A workspace `ws` with a snapshot in `root`, then changed: changed.txt rewritten (other size), gone.txt and the
 * hostile names deleted, dir/ removed, mode.txt chmod 600, link re-pointed, extra.txt and extradir/ added.
 */
export async function restoreFixture(base: string): Promise<{ ws: string; root: string; snapshot: string }> {
  const ws = path.join(base, 'ws');
  const root = path.join(base, 'root');
  fs.mkdirSync(root);
  writeTree(ws, {
    'keep.txt': 'same',
    'changed.txt': 'v1',
    'gone.txt': 'deleted later',
    'mode.txt': 'mode',
    'dir/sub/deep.txt': 'deep',
    ...Object.fromEntries(HOSTILE.map((n) => [n, `content of ${JSON.stringify(n)}`])),
  });
  fs.symlinkSync('/etc', path.join(ws, 'link'));
  const old = new Date('2024-01-02T03:04:05Z');
  for (const f of ['changed.txt', 'gone.txt', 'keep.txt', 'mode.txt']) fs.utimesSync(path.join(ws, f), old, old);
  const snap = await takeSnapshot({ source: ws, root });
  fs.writeFileSync(path.join(ws, 'changed.txt'), 'version two');
  fs.rmSync(path.join(ws, 'gone.txt'));
  for (const n of HOSTILE) fs.rmSync(path.join(ws, n));
  fs.rmSync(path.join(ws, 'dir'), { recursive: true });
  fs.chmodSync(path.join(ws, 'mode.txt'), 0o600);
  fs.rmSync(path.join(ws, 'link'));
  fs.symlinkSync('/tmp', path.join(ws, 'link'));
  writeTree(ws, { 'extra.txt': 'new', 'extradir/x': 'x' });
  return { ws, root, snapshot: snap.name };
}
