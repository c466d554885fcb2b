import type { ExcludeMatcher } from '../util/excludeMatcher';
import type { RawTreeDiff } from '../changes/treeDiff';
import type { ChangeSetAccess } from '../changeSets/types';
import type { DoctorInspection } from '../doctor/types';
import type { PruneDeletion, PruneScan } from '../prune/types';
import type { ItemInfo, RestorePlan, RestoreSource } from '../restore/types';
import type { ScriptTool, SearchProcess } from '../search/types';
import type { UsageOptions, UsageResult } from '../usage/model';
import type { FilesystemSpace } from '../snapshot/spaceFloor';
import type { SnapshotError } from '../util/errors';
import type { Logger } from '../util/logger';
import type { RsyncProgress, RsyncRunResult } from '../util/rsync';
import type { VersionCopy, VersionScan } from '../versions/types';
import type { SnapshotEntry } from './files';
import type { RootListing } from './listing';
import type { RootLocation } from './location';
import type { LockOperation } from './lockNote';
import type { SnapshotMeta } from './notes';

/** The root's lock (flock(2) on ROOT/.rsync-snapshots.lock, on the root's own machine), held until release(). */
export interface RootLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Read-only access to what a snapshot holds; every path is checked to stay inside the snapshot. */
export interface SnapshotFiles {
  /** Where `rel` of snapshot `name` is: an absolute local path, or `[user@]host:/root/NAME/REL` (never a local path). */
  resolve(name: string, rel: string, signal?: AbortSignal): Promise<string>;
  /** stat (symlinks inside the snapshot followed). */
  stat(name: string, rel: string, signal?: AbortSignal): Promise<SnapshotEntry>;
  /** Entries of a folder (symlinks reported as links), folders first, then by name. */
  listDir(name: string, rel: string, signal?: AbortSignal): Promise<SnapshotEntry[]>;
  /** The file's bytes (at most `maxBytes` from its start, when given). */
  read(name: string, rel: string, signal?: AbortSignal, maxBytes?: number): Promise<Buffer>;
}

/** The sidecar notes (ROOT/.rsync-snapshots.d/NAME.json). */
export interface SnapshotNotes {
  /** The notes of `name`, undefined when missing or unreadable. */
  read(name: string): Promise<SnapshotMeta | undefined>;
  /** The listing and every snapshot's notes (remote: one ssh call). */
  readAll(): Promise<{ listing: RootListing; notes: Map<string, SnapshotMeta> }>;
  /** Replaces the notes of `name` atomically (written under a temp name, then renamed; the notes folder made when missing). */
  write(name: string, meta: SnapshotMeta): Promise<void>;
}

/** How rsync reaches the root. */
export interface RsyncAccess {
  /** The rsync program (settings' path, else rsync on PATH). */
  program(): Promise<string>;
  /** Options that make rsync reach the root (`-s -e <ssh>` for a remote one; none locally). */
  transportArgs(): string[];
  /** rsync's argument for an absolute path on the root's machine, as destination (`host:path`) or pull source (wildcards escaped). */
  arg(hostPath: string, role: 'dest' | 'source'): string;
  /** Runs rsync (counting rsync's own ssh for remote roots). */
  run(args: string[], options: { signal?: AbortSignal; onProgress?: (p: RsyncProgress) => void; env?: NodeJS.ProcessEnv; input?: string | Buffer }): Promise<RsyncRunResult>;
  /** The error for a failed run: ssh's own failure named as such, else rsync's. Message: `${what}: …` ending in a period. */
  failure(run: RsyncRunResult, what: string): SnapshotError;
}

/** The steps of a snapshot run that touch the root (the run itself is snapshot/snapshot.ts, written once). */
export interface SnapshotAccess {
  /** Checks (or creates, with `create`) the root before the lock is taken; refuses a root equal to the source. */
  prepare(source: string, create: boolean): Promise<void>;
  /** Under the lock, before the run: removes what killed runs of ours left behind (stale probes, half-written notes, an interrupted prune's .deleting-* folders). */
  tidy(): Promise<void>;
  /** A real file or folder named latest would make the last step fail after rsync: refuse before. */
  checkLatestReplaceable(listing: RootListing): Promise<void>;
  /** Whether some other entry (not a snapshot) already has this name. */
  nameTaken(name: string): Promise<boolean>;
  /** rsync excludes that keep the root out of its own snapshots when it lies inside the source. */
  selfExcludes(source: string): Promise<string[]>;
  /** Size, free bytes and inodes of the filesystem holding the root (statfs; remote: `stat -f`, 1 ssh call); undefined when unknown. */
  space(): Promise<FilesystemSpace | undefined>;
  /** Makes ROOT/.inprogress-NAME. */
  begin(name: string): Promise<void>;
  /** Removes ROOT/.inprogress-NAME after a failed or cancelled run; false when it could not (it stays for the next run). */
  abort(name: string): Promise<boolean>;
  /**
   * Renames .inprogress-NAME to NAME, touches it, swings latest atomically, writes the notes, removes crashed
   * leftovers. Throws ROOT_INVALID saying what was kept when a step fails.
   */
  finish(name: string, meta: SnapshotMeta, leftovers: string[], listing: RootListing): Promise<void>;
}

/** Reading and deleting for a prune. */
export interface PruneAccess {
  /** The listing and each snapshot folder's identity (dev:ino) and mtime. */
  scan(signal?: AbortSignal): Promise<PruneScan>;
  /** Under the lock: re-checks and deletes the planned snapshots (renamed to .deleting-NAME first), with their notes. */
  remove(entries: { name: string; id: string }[], options: { signal?: AbortSignal; onProgress?: (done: number, total: number, name: string) => void }): Promise<PruneDeletion>;
}

