/**
 * The model of the model test: trees as plain maps (path → what it is: type, bytes, mode, link target), a
 * seeded PRNG, and the pure comparisons the invariants need. Paths are keys of raw bytes (latin1 strings), so a
 * name that is not UTF-8 is carried exactly; `shown()` turns one into text for messages.
 */
import fs from 'node:fs';

export type Entry = { t: 'd'; mode: number } | { t: 'f'; mode: number; data: Buffer; mtimeNs: bigint } | { t: 'l'; target: string };

/** Relative path (bytes as a latin1 string, '/'-separated) → entry. The tree's own root folder is not in it. */
export type Tree = Map<string, Entry>;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const keyOf = (utf8: string): string => Buffer.from(utf8, 'utf8').toString('latin1');
export const utf8Of = (key: string): string => Buffer.from(key, 'latin1').toString('utf8');
export const shown = (key: string): string => JSON.stringify(utf8Of(key));

/** Absolute path of a key under a base folder, as a Buffer (exact bytes). */
export function at(base: string, key: string): Buffer {
  return key === '' ? Buffer.from(base) : Buffer.concat([Buffer.from(base + '/'), Buffer.from(key, 'latin1')]);
}

export function parentOf(key: string): string {
  const i = key.lastIndexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

export function baseOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

export function isBelow(key: string, dir: string): boolean {
  return dir === '' ? key !== '' : key.startsWith(dir + '/');
}

/**
 * The engine's own temp area of a restore (`<target>/.rsync-snapshots-restore.tmp/`, see src/core/restore/temp.ts): it
 * holds rsync's temporary files while a restore runs and after a killed one, is never part of a snapshot or a plan, and
 * the next restore or snapshot removes it (tested by the restore CLI tests). The model's trees leave it out.
 */
export const RESTORE_TEMP_AREA = '.rsync-snapshots-restore.tmp';

/** Reads a folder into a tree (lstat only, never following a link). `skip(key)` leaves entries out (e.g. temp files). */
export function capture(dir: string, skip: (key: string, isTop: boolean) => boolean = () => false): Tree {
  const tree: Tree = new Map();
  const walk = (rel: string) => {
    for (const nameBuf of fs.readdirSync(at(dir, rel), { encoding: 'buffer' })) {
      const name = nameBuf.toString('latin1');
      const key = rel === '' ? name : `${rel}/${name}`;
      if (name === RESTORE_TEMP_AREA || skip(key, rel === '')) continue;
      const p = at(dir, key);
      const st = fs.lstatSync(p, { bigint: true });
      if (st.isDirectory()) {
        tree.set(key, { t: 'd', mode: Number(st.mode & 0o7777n) });
        walk(key);
      } else if (st.isSymbolicLink()) {
        tree.set(key, { t: 'l', target: fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1') });
      } else if (st.isFile()) {
        tree.set(key, { t: 'f', mode: Number(st.mode & 0o7777n), data: fs.readFileSync(p), mtimeNs: st.mtimeNs });
      } else {
        throw new Error(`unexpected special file ${shown(key)} in ${dir}`);
      }
    }
  };
  walk('');
  return tree;
}

export function cloneTree(tree: Tree): Tree {
  return new Map([...tree].map(([k, e]) => [k, { ...e }]));
}

/** Whether two entries hold the same thing: type, bytes / link target, and mode (directories and files). */
export function sameEntry(a: Entry | undefined, b: Entry | undefined, withMode = true): boolean {
  if (!a || !b) return a === b;
  if (a.t !== b.t) return false;
  if (a.t === 'l') return a.target === (b as typeof a).target;
  if (withMode && a.mode !== (b as typeof a).mode) return false;
  if (a.t === 'f') return a.data.equals((b as typeof a).data);
  return true;
}

/** Same content (type, bytes / link target), permissions left aside: what versions/changes mean by "the same". */
export const sameContent = (a: Entry | undefined, b: Entry | undefined) => sameEntry(a, b, false);

export interface TreeDifference {
  key: string;
  expected?: Entry;
  actual?: Entry;
}

/** Every path where two trees differ (type, bytes, link target, mode). Empty: byte-for-byte equal. */
export function diffTrees(expected: Tree, actual: Tree): TreeDifference[] {
  const out: TreeDifference[] = [];
  for (const [key, e] of expected) if (!sameEntry(e, actual.get(key))) out.push({ key, expected: e, actual: actual.get(key) });
  for (const [key, a] of actual) if (!expected.has(key)) out.push({ key, actual: a });
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

export function describeEntry(e: Entry | undefined): string {
  if (!e) return 'absent';
  if (e.t === 'd') return `dir ${e.mode.toString(8)}`;
  if (e.t === 'l') return `symlink -> ${shown(e.target)}`;
  return `file ${e.mode.toString(8)} ${e.data.length} B mtime ${e.mtimeNs} sha ${sha(e.data)}`;
}

function sha(data: Buffer): string {
  // Short, for messages only.
  let h = 0x811c9dc5;
  for (const b of data) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16);
}

export function describeDifferences(diffs: TreeDifference[], max = 6): string {
  const lines = diffs.slice(0, max).map((d) => `${shown(d.key)}: expected ${describeEntry(d.expected)}, found ${describeEntry(d.actual)}`);
  if (diffs.length > max) lines.push(`… and ${diffs.length - max} more`);
  return lines.join('; ');
}

/**
 * A difference that rsync's quick check cannot see: both regular files with the same size and the same mtime
 * (to the second when `seconds`, as rsync's default comparison; to the nanosecond otherwise), different bytes.
 */
export function quickCheckBlind(d: TreeDifference, seconds: boolean): boolean {
  const { expected: e, actual: a } = d;
  if (e?.t !== 'f' || a?.t !== 'f' || e.data.length !== a.data.length || e.data.equals(a.data)) return false;
  return seconds ? e.mtimeNs / 1_000_000_000n === a.mtimeNs / 1_000_000_000n : e.mtimeNs === a.mtimeNs;
}

/** What `changes` should report from tree `from` to tree `to`: non-directories only; modified = content, target or kind. */
export function modelChanges(from: Tree, to: Tree): { added: string[]; modified: string[]; deleted: string[] } {
  const added: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  for (const [key, e] of to) {
    if (e.t === 'd') continue;
    const before = from.get(key);
    if (!before || before.t === 'd') added.push(key);
    else if (!sameContent(before, e)) modified.push(key);
  }
  for (const [key, e] of from) {
    if (e.t === 'd') continue;
    const after = to.get(key);
    if (!after || after.t === 'd') deleted.push(key);
  }
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
  return { added: added.sort(byBytes), modified: modified.sort(byBytes), deleted: deleted.sort(byBytes) };
}

/** The subtree of `tree` at `dir` (keys made relative to it); '' is the whole tree. */
export function subtree(tree: Tree, dir: string): Tree {
  if (dir === '') return cloneTree(tree);
  const out: Tree = new Map();
  for (const [k, e] of tree) if (isBelow(k, dir)) out.set(k.slice(dir.length + 1), { ...e });
  return out;
}

export function joinKey(dir: string, key: string): string {
  return dir === '' ? key : key === '' ? dir : `${dir}/${key}`;
}
