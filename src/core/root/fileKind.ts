import type { Stats } from 'node:fs';
import { formatCommandLine } from '../util/rsync';

/**
 * What a name in the root is, when it should be a regular file (the lock, notes): found with lstat/fstat locally and by
 * `[ -L ]`, `[ -d ]`, … on a host (SH_FILE_KIND), spelled the same for both.
 */
export type FileKind = 'file' | 'link' | 'folder' | 'fifo' | 'socket' | 'device' | 'other';

export function fileKindOf(stats: Stats): FileKind {
  if (stats.isSymbolicLink()) return 'link';
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'device';
  return 'other';
}

/** A word a host's SH_FILE_KIND printed, as a FileKind (anything unknown is 'other'). */
export function parseFileKind(word: string | undefined): FileKind {
  const kinds: FileKind[] = ['file', 'link', 'folder', 'fifo', 'socket', 'device'];
  return kinds.find((k) => k === word?.trim()) ?? 'other';
}

/** "a symbolic link", "a folder", … for a message. */
export function fileKindPhrase(kind: FileKind): string {
  return { file: 'a file', link: 'a symbolic link', folder: 'a folder', fifo: 'a named pipe (FIFO)', socket: 'a socket', device: 'a device', other: 'not a regular file' }[kind];
}

/** The command that removes it, for the user to run: `rm PATH`, or `rm -r PATH` for a folder. */
export function removeCommand(kind: FileKind, file: string): string {
  return formatCommandLine(kind === 'folder' ? ['rm', '-r', '--', file] : ['rm', '--', file]);
}

/** POSIX sh: `file_kind PATH` sets $kind to the FileKind word of PATH (without following a symlink), or `none` when it is absent. */
export const SH_FILE_KIND = `file_kind() {
  if [ -L "$1" ]; then kind=link; elif [ -f "$1" ]; then kind=file; elif [ -d "$1" ]; then kind=folder; elif [ -p "$1" ]; then kind=fifo
  elif [ -S "$1" ]; then kind=socket; elif [ -b "$1" ] || [ -c "$1" ]; then kind=device; elif [ -e "$1" ]; then kind=other; else kind=none; fi
}`;
