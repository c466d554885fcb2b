import type { ListedEntry } from '../changes/treeDiff';
import type { FolderStamp } from './format';

/** Where a change set was kept: in the root's notes folder, in this machine's cache folder, or nowhere (neither writable). */
export type ChangeSetPlace = 'root' | 'cache' | 'none';

/** What the change sets need of a root (see changeSets.ts); a root without it simply has no sets (full walks). */
export interface ChangeSetAccess {
  /** Each listed snapshot folder's lstat identity and times (absent: gone). */
  stamps(names: string[]): Promise<Map<string, FolderStamp>>;
  /** The stored change-set files of a snapshot, each read safely (root's copy first, then the cache's); none when there are none. */
  read(name: string): Promise<Buffer[]>;
  /** A snapshot's complete inode listing (one `find -printf`); undefined when it cannot be listed completely (a folder unreadable, find missing). */
  listing(name: string, signal?: AbortSignal): Promise<Map<string, ListedEntry> | undefined>;
  /** Whether each regular file at these paths holds the same bytes in snapshot a and snapshot b (unreadable ⇒ false). */
  sameContent(a: string, b: string, paths: Buffer[]): Promise<boolean[]>;
  /** Keeps a set: in the root when it is writable and ours, else in the cache folder; never throws. */
  store(name: string, bytes: Buffer, options?: { preferRoot?: boolean }): Promise<ChangeSetPlace>;
}
