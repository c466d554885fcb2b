import type { ListedEntry } from '../changes/treeDiff';
import type { StatLike } from '../util/fileCompare';
import type { ChangeEntry, ChangeKind } from './format';

const S_IFMT = 0o170000n;
const PERM = 0o7777n;

function kindLetter(stat: StatLike): ChangeKind {
  if (stat.isFile()) return 'f';
  if (stat.isDirectory()) return 'd';
  if (stat.isSymbolicLink()) return 'l';
  return 'o';
}

/**
 * Pure but for `sameBytes`: the entries of snapshot N's change set against P, from two complete listings (relative
 * path as latin1 text of its bytes → entry, as findListing/readFindRecord give them). Same dev+ino ⇒ unchanged (a
 * --link-dest hard link). Otherwise kind, size, mtime, permission bits, link target and device are compared; regular
 * files whose size and mtime are equal have their bytes compared (`sameBytes`, all at once): the set says "unchanged"
 * only when it is byte-true. Sorted by path bytes.
 */
export async function computeChangeEntries(p: Map<string, ListedEntry>, n: Map<string, ListedEntry>, sameBytes: (paths: Buffer[]) => Promise<boolean[]>): Promise<ChangeEntry[]> {
  const out: ChangeEntry[] = [];
  const toRead: { path: Buffer; flags: string }[] = [];
  for (const [key, en] of n) {
    const ep = p.get(key);
    const path = Buffer.from(key, 'latin1');
    if (!ep) {
      out.push({ op: '+', kind: kindLetter(en.stat), flags: '', path });
      continue;
    }
    const [a, b] = [ep.stat, en.stat];
    if (a.dev === b.dev && a.ino === b.ino) continue;
    const kind = kindLetter(b);
    let flags = '';
    if (kindLetter(a) !== kind) flags = 'k';
    else {
      if (kind !== 'd' && a.size !== b.size) flags += 's';
      if (kind !== 'd' && a.mtimeNs !== b.mtimeNs) flags += 't';
      if (kind !== 'l' && (a.mode & PERM) !== (b.mode & PERM)) flags += 'm';
      if (kind === 'l' && !(ep.linkTarget ?? Buffer.alloc(0)).equals(en.linkTarget ?? Buffer.alloc(0))) flags += 'l';
      if (kind === 'o' && ((a.mode & S_IFMT) !== (b.mode & S_IFMT) || a.rdev !== b.rdev)) flags += 'r';
      if (kind === 'f' && !flags.includes('s') && !flags.includes('t')) {
        toRead.push({ path, flags }); // only 'm' can be set: the bytes decide 'c'
        continue;
      }
    }
    if (flags) out.push({ op: '~', kind, flags, path });
  }
  for (const [key, ep] of p) if (!n.has(key)) out.push({ op: '-', kind: kindLetter(ep.stat), flags: '', path: Buffer.from(key, 'latin1') });
  if (toRead.length) {
    const same = await sameBytes(toRead.map((r) => r.path));
    if (same.length !== toRead.length) throw new Error(`computeChangeEntries: ${same.length} content results for ${toRead.length} files`);
    toRead.forEach(({ path, flags }, i) => {
      const all = flags + (same[i] ? '' : 'c');
      if (all) out.push({ op: '~', kind: 'f', flags: all, path });
    });
  }
  return out.sort((x, y) => Buffer.compare(x.path, y.path));
}
