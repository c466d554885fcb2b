import type { RestoreItem } from './types';

/**
 * What the user's leave-outs imply, one set of rules for applyRestore and the restore page (a browser script: no Node
 * imports here). A folder left out that would be created or deleted takes everything below it along; a folder to
 * delete that still holds something left out stays. `why` says, for each item left out that the user did not uncheck
 * itself, which choice of theirs keeps it.
 */
export interface Selection {
  kept: RestoreItem[];
  skipped: string[];
  why: Map<string, string>;
}

export function isBelow(child: string, parent: string): boolean {
  return parent === '.' ? child !== '.' : child.startsWith(parent + '/');
}

export function selection(items: RestoreItem[], exclude: Iterable<string>): Selection {
  const byPath = new Map(items.map((i) => [i.path, i]));
  const chosen = new Set([...exclude].filter((p) => byPath.has(p)));
  const skipped = new Set(chosen);
  const why = new Map<string, string>();
  for (const p of chosen) {
    const item = byPath.get(p)!;
    if (!item.isDir || (item.kind !== 'mkdir' && item.kind !== 'delete')) continue;
    for (const other of items)
      if (isBelow(other.path, p) && !skipped.has(other.path)) {
        skipped.add(other.path);
        why.set(other.path, item.kind === 'mkdir' ? `left out: ${p}/ is not created` : `kept: ${p}/ is not deleted`);
      }
  }
  for (const item of items) {
    if (item.kind !== 'delete' || !item.isDir || skipped.has(item.path)) continue;
    const inside = [...skipped].find((s) => isBelow(s, item.path));
    if (inside === undefined) continue;
    skipped.add(item.path);
    why.set(item.path, `kept: it still holds ${inside}, which you keep`);
  }
  return { kept: items.filter((i) => !skipped.has(i.path)), skipped: items.filter((i) => skipped.has(i.path)).map((i) => i.path), why };
}
