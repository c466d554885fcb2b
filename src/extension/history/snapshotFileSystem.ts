import * as vscode from 'vscode';
import { isSnapshotError } from '../../core/util/errors';
import type { SnapshotEntry } from '../../core/root/files';
import { openedRoot } from '../settings/settings';
import { fromSnapshotUri } from './snapshotUri';

const FILE_TYPE: Record<SnapshotEntry['kind'], vscode.FileType> = {
  file: vscode.FileType.File,
  directory: vscode.FileType.Directory,
  symlink: vscode.FileType.SymbolicLink,
  other: vscode.FileType.Unknown,
};

/**
 * Serves `rsync-snapshot:` URIs read-only. Every path is resolved by the core, which refuses `..`, names that
 * are not snapshots, and anything that leads outside the snapshot (symlinks included).
 */
export class SnapshotFileSystemProvider implements vscode.FileSystemProvider {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changeEmitter.event;

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => {}); // snapshots never change once finished
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const { root, snapshot, path } = fromSnapshotUri(uri);
    const entry = await this.call(uri, () => openedRoot(root).files.stat(snapshot, path));
    return { type: FILE_TYPE[entry.kind], size: entry.size, mtime: entry.mtimeMs, ctime: entry.mtimeMs, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const { root, snapshot, path } = fromSnapshotUri(uri);
    const entries = await this.call(uri, () => openedRoot(root).files.listDir(snapshot, path));
    return entries.map((e) => [e.name, FILE_TYPE[e.kind]]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const { root, snapshot, path } = fromSnapshotUri(uri);
    return this.call(uri, () => openedRoot(root).files.read(snapshot, path));
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  private async call<T>(uri: vscode.Uri, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isSnapshotError(err, 'BAD_INPUT')) throw vscode.FileSystemError.NoPermissions(err.message);
      if (isSnapshotError(err, 'NOT_FOUND') || (err as NodeJS.ErrnoException).code === 'ENOENT') throw vscode.FileSystemError.FileNotFound(uri);
      throw err;
    }
  }
}
