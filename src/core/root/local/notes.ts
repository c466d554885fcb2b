import fs from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotNotes } from '../backupRoot';
import { SnapshotError } from '../../util/errors';
import { isSnapshotName, META_DIR } from '../format';
import type { RootListing } from '../listing';
import { parseNotes, SnapshotMeta } from '../notes';

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

export async function removeSnapshotMeta(root: string, name: string): Promise<void> {
  await fs.rm(metaPath(root, name), { force: true });
}

async function readMeta(root: string, name: string): Promise<SnapshotMeta | undefined> {
  const text = await fs.readFile(metaPath(root, name), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseNotes(text);
}

export function localNotes(root: string, list: () => Promise<RootListing>): SnapshotNotes {
  return {
    read: (name) => readMeta(root, name),
    async write(name, meta) {
      if (!isSnapshotName(name)) throw new SnapshotError('BAD_INPUT', `${name} is not a snapshot name: no notes written.`);
      await writeSnapshotMeta(root, name, meta);
    },
    async readAll() {
      const listing = await list();
      const notes = new Map<string, SnapshotMeta>();
      await Promise.all(
        listing.snapshots.map(async (s) => {
          const meta = await readMeta(root, s.name);
          if (meta) notes.set(s.name, meta);
        }),
      );
      return { listing, notes };
    },
  };
}
