import { MULTI_STRIDE, SnapshotScan } from './walk';
import { isDeletingName } from '../root/format';

/**
 * Space report of a backup root.
 *
 * Sizes are allocated bytes (st_blocks × 512, directories included), counted the way `du` counts them, so
 * `totalBytes` equals `du -s -B1 --total ROOT/20*` (every hard-linked inode once).
 *
 * Per snapshot:
 * - apparentBytes: what `du -s -B1 ROOT/NAME` alone reports (each inode once within the snapshot);
 * - uniqueBytes: what deleting this snapshot alone would free — its directories and every other inode whose
 *   links all lie inside this snapshot;
 * - sharedBytes: apparentBytes − uniqueBytes (inodes also linked from another snapshot, or from outside).
 *
 * Cache (ROOT/.rsync-snapshots.d/usage-cache.json, plus the same data in memory for the process): finished
 * snapshots are immutable, so what a walk of one snapshot found is kept per snapshot — its directories' bytes
 * and the list of all other inodes it holds (with the number of links to each inside it; a file with one link
 * today is listed too, since the next snapshot may link to it), stored compactly
 * as indexes into one shared inode table. The per-snapshot figures are *not* cached: unique/shared bytes of a
 * snapshot change when a neighbour is added or deleted (an inode shared by A and B becomes unique to A once
 * B is gone), so they are recomputed on every report from the per-snapshot inode lists of the snapshots
 * present now. A snapshot is rescanned when its directory's identity or ctime changed (dev:ino:ctime —
 * renamed, touched, or an entry added or removed at its top); snapshots that vanished are dropped.
 * Links from outside the finished snapshots (an .inprogress-* copy being written, a `cp -al` elsewhere) are
 * derived from st_nlink whenever an inode is scanned, and otherwise taken as last seen; while such links
 * exist the inode counts as shared, never unique (the safe direction for a prune preview).
 */
export interface SnapshotUsage {
  name: string;
  apparentBytes: number;
  uniqueBytes: number;
  sharedBytes: number;
  /** Entries (files, folders, links) in the snapshot, its own folder included. */
  entries: number;
}

export interface UsageReport {
  root: string;
  /** Bytes of all snapshots together, each hard-linked inode once: du -s -B1 --total ROOT/20*. */
  totalBytes: number;
  /** Oldest first, as listed. */
  snapshots: SnapshotUsage[];
  /**
   * `.deleting-*` folders of an interrupted prune, still taking space until the next prune or snapshot finishes them;
   * counted in totalBytes (so the total is `du -s -B1 --total ROOT/20* ROOT/.deleting-*`).
   */
  deleting: SnapshotUsage[];
  /** How many snapshots were walked now and how many came from the cache. */
  scanned: number;
  fromCache: number;
  durationMs: number;
  /** Unreadable paths and cache problems; the figures leave out what could not be read. */
  warnings: string[];
}

export interface UsageProgress {
  /** Snapshots measured so far (cached ones count immediately) out of total. */
  done: number;
  total: number;
  /** The snapshot just finished, when one was walked. */
  name?: string;
}

export interface UsageOptions {
  signal?: AbortSignal;
  onProgress?: (progress: UsageProgress) => void;
  /** Use and update the per-snapshot cache (default true); false walks every snapshot and leaves the cache alone. */
  cache?: boolean;
  /** Walks at once: find processes (default 2), or worker threads when find is not GNU find (default: CPU count, at most 4). */
  concurrency?: number;
  /**
   * How local snapshots are walked: 'find' — GNU `find -printf` (numbers only) parsed as it streams; 'threads' — readdir +
   * lstat in worker threads; 'auto' (default) — find when it is GNU find, else threads. Both give identical figures.
   */
  walker?: 'auto' | 'find' | 'threads';
}

const CACHE_VERSION = 2;

interface SnapshotRecord {
  stamp: string;
  entries: number;
  dirBytes: number;
  /** Indexes into the model's inode table, one per non-directory inode held. */
  inodes: Uint32Array;
  /** Pairs (inode index, links) for inodes linked more than once inside this snapshot. */
  multiLinks: Uint32Array;
  errors: string[];
}

