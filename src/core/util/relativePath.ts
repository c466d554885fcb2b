import { SnapshotError } from './errors';

/**
 * Checks a path meant to name something inside a snapshot (or the working folder) and returns it normalized
 * (`a/b`, no `.` or empty segments). Refuses absolute paths, `..` anywhere, NUL bytes and the empty path.
 */
export function checkRelativePath(relativePath: string): string {
  if (typeof relativePath !== 'string' || relativePath.includes('\0'))
    throw new SnapshotError('BAD_INPUT', `Invalid file path ${JSON.stringify(relativePath)}: it must be a path relative to the snapshot, without NUL bytes.`);
  if (relativePath.startsWith('/')) throw new SnapshotError('BAD_INPUT', `${relativePath} is an absolute path: give the file's path relative to the folder that is snapshotted (e.g. src/report.txt).`);
  const segments = relativePath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new SnapshotError('BAD_INPUT', `${relativePath} contains "..": a path must stay inside the snapshot; give it relative to the snapshotted folder without "..".`);
  if (!segments.length) throw new SnapshotError('BAD_INPUT', `"${relativePath}" names no file: give a file's path relative to the snapshotted folder.`);
  return segments.join('/');
}
