import path from 'node:path';
import type { BackupRoot } from './backupRoot';

/** A finished snapshot and the folder its notes say it was taken of (undefined: no notes, e.g. written by a shell script). */
export interface SnapshotSource {
  name: string;
  source?: string;
}

/** Whose snapshots a backup root holds, measured against one source folder. */
export interface RootOwnership {
  root: string;
  snapshots: SnapshotSource[];
  /** Snapshots whose notes name `source`. */
  own: string[];
  /** Snapshots of other folders, by folder (newest snapshot last). */
  others: Map<string, string[]>;
  /** Snapshots without notes: nobody can tell what they are of. */
  unknown: string[];
}

/** Each finished snapshot of the root with the source its notes record. Local: one readdir + one read per note; remote: one ssh call. */
export async function readRootSources(root: BackupRoot): Promise<SnapshotSource[]> {
  const { listing, notes } = await root.notes.readAll();
  return listing.snapshots.map((s) => {
    const source = notes.get(s.name)?.source;
    return typeof source === 'string' && source ? { name: s.name, source } : { name: s.name };
  });
}

/** Pure: sorts snapshots into this source's, other folders' and unknown ones. Paths compare after normalizing (trailing slashes, `..`). */
export function ownershipOf(root: string, snapshots: SnapshotSource[], source: string): RootOwnership {
  const mine = path.resolve(source);
  const ownership: RootOwnership = { root, snapshots, own: [], others: new Map(), unknown: [] };
  for (const s of snapshots) {
    if (s.source === undefined) ownership.unknown.push(s.name);
    else if (path.resolve(s.source) === mine) ownership.own.push(s.name);
    else ownership.others.set(s.source, [...(ownership.others.get(s.source) ?? []), s.name]);
  }
  return ownership;
}

/** Reads the root's notes and sorts its snapshots against `source`. */
export async function rootOwnership(root: BackupRoot, source: string): Promise<RootOwnership> {
  return ownershipOf(root.spec, await readRootSources(root), source);
}

/** True when every snapshot of the root is recorded as taken of the source: only then may a prune run without a person looking. */
export function isOwnRoot(ownership: RootOwnership): boolean {
  return ownership.others.size === 0 && ownership.unknown.length === 0;
}

/** One line: what else the root holds, e.g. "3 snapshots of /home/alice/other and 2 without notes (made by another tool)". */
export function describeForeign(ownership: RootOwnership): string {
  const plural = (n: number) => `${n} snapshot${n === 1 ? '' : 's'}`;
  const parts = [...ownership.others].map(([source, names]) => `${plural(names.length)} of ${source}`);
  if (ownership.unknown.length) parts.push(`${plural(ownership.unknown.length)} without notes (made by another tool or an older version)`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : (parts[0] ?? 'nothing else');
}