/** Shared inode table plus per-snapshot records: everything needed to recompute a report without walking. */
export class UsageModel {
  devs: number[] = [];
  inos: number[] = [];
  bytes: number[] = [];
  /** Links outside the finished snapshots, as last seen. */
  outside: number[] = [];
  private index = new Map<number, Map<number, number>>();
  /** st_nlink seen per inode index in the current walk (holes: not walked now). */
  freshNlink: number[] = [];
  private seenIn: number[] = [];
  private scanMark = 0;
  records = new Map<string, SnapshotRecord>();
  lastKey?: string;
  lastReport?: UsageReport;

  inodeIndex(dev: number, ino: number, bytes: number): number {
    let byIno = this.index.get(dev);
    if (!byIno) this.index.set(dev, (byIno = new Map()));
    let at = byIno.get(ino);
    if (at === undefined) {
      at = this.inos.length;
      byIno.set(ino, at);
      this.devs.push(dev);
      this.inos.push(ino);
      this.bytes.push(bytes);
      this.outside.push(0);
    } else {
      this.bytes[at] = bytes;
    }
    return at;
  }

  /** Turns a fresh walk into a record (merging entries of one inode), noting the st_nlink seen per inode in freshNlink. */
  addScan(name: string, stamp: string, scan: SnapshotScan): void {
    const n = scan.multi.length / MULTI_STRIDE;
    const inodes: number[] = [];
    const linksHere = new Map<number, number>();
    const nlinks = this.freshNlink;
    const mark = ++this.scanMark;
    const seenIn = this.seenIn;
    const m = scan.multi;
    for (let i = 0; i < n; i++) {
      const o = i * MULTI_STRIDE;
      const at = this.inodeIndex(m[o], m[o + 1], m[o + 2]);
      if (seenIn[at] === mark) {
        linksHere.set(at, (linksHere.get(at) ?? 1) + 1);
        continue;
      }
      seenIn[at] = mark;
      inodes.push(at);
      const nlink = m[o + 4];
      if (!(nlinks[at] >= nlink)) nlinks[at] = nlink;
    }
    const multi: number[] = [];
    for (const [at, links] of linksHere) multi.push(at, links);
    this.records.set(name, { stamp, entries: scan.entries, dirBytes: scan.dirBytes, inodes: Uint32Array.from(inodes), multiLinks: Uint32Array.from(multi), errors: scan.errors });
  }

  /** Links to each inode from the given snapshots, and how many of them hold it. */
  tally(names: string[]): { links: Float64Array; holders: Uint32Array; owner: Int32Array } {
    const size = this.inos.length;
    const links = new Float64Array(size);
    const holders = new Uint32Array(size);
    const owner = new Int32Array(size).fill(-1);
    names.forEach((name, k) => {
      const rec = this.records.get(name)!;
      const inodes = rec.inodes;
      for (let i = 0; i < inodes.length; i++) {
        const at = inodes[i];
        links[at] += 1;
        holders[at] += 1;
        owner[at] = k;
      }
      const ml = rec.multiLinks;
      for (let i = 0; i < ml.length; i += 2) links[ml[i]] += ml[i + 1] - 1;
    });
    return { links, holders, owner };
  }

  report(root: string, names: string[], scanned: number, started: number, warnings: string[]): UsageReport {
    const { holders, owner } = this.tally(names);
    const unique = new Float64Array(names.length);
    let total = 0;
    for (let at = 0; at < holders.length; at++) {
      if (!holders[at]) continue;
      total += this.bytes[at];
      if (holders[at] === 1 && this.outside[at] === 0) unique[owner[at]] += this.bytes[at];
    }
    const snapshots = names.map((name, k) => {
      const rec = this.records.get(name)!;
      let apparent = rec.dirBytes;
      for (let i = 0; i < rec.inodes.length; i++) apparent += this.bytes[rec.inodes[i]];
      total += rec.dirBytes;
      const uniqueBytes = rec.dirBytes + unique[k];
      return { name, apparentBytes: apparent, uniqueBytes, sharedBytes: apparent - uniqueBytes, entries: rec.entries };
    });
    for (const name of names) for (const e of this.records.get(name)!.errors) warnings.push(`${name}/${e}`);
    return {
      root,
      totalBytes: total,
      snapshots: snapshots.filter((u) => !isDeletingName(u.name)),
      deleting: snapshots.filter((u) => isDeletingName(u.name)),
      scanned,
      fromCache: names.length - scanned,
      durationMs: Date.now() - started,
      warnings,
    };
  }

