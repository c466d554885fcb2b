import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../../util/errors';
import { decodeNameBytes, fsPath } from '../../util/nameBytes';
import type { SnapshotFiles } from '../backupRoot';
import { checkPathInSnapshot, checkSnapshotName, EntryKind, sortEntries } from '../files';

function kindOf(stat: import('node:fs').Stats | import('node:fs').Dirent<Buffer>): EntryKind {
  return stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
}

/**
 * Absolute path of `relativePath` inside snapshot `name` of the local root. Refuses names that are not snapshots,
 * `..`, and any path whose real location (after symlinks) is outside the snapshot.
 */
async function resolveIn(root: string, name: string, relativePath: string): Promise<string> {
  checkSnapshotName(name);
  const rel = checkPathInSnapshot(relativePath);
  const snapshotDir = path.join(root, name);
  const full = path.join(snapshotDir, rel);
  let real: string;
  let realBase: string;
  try {
    [real, realBase] = await Promise.all([fs.realpath(fsPath(full)), fs.realpath(snapshotDir)]);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw new SnapshotError('NOT_FOUND', `${rel || name} does not exist in snapshot ${name}.`);
    throw err;
  }
  if (real !== realBase && !real.startsWith(realBase + path.sep)) throw new SnapshotError('BAD_INPUT', `${rel} leads outside snapshot ${name} (through a symlink); it is not served.`);
  return full;
}

export function localFiles(root: string): SnapshotFiles {
  return {
    resolve: (name, rel) => resolveIn(root, name, rel),
    async stat(name, rel) {
      const full = await resolveIn(root, name, rel);
      const stat = await fs.stat(fsPath(full));
      return { name: path.basename(full), kind: kindOf(stat), size: stat.size, mtimeMs: stat.mtimeMs };
    },
    /** lstat: symlinks are reported as links, never followed. */
    async listDir(name, rel) {
      const dir = await resolveIn(root, name, rel);
      // Names as bytes: one that is not UTF-8 keeps its bytes (escaped, see util/nameBytes.ts) and can be read back.
      const dirents = await fs.readdir(fsPath(dir), { withFileTypes: true, encoding: 'buffer' });
      const base = Buffer.from(fsPath(dir));
      const entries = await Promise.all(
        dirents.map(async (d) => {
          const stat = await fs.lstat(Buffer.concat([base, Buffer.from('/'), d.name])).catch(() => undefined);
          return { name: decodeNameBytes(d.name), kind: kindOf(d), size: stat?.size ?? 0, mtimeMs: stat?.mtimeMs ?? 0 };
        }),
      );
      return sortEntries(entries);
    },
    async read(name, rel, _signal, maxBytes) {
      const full = await resolveIn(root, name, rel);
      try {
        if (maxBytes !== undefined) return await readHead(fsPath(full), maxBytes);
        return await fs.readFile(fsPath(full));
      } catch (err) {
        if (errnoCode(err) === 'EISDIR') throw new SnapshotError('BAD_INPUT', `${rel} is a folder in snapshot ${name}, not a file.`);
        throw err;
      }
    },
  };
}

async function readHead(file: string | Buffer, maxBytes: number): Promise<Buffer> {
  const handle = await fs.open(file);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(maxBytes), 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