export interface VersionsAccess {
  /** The listing and the path's lstat in every snapshot (remote: one ssh call). */
  scan(rel: string, signal?: AbortSignal): Promise<VersionScan>;
  /** Whether each pair of copies of `rel` (as scan gave them) holds the same bytes (remote: one ssh call for all). */
  sameContent(rel: string, pairs: [VersionCopy, VersionCopy][], signal?: AbortSignal): Promise<boolean[]>;
  /** Whether a copy of `rel` holds the same bytes as a file of this machine. */
  sameAsLocalFile(rel: string, copy: VersionCopy, localFile: string): Promise<boolean>;
  /** True when the root is on this machine, so a copy and a local file with the same dev:ino are one file. */
  readonly sameMachine: boolean;
  /**
   * The bytes of copies of `rel` (regular files of the sizes a scan gave), in order; undefined for one that could not
   * be read whole (remote: one ssh call, one `cat`, for all of them).
   */
  readCopies(rel: string, copies: { snapshot: string; size: number }[], signal?: AbortSignal): Promise<(Buffer | undefined)[]>;
}

export interface ChangesAccess {
  /**
   * What changed from snapshot `a` to snapshot `b` (names or `latest`) or to a working folder on this machine (absolute,
   * checked by the caller): both sides walked by changes/treeDiff's one set of rules (remote: one ssh call lists both
   * snapshots, one more for all content checks). `from`/`to`: the snapshot names (`latest` resolved), or the folder.
   */
  diff(
    a: string,
    b: string | { working: string },
    options: {
      exclude: ExcludeMatcher;
      signal?: AbortSignal;
      concurrency?: number;
      checksum?: boolean;
      /** The exclude leaves only a few paths (change sets): walk them with readdir + lstat rather than listing both whole trees. */
      narrow?: boolean;
    },
  ): Promise<{ from: string; to: string; raw: RawTreeDiff }>;
}

export interface RestoreAccess {
  /** Checks ROOT/SNAPSHOT/REL: exists, not reached through a symlink in the snapshot; its kind and rsync source path. */
  source(snapshot: string, rel: string, signal?: AbortSignal): Promise<RestoreSource>;
  /** What the snapshot holds at these item paths of a plan (kind, mode, size, mtime, link target), for links and verification. */
  items(plan: Pick<RestorePlan, 'snapshot' | 'relativePath' | 'sourceType'>, itemPaths: string[], signal?: AbortSignal): Promise<(ItemInfo | undefined)[]>;
  /** rsync excludes that keep the root out of a folder restore whose target holds it. */
  protectRoot(targetDir: string, sourceType: 'folder' | 'file'): Promise<string[]>;
}

export interface UsageAccess {
  /** The space report and what deleting a set would free. */
  measure(options: UsageOptions): Promise<UsageResult>;
}

export interface DoctorAccess {
  /** What the root's own machine says: connection, tools, root exists/writable, filesystem and hard links, free bytes, interrupted prunes. */
  inspect(): Promise<DoctorInspection>;
  /** A repair command to paste, run where the root is (locally as it is; remotely wrapped in ssh). */
  commandLine(argv: string[]): string;
}

export interface SearchAccess {
  /** How the search script searches here (local: the given ripgrep, else rg on PATH, else the Node search; remote: rg or grep on the host). */
  tool(options: { rgPath?: string; noRipgrep?: boolean }): Promise<ScriptTool>;
  /** Starts search/script.ts's script where the root is ("$1" = the root, then `args`): sh locally, ONE ssh call remotely. */
  start(args: string[]): Promise<SearchProcess>;
  /** The error for a run that exited with this code (ssh's own failure named as such). */
  failure(exitCode: number, stderr: string): SnapshotError;
}

/**
 * An opened backup root: the only thing features know of where the root is. Made by openRoot() (root/open.ts),
 * the one place that tells a local folder from `[user@]host:/path`; each feature is written once against this.
 */
export interface BackupRoot {
  readonly kind: 'local' | 'ssh';
  /** How results name the root: its absolute path, or the canonical `[user@]host:/path`. */
  readonly spec: string;
  readonly location: RootLocation;
  readonly logger: Logger;
  /** The root as a folder of this machine, for checks that need the local filesystem; undefined for a remote root. */
  readonly localPath?: string;
  /** The host of a remote root (for messages such as "on HOST"); undefined for a local root. */
  readonly host?: string;
  /** CLI options that reopen this root as it was opened (e.g. `--ssh-command CMD` when one was given), for cron lines. */
  readonly cliArgs: string[];
  /** `spec/names…` as listings name entries (local path, or `[user@]host:/path/names`). */
  pathOf(...names: string[]): string;
  /** The absolute path of `names…` on the root's machine (what --link-dest takes). */
  hostPath(...names: string[]): string;
  list(options?: { signal?: AbortSignal }): Promise<RootListing>;
  /** Takes the root's lock without waiting (LOCKED when busy); `create` makes a missing root (remote roots: under the same call). */
  lock(options?: { create?: boolean; operation?: LockOperation }): Promise<RootLock>;
  readonly files: SnapshotFiles;
  readonly notes: SnapshotNotes;
  readonly rsync: RsyncAccess;
  readonly snapshots: SnapshotAccess;
  readonly prune: PruneAccess;
  readonly versions: VersionsAccess;
  readonly changes: ChangesAccess;
  readonly restore: RestoreAccess;
  readonly usage: UsageAccess;
  readonly doctor: DoctorAccess;
  readonly search: SearchAccess;
  /** Change sets (changeSets/): stored and cached per snapshot; undefined where not supported yet (remote roots). */
  readonly changeSets?: ChangeSetAccess;
  /** Ends what the root keeps open (the shared ssh connection). */
  close(): Promise<void>;
}