  /** Bytes freed by deleting all of `deleted` together (inodes all of whose links lie within that set). */
  freedBy(present: string[], deleted: string[]): number {
    const gone = new Set(deleted);
    const { holders } = this.tally(present);
    const inSet = this.tally(present.filter((n) => gone.has(n))).holders;
    let freed = 0;
    for (const name of present) if (gone.has(name)) freed += this.records.get(name)!.dirBytes;
    for (let at = 0; at < holders.length; at++) {
      if (holders[at] && inSet[at] === holders[at] && this.outside[at] === 0) freed += this.bytes[at];
    }
    return freed;
  }

  /** Drops records of snapshots no longer present and inodes nobody references; returns a serialisable form. */
  compact(present: string[]): CacheFile {
    const keep = new Set(present);
    for (const name of [...this.records.keys()]) if (!keep.has(name)) this.records.delete(name);
    const remap = new Int32Array(this.inos.length).fill(-1);
    const devs: number[] = [];
    const inos: number[] = [];
    const bytes: number[] = [];
    const outside: number[] = [];
    for (const rec of this.records.values()) {
      for (const at of rec.inodes) {
        if (remap[at] >= 0) continue;
        remap[at] = inos.length;
        devs.push(this.devs[at]);
        inos.push(this.inos[at]);
        bytes.push(this.bytes[at]);
        outside.push(this.outside[at]);
      }
    }
    const snapshots: CacheFile['snapshots'] = {};
    for (const [name, rec] of this.records) {
      rec.inodes = rec.inodes.map((at) => remap[at]);
      rec.multiLinks = rec.multiLinks.map((v, i) => (i % 2 === 0 ? remap[v] : v));
      snapshots[name] = { stamp: rec.stamp, entries: rec.entries, dirBytes: rec.dirBytes, inodes: b64(rec.inodes), multiLinks: b64(rec.multiLinks), errors: rec.errors };
    }
    this.devs = devs;
    this.inos = inos;
    this.bytes = bytes;
    this.outside = outside;
    this.rebuildIndex();
    return {
      version: CACHE_VERSION,
      table: { devs: b64(Float64Array.from(devs)), inos: b64(Float64Array.from(inos)), bytes: b64(Float64Array.from(bytes)), outside: b64(Uint32Array.from(outside)) },
      snapshots,
    };
  }

  rebuildIndex(): void {
    this.index = new Map();
    for (let at = 0; at < this.inos.length; at++) {
      let byIno = this.index.get(this.devs[at]);
      if (!byIno) this.index.set(this.devs[at], (byIno = new Map()));
      byIno.set(this.inos[at], at);
    }
  }

  static fromFile(data: CacheFile): UsageModel {
    const model = new UsageModel();
    if (data.version !== CACHE_VERSION) return model;
    model.devs = Array.from(unb64(data.table.devs, Float64Array));
    model.inos = Array.from(unb64(data.table.inos, Float64Array));
    model.bytes = Array.from(unb64(data.table.bytes, Float64Array));
    model.outside = Array.from(unb64(data.table.outside, Uint32Array));
    if (model.devs.length !== model.inos.length || model.bytes.length !== model.inos.length || model.outside.length !== model.inos.length) return new UsageModel();
    model.rebuildIndex();
    for (const [name, s] of Object.entries(data.snapshots)) {
      const inodes = unb64(s.inodes, Uint32Array);
      if (inodes.some((at) => at >= model.inos.length)) continue;
      model.records.set(name, { stamp: s.stamp, entries: s.entries, dirBytes: s.dirBytes, inodes, multiLinks: unb64(s.multiLinks, Uint32Array), errors: s.errors ?? [] });
    }
    return model;
  }
}

export interface CacheFile {
  version: number;
  table: { devs: string; inos: string; bytes: string; outside: string };
  snapshots: Record<string, { stamp: string; entries: number; dirBytes: number; inodes: string; multiLinks: string; errors?: string[] }>;
}

function b64(array: Float64Array | Uint32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

function unb64<T extends Float64Array | Uint32Array>(text: string, Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  const buf = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(buf.length - (buf.length % Type.BYTES_PER_ELEMENT));
  new Uint8Array(copy).set(buf.subarray(0, copy.byteLength));
  return new Type(copy);
}

export interface UsageResult {
  report: UsageReport;
  /** Bytes freed by deleting these snapshots together (hard links among them included). */
  freedBy(names: string[]): number;
}
