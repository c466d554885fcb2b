import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, SnapshotError } from './errors';
import { decodeNameBytes, fsPath } from './nameBytes';
import { checkRelativePath } from './relativePath';
import { isSnapshotName } from './snapshotName';
import { listRemoteSnapshotDir, resolveRemoteInSnapshot, statRemoteInSnapshot } from './remote/remoteFiles';
import { readRemoteFile } from './remote/remoteRoot';
import { isRemoteRootSpec } from './remote/rootLocation';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other';

/** For a remote root `[user@]host:/path`: the ssh command (default $RSYNC_RSH, then ssh). Ignored for local roots. */
export interface SnapshotFileOptions {
  sshCommand?: string;
  signal?: AbortSignal;
}

export interface SnapshotEntry {
  name: string;
  kind: EntryKind;
  size: number;
  mtimeMs: number;
}

/**
 * Absolute path of `relativePath` inside snapshot `name` of a local root. Refuses names that are not snapshots,
 * `..`, and any path whose real location (after symlinks) is outside the snapshot. For a remote root the check runs
 * on the host (realpath, one ssh call) and the result is `[user@]host:/root/NAME/REL` — not a local path.
 */
export async function resolveInSnapshot(root: string, name: string, relativePath: string, options: SnapshotFileOptions = {}): Promise<string> {
  if (isRemoteRootSpec(root)) return resolveRemoteInSnapshot(root, name, relativePath, options);
  if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `"${name}" is not a snapshot name (expected YYYY-MM-DDTHH-MM-SS).`);
  // '' (or '/', '.') is the snapshot folder itself; anything else is checked (no absolute path, no '..', no NUL).
  const rel = /^\/*\.?\/*$/.test(relativePath) ? '' : checkRelativePath(relativePath);
  const snapshotDir = path.join(path.resolve(root), name);
  const full = path.join(snapshotDir, rel);
  let real: string;
  let realBase: string;
  try {
    [real, realBase] = await Promise.all([fs.realpath(fsPath(full)), fs.realpath(snapshotDir)]);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw new SnapshotError('NOT_FOUND', `${rel || name} does not exist in snapshot ${name}.`);
    throw err;
  }
  if (real !== realBase && !real.startsWith(realBase + path.sep))
    throw new SnapshotError('BAD_INPUT', `${rel} leads outside snapshot ${name} (through a symlink); it is not served.`);
  return full;
}

function kindOf(stat: import('node:fs').Stats | import('node:fs').Dirent<Buffer>): EntryKind {
  return stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
}

export async function statInSnapshot(root: string, name: string, relativePath: string, options: SnapshotFileOptions = {}): Promise<SnapshotEntry> {
  if (isRemoteRootSpec(root)) return statRemoteInSnapshot(root, name, relativePath, options);
  const full = await resolveInSnapshot(root, name, relativePath);
  const stat = await fs.stat(fsPath(full));
  return { name: path.basename(full), kind: kindOf(stat), size: stat.size, mtimeMs: stat.mtimeMs };
}

/** Entries of a folder inside a snapshot (lstat: symlinks are reported as links, never followed), folders first, then by name. */
export async function listSnapshotDir(root: string, name: string, relativePath: string, options: SnapshotFileOptions = {}): Promise<SnapshotEntry[]> {
  if (isRemoteRootSpec(root)) return listRemoteSnapshotDir(root, name, relativePath, options);
  const dir = await resolveInSnapshot(root, name, relativePath);
  // Names as bytes: one that is not UTF-8 keeps its bytes (escaped, see nameBytes.ts) and can be read back.
  const dirents = await fs.readdir(fsPath(dir), { withFileTypes: true, encoding: 'buffer' });
  const base = Buffer.from(fsPath(dir));
  const entries = await Promise.all(
    dirents.map(async (d) => {
      const stat = await fs.lstat(Buffer.concat([base, Buffer.from('/'), d.name])).catch(() => undefined);
      return { name: decodeNameBytes(d.name), kind: kindOf(d), size: stat?.size ?? 0, mtimeMs: stat?.mtimeMs ?? 0 };
    }),
  );
  return entries.sort((a, b) => Number(b.kind === 'directory') - Number(a.kind === 'directory') || a.name.localeCompare(b.name));
}

/** Content of a file in a snapshot; for a remote root streamed through one `ssh cat` (refusing paths leaving the snapshot). */
export async function readSnapshotFile(root: string, name: string, relativePath: string, options: SnapshotFileOptions = {}): Promise<Buffer> {
  if (isRemoteRootSpec(root)) {
    if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `"${name}" is not a snapshot name (expected YYYY-MM-DDTHH-MM-SS).`);
    return readRemoteFile(root, { sshCommand: options.sshCommand }, name, /^\/*\.?\/*$/.test(relativePath) ? '' : relativePath, { signal: options.signal });
  }
  const full = await resolveInSnapshot(root, name, relativePath);
  try {
    return await fs.readFile(fsPath(full));
  } catch (err) {
    if (errnoCode(err) === 'EISDIR') throw new SnapshotError('BAD_INPUT', `${relativePath} is a folder in snapshot ${name}, not a file.`);
    throw err;
  }
}
