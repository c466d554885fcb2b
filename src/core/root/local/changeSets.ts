import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { localSameContent } from '../../changes/treeDiff';
import { CHANGES_MAX_BYTES, CHANGES_SUFFIX, FolderStamp } from '../../changeSets/format';
import type { ChangeSetAccess, ChangeSetPlace } from '../../changeSets/types';
import { isSnapshotName, META_DIR } from '../format';
import { findEntries } from './findTree';

/**
 * The cache folder for change sets of roots we may not write: `$XDG_CACHE_HOME/rsync-snapshots` (an absolute
 * XDG_CACHE_HOME only, as the spec says), else `~/.cache/rsync-snapshots`.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'rsync-snapshots');
}

/** `CACHE/changes/<sha256 of the root's spec, 32 hex>/`: one folder per root, keyed by how it is named. */
export function changeSetCacheFolder(cacheDir: string, spec: string): string {
  return path.join(cacheDir, 'changes', createHash('sha256').update(spec).digest('hex').slice(0, 32));
}

/**
 * A file of at most CHANGES_MAX_BYTES, read only when it is a regular file: lstat first, opened without following a
 * symlink and without blocking (a FIFO), fstat checked again, never more than its size plus one byte read. Anything
 * else — missing, a symlink, a folder, too big, unreadable, changed size while read — is undefined.
 */
export async function readCapped(file: string, max = CHANGES_MAX_BYTES): Promise<Buffer | undefined> {
  const before = await fs.lstat(file).catch(() => undefined);
  if (!before?.isFile() || before.size > max) return undefined;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > max || stats.ino !== before.ino) return undefined;
    const buffer = Buffer.alloc(stats.size + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = (await handle.read(buffer, length, buffer.length - length, length)).bytesRead;
    return length === stats.size ? buffer.subarray(0, length) : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Writes under a fresh temp name (O_EXCL: never through a symlink left there) and renames it over; false on any failure. */
async function writeAtomically(dir: string, file: string, bytes: Buffer): Promise<boolean> {
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await fs.writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
    await fs.rename(temp, file);
    return true;
  } catch {
    await fs.rm(temp, { force: true }).catch(() => {});
    return false;
  }
}

/** A real folder (lstat), never a symlink to one. */
async function isRealFolder(dir: string): Promise<boolean> {
  return (await fs.lstat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Change sets of a local root: ROOT/.rsync-snapshots.d/NAME.changes when the root is ours (its notes folder is a real
 * folder holding notes that record a source folder) and writable, else CACHE/changes/<root key>/NAME.changes.
 */
export function localChangeSets(root: string, spec: string, cacheDir: string): ChangeSetAccess {
  const notesDir = path.join(root, META_DIR);
  const cacheFolder = changeSetCacheFolder(cacheDir, spec);
  let ours: Promise<boolean> | undefined;
  const isOurs = () => (ours ??= rootIsOurs(notesDir));
  return {
    async stamps(names) {
      const out = new Map<string, FolderStamp>();
      await Promise.all(
        names.map(async (name) => {
          const st = await fs.lstat(path.join(root, name), { bigint: true }).catch(() => undefined);
          if (st?.isDirectory()) out.set(name, { dev: String(st.dev), ino: String(st.ino), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) });
        }),
      );
      return out;
    },
    async read(name) {
      if (!isSnapshotName(name)) return [];
      const files: Buffer[] = [];
      if (await isRealFolder(notesDir)) {
        const inRoot = await readCapped(path.join(notesDir, name + CHANGES_SUFFIX));
        if (inRoot) files.push(inRoot);
      }
      const cached = await readCapped(path.join(cacheFolder, name + CHANGES_SUFFIX));
      if (cached) files.push(cached);
      return files;
    },
    async listing(name, signal) {
      const entries = await findEntries(path.join(root, name), signal);
      if (!entries) return undefined;
      for (const e of entries.values()) if (e.unreadable) return undefined;
      return entries;
    },
    sameContent: (a, b, paths) => localSameContent(path.join(root, a), path.join(root, b), 16)(paths),
    async store(name, bytes, options = {}): Promise<ChangeSetPlace> {
      if (!isSnapshotName(name)) return 'none';
      try {
        if ((options.preferRoot || (await isOurs())) && (await isRealFolder(notesDir)) && (await writeAtomically(notesDir, path.join(notesDir, name + CHANGES_SUFFIX), bytes))) return 'root';
        await fs.mkdir(cacheFolder, { recursive: true, mode: 0o700 });
        if ((await isRealFolder(cacheFolder)) && (await writeAtomically(cacheFolder, path.join(cacheFolder, name + CHANGES_SUFFIX), bytes))) return 'cache';
      } catch {
        // neither writable: the set is simply computed again next time
      }
      return 'none';
    },
  };
}

/** Ours: the notes folder is a real folder and the newest notes in it record the folder the snapshots were taken of. */
async function rootIsOurs(notesDir: string): Promise<boolean> {
  if (!(await isRealFolder(notesDir))) return false;
  const names = await fs.readdir(notesDir).catch(() => [] as string[]);
  const notes = names.filter((n) => n.endsWith('.json') && isSnapshotName(n.slice(0, -5))).sort();
  for (const file of notes.reverse().slice(0, 3)) {
    const bytes = await readCapped(path.join(notesDir, file), 1024 * 1024);
    if (!bytes) continue;
    try {
      const meta = JSON.parse(bytes.toString('utf8')) as { source?: unknown };
      if (typeof meta?.source === 'string' && meta.source) return true;
    } catch {
      // not notes: look at the next one
    }
  }
  return false;
}
