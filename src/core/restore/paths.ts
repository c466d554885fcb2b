import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../util/errors';
import { fsPath } from '../util/nameBytes';
import { lstatLong, readlinkLong } from './longPath';

/**
 * Path rules for restore: an item path is `.` (the target itself) or a normalized relative path
 * (`a/b`: no empty, `.` or `..` segments, not absolute, no NUL).
 */
export function isSafeItemPath(p: unknown): p is string {
  if (typeof p !== 'string' || p.includes('\0')) return false;
  if (p === '.') return true;
  if (!p || p.startsWith('/')) return false;
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Normalizes what a user typed for the path inside a snapshot (`.`, `src/`, `./a/b`) or refuses it. */
export function normalizeSourcePath(p: string): string {
  if (typeof p !== 'string' || p.includes('\0') || p.startsWith('/'))
    throw new SnapshotError('BAD_INPUT', `Invalid path ${JSON.stringify(p)}: give a path relative to the snapshot (e.g. src/report.txt), or "." for all of it.`);
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new SnapshotError('BAD_INPUT', `${p} contains "..": give a path inside the snapshot, without "..".`);
  return segments.length ? segments.join('/') : '.';
}

export function joinItem(dir: string, item: string): string {
  return item === '.' ? dir : path.join(dir, item);
}

/**
 * The first directory *below* `dir` on the way to `item` that is a symlink (or, when the item is `.`, nothing),
 * or undefined when the way is clean. The item itself may be a symlink (it is replaced or removed, never followed).
 * Components that do not exist yet are fine: they will be created as real directories. Any length (see longPath).
 */
export async function symlinkOnTheWay(dir: string, item: string): Promise<string | undefined> {
  if (item === '.') return undefined;
  const segments = item.split('/');
  let current = dir;
  for (const segment of segments.slice(0, -1)) {
    current = path.join(current, segment);
    let stat;
    try {
      stat = await lstatLong(fsPath(current));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    if (stat.isSymbolicLink()) return current;
    if (!stat.isDirectory()) return undefined; // a file in the way is replaced by a directory, never followed
  }
  return undefined;
}

/** The symlinks inside `dir` that some item would be reached through: item path of the link → what it points at. */
export async function linksOnTheWay(dir: string, items: string[]): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const checked = new Set<string>();
  for (const item of items) {
    const parent = item.includes('/') ? item.slice(0, item.lastIndexOf('/')) : '.';
    if (checked.has(parent)) continue;
    checked.add(parent);
    const link = await symlinkOnTheWay(dir, item);
    if (!link) continue;
    const rel = path.relative(dir, link).split(path.sep).join('/');
    if (!links.has(rel)) links.set(rel, await readlinkLong(fsPath(link)).catch(() => '?'));
  }
  return links;
}

/** True when `child` is `parent` or inside it, comparing real paths (the deepest existing ancestor of `child`). */
export async function isInsideDir(child: string, parent: string): Promise<boolean> {
  const realParent = await fs.realpath(parent).catch(() => path.resolve(parent));
  let existing = path.resolve(child);
  const rest: string[] = [];
  for (;;) {
    try {
      existing = await fs.realpath(existing);
      break;
    } catch {
      const up = path.dirname(existing);
      if (up === existing) break;
      rest.unshift(path.basename(existing));
      existing = up;
    }
  }
  const real = path.join(existing, ...rest);
  return real === realParent || real.startsWith(realParent.endsWith(path.sep) ? realParent : realParent + path.sep);
}
