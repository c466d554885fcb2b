import fs from 'node:fs/promises';
import path from 'node:path';
import { readRemoteSnapshotMeta } from './remote/remoteMeta';
import { isRemoteRootSpec } from './remote/rootLocation';

/**
 * Sidecar notes about snapshots we wrote, in ROOT/.rsync-snapshots.d/NAME.json — kept outside the snapshot so
 * its content stays exactly the source's, and optional, so roots written by other tools need none.
 */
export const META_DIR = '.rsync-snapshots.d';

export interface SnapshotMeta {
  /** Why the snapshot exists when not a plain run, e.g. "pre-restore". */
  label?: string;
  source?: string;
  linkDest?: string | null;
  filesTotal?: number;
  filesTransferred?: number;
  bytesTransferred?: number;
  totalBytes?: number;
  durationMs?: number;
  /** rsync exit 23: some files could not be read; the snapshot lacks them. */
  partial?: boolean;
  unreadable?: string[];
}

export function metaPath(root: string, name: string): string {
  return path.join(root, META_DIR, `${name}.json`);
}

export async function writeSnapshotMeta(root: string, name: string, meta: SnapshotMeta): Promise<void> {
  await fs.mkdir(path.join(root, META_DIR), { recursive: true });
  const file = metaPath(root, name);
  try {
    await fs.writeFile(`${file}.tmp`, JSON.stringify(meta, null, 2) + '\n');
    await fs.rename(`${file}.tmp`, file);
  } catch (err) {
    await fs.rm(`${file}.tmp`, { force: true }).catch(() => {}); // e.g. a full disk: no half-written notes stay behind
    throw err;
  }
}

/** The notes of snapshot `name`, or undefined when there are none (or they cannot be read). Remote roots: one `ssh cat`. */
export async function readSnapshotMeta(root: string, name: string, options: { sshCommand?: string } = {}): Promise<SnapshotMeta | undefined> {
  if (isRemoteRootSpec(root)) return readRemoteSnapshotMeta(root, name, options);
  try {
    return JSON.parse(await fs.readFile(metaPath(root, name), 'utf8')) as SnapshotMeta;
  } catch {
    return undefined;
  }
}

export async function removeSnapshotMeta(root: string, name: string): Promise<void> {
  await fs.rm(metaPath(root, name), { force: true });
}
