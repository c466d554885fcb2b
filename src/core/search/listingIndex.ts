import { decodeNameBytes } from '../util/nameBytes';

const NUL = 0;
const SPACE = 32;
const CHUNK_SCALE = 2 ** 32;

/**
 * The script's file listing (`KEY SNAPSHOT/REL` records, NUL-terminated), read chunk by chunk as it streams and kept
 * as raw bytes: millions of records cost one Map entry per distinct key plus a number per record; names are decoded
 * only for the keys that matched. The first path of each key is the one the script searched (its representative).
 */
export class ListingIndex {
  files = 0;
  private readonly chunks: Buffer[] = [];
  private readonly records = new Map<string, number[]>();
  private readonly keyOfRep = new Map<string, string>();
  private carry: Buffer | undefined;
  /** Set when the end marker was read: what followed it (the tools' error messages). */
  trailer: Buffer | undefined;

  constructor(private readonly endMarker: string) {}

  get contents(): number {
    return this.records.size;
  }

  /** Feeds the next bytes of the listing (after the script's marker). */
  push(data: Buffer): void {
    if (this.trailer) {
      this.trailer = Buffer.concat([this.trailer, data]);
      return;
    }
    const chunk = this.carry ? Buffer.concat([this.carry, data]) : data;
    this.carry = undefined;
    const index = this.chunks.length;
    let keep = false;
    let at = 0;
    for (;;) {
      const end = chunk.indexOf(NUL, at);
      if (end < 0) break;
      const space = chunk.indexOf(SPACE, at);
      if (space < 0 || space > end) {
        if (chunk.toString('latin1', at, end) === this.endMarker) {
          this.trailer = chunk.subarray(end + 1);
          at = chunk.length;
          break;
        }
        at = end + 1;
        continue;
      }
      const key = chunk.toString('latin1', at, space);
      let list = this.records.get(key);
      if (!list) {
        this.records.set(key, (list = []));
        this.keyOfRep.set(decodeNameBytes(chunk.subarray(space + 1, end)), key);
      }
      list.push(index * CHUNK_SCALE + space + 1);
      keep = true;
      this.files++;
      at = end + 1;
    }
    if (keep) this.chunks.push(chunk);
    if (at < chunk.length && !this.trailer) this.carry = Buffer.from(chunk.subarray(at));
  }

  get complete(): boolean {
    return this.trailer !== undefined;
  }

  /** The key of a searched path (`SNAPSHOT/REL` as the search tool printed it). */
  keyOf(repPath: string): string | undefined {
    return this.keyOfRep.get(repPath);
  }

  /** Every `SNAPSHOT/REL` holding this key's content. */
  pathsOf(key: string): string[] {
    return (this.records.get(key) ?? []).map((ref) => {
      const chunk = this.chunks[Math.floor(ref / CHUNK_SCALE)];
      const start = ref % CHUNK_SCALE;
      return decodeNameBytes(chunk.subarray(start, chunk.indexOf(NUL, start)));
    });
  }
}
