import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { excludeMatcher, ExcludeMatcher } from '../../core/util/excludeMatcher';
import { folderRoot, readSettings } from '../settings/settings';

/** A "nothing changed" that old is checked again with rsync (an event the watcher dropped cannot hide for longer). */
const BASELINE_MAX_AGE_MS = 60 * 60_000;
/** A watcher this young may not have seen everything yet: its silence proves nothing. */
const WARM_UP_MS = 2_000;
/** How long a look for blind spots (a few stats) holds. */
const BLIND_SPOTS_TTL_MS = 30_000;
/** Changed paths counted per folder, at most. */
const MAX_COUNTED = 10_000;

interface FolderWatch {
  watcher: vscode.FileSystemWatcher;
  since: number;
  exclude: ExcludeMatcher;
  /** The backup root's folder when it lies inside the workspace folder (its own writes are no change). */
  rootInside?: string;
  /** Changed paths (relative) since the baseline. */
  changed: Set<string>;
  /** The snapshot the baseline equals, confirmed by a snapshot we took or an rsync check; undefined: unknown. */
  baseline?: { latest: string; at: number; stamp: string };
  /** objectsStamp() when the last begin() was called. */
  begunStamp?: string;
  /** Bumped by begin(): a confirm() of an older begin() is stale. */
  generation: number;
  /** watcherBlindSpots, looked up at most every BLIND_SPOTS_TTL_MS. */
  blind?: { at: number } & BlindSpots;
}

export interface TrackedState {
  /** The snapshot the folder is known to equal, except for `changes`; undefined when unknown (after a restart, a failure…). */
  since?: string;
  /** Paths created, changed or deleted since then (the editor's file watcher), excluded paths left out. */
  changes: number;
  /** Why `since` is unknown. */
  unsure?: string;
}

/**
 * Knows, from the editor's file watcher (which also sees git, generators and other tools), whether anything under a
 * workspace folder changed since its last snapshot — so an automatic run with nothing changed costs no rsync. Unsure
 * (→ callers fall back to one rsync --dry-run check) after a restart, a failed run, a young watcher, an hour without
 * a check, when files.watcherExclude hides paths our snapshots keep, or when a repository's .git/objects (hidden from the
 * watcher by default) changed — seen by comparing its folders' mtimes.
 */
export class ChangeTracker implements vscode.Disposable {
  private readonly folders = new Map<string, FolderWatch>();
  private readonly emitter = new vscode.EventEmitter<vscode.WorkspaceFolder>();
  /** Fires (at most every 500 ms per folder) when a folder's count changed. */
  readonly onDidChange = this.emitter.event;
  private readonly pending = new Map<string, NodeJS.Timeout>();

  /** Starts watching `folder` (idempotent); excludes re-read when `refresh`. */
  track(folder: vscode.WorkspaceFolder, refresh = false): void {
    const key = folder.uri.toString();
    const existing = this.folders.get(key);
    if (existing && !refresh) return;
    const exclude = excludeMatcher(readSettings(folder).excludes);
    let rootInside: string | undefined;
    try {
      const local = folderRoot(folder).localPath;
      const rel = local && path.relative(folder.uri.fsPath, local);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) rootInside = rel.split(path.sep).join('/');
    } catch {
      // not a valid root: snapshots fail and say so
    }
    if (existing) {
      Object.assign(existing, { exclude, rootInside, baseline: undefined, blind: undefined }); // other excludes: the old "nothing changed" means nothing
      return;
    }
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'));
    const entry: FolderWatch = { watcher, since: Date.now(), exclude, rootInside, changed: new Set(), generation: 0 };
    const onEvent = (uri: vscode.Uri) => this.onEvent(folder, entry, uri);
    watcher.onDidCreate(onEvent);
    watcher.onDidChange(onEvent);
    watcher.onDidDelete(onEvent);
    this.folders.set(key, entry);
  }

  private onEvent(folder: vscode.WorkspaceFolder, entry: FolderWatch, uri: vscode.Uri): void {
    const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
    if (!rel || rel.startsWith('../') || this.excluded(entry, rel)) return;
    if (entry.changed.size < MAX_COUNTED) entry.changed.add(rel);
    const key = folder.uri.toString();
    if (!this.pending.has(key))
      this.pending.set(
        key,
        setTimeout(() => {
          this.pending.delete(key);
          this.emitter.fire(folder);
        }, 500),
      );
  }

  /** A path under an excluded folder, or excluded itself (a folder-only rule counts only for its ancestors: unknown kind). */
  private excluded(entry: FolderWatch, rel: string): boolean {
    if (entry.rootInside && (rel === entry.rootInside || rel.startsWith(`${entry.rootInside}/`))) return true;
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) if (entry.exclude(parts.slice(0, i).join('/'), true)) return true;
    return entry.exclude(rel, false);
  }

  /** What the watcher knows of `folder`; `since` only when it is sure. */
  state(folder: vscode.WorkspaceFolder): TrackedState {
    const entry = this.folders.get(folder.uri.toString());
    if (!entry) return { changes: 0, unsure: 'not watched yet' };
    const changes = entry.changed.size;
    if (!entry.baseline) return { changes, unsure: 'no snapshot or check since the watcher started' };
    if (Date.now() - entry.baseline.at >= BASELINE_MAX_AGE_MS) return { changes, unsure: 'last checked over an hour ago' };
    const { hidden, objects } = this.blindSpots(folder, entry);
    if (hidden.length) return { changes, unsure: `files.watcherExclude hides ${hidden.join(', ')}` };
    if (objectsStamp(objects) !== entry.baseline.stamp) return { changes, unsure: `objects were added to a git repository (${objects.join(', ')}, hidden from the watcher)` };
    return { since: entry.baseline.latest, changes };
  }

  /** Before a snapshot or a check reads the folder: counting starts afresh. Returns the token confirm() takes. */
  begin(folder: vscode.WorkspaceFolder): number | undefined {
    const entry = this.folders.get(folder.uri.toString());
    if (!entry) return undefined;
    entry.begunStamp = objectsStamp(this.blindSpots(folder, entry).objects);
    entry.changed.clear();
    entry.baseline = undefined;
    this.emitter.fire(folder);
    return ++entry.generation;
  }

  /** The snapshot or check begun with `token` found the folder equal to snapshot `latest`. */
  confirm(folder: vscode.WorkspaceFolder, token: number | undefined, latest: string, begunAt: number): void {
    const entry = this.folders.get(folder.uri.toString());
    if (!entry || token !== entry.generation) return;
    if (begunAt - entry.since < WARM_UP_MS) return; // the watcher may have missed something before it ran
    entry.baseline = { latest, at: begunAt, stamp: entry.begunStamp ?? '' };
  }

  private blindSpots(folder: vscode.WorkspaceFolder, entry: FolderWatch): BlindSpots {
    if (!entry.blind || Date.now() - entry.blind.at > BLIND_SPOTS_TTL_MS) entry.blind = { at: Date.now(), ...watcherBlindSpots(folder, entry.exclude) };
    return entry.blind;
  }

  /** The run failed or was cancelled: what the root holds is unknown again. */
  forget(folder: vscode.WorkspaceFolder): void {
    const entry = this.folders.get(folder.uri.toString());
    if (entry) entry.baseline = undefined;
  }

  dispose(): void {
    for (const entry of this.folders.values()) entry.watcher.dispose();
    for (const t of this.pending.values()) clearTimeout(t);
    this.folders.clear();
    this.emitter.dispose();
  }
}

interface BlindSpots {
  /** files.watcherExclude patterns that may hide a change our snapshots keep. */
  hidden: string[];
  /** .git/objects folders hidden from the watcher but watched by objectsStamp(). */
  objects: string[];
}

/**
 * files.watcherExclude patterns (the editor's watcher reports nothing under them) that could hide a change our
 * snapshots keep. A pattern `[**\/ or *\/]NAME/…` counts when the snapshot does not exclude folders named NAME and the
 * folder has one where the pattern looks (at its top, or one level down); other shapes always count. A git
 * repository's `.git/objects` (hidden by default) is covered by objectsStamp() instead: git only ever adds, renames
 * and deletes object files, never edits one in place. A NAME folder deeper down (a nested repository) is not looked
 * for: the hourly rsync check (BASELINE_MAX_AGE_MS) bounds what it could hide.
 */
export function watcherBlindSpots(folder: vscode.WorkspaceFolder, exclude: ExcludeMatcher): BlindSpots {
  const patterns = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, boolean>>('watcherExclude', {});
  const top = folder.uri.fsPath;
  let children: string[] | undefined;
  const childDirs = () => {
    try {
      children ??= fs
        .readdirSync(top, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      children = [];
    }
    return children;
  };
  const result: BlindSpots = { hidden: [], objects: [] };
  for (const [pattern, on] of Object.entries(patterns)) {
    if (!on) continue;
    const m = /^((?:\*\*?\/)*)([^/*?[\]{}]+)\/(.*)$/.exec(pattern);
    if (!m) {
      result.hidden.push(pattern);
      continue;
    }
    const [, prefix, name, rest] = m;
    if (exclude(name, true) && exclude(`x/${name}`, true)) continue;
    // Where the pattern's literal part (e.g. .git/subtree-cache) exists: only there can it hide anything.
    const literal = [
      name,
      ...rest.split('/').slice(
        0,
        rest.split('/').findIndex((part) => /[*?[\]{}]/.test(part) || !part),
      ),
    ];
    const found = [...(prefix === '' || prefix.includes('**/') ? [top] : []), ...(prefix !== '' ? childDirs().map((child) => path.join(top, child)) : [])]
      .map((base) => path.join(base, ...literal))
      .filter((dir) => fs.existsSync(dir));
    if (!found.length) continue;
    if (literal.join('/') === '.git/objects' && rest === 'objects/**') result.objects.push(...found);
    else result.hidden.push(pattern);
  }
  return result;
}

/**
 * The newest mtime (ns) and entry count of each `.git/objects` folder and its direct subfolders (00…ff, pack, info):
 * a new, renamed or deleted object file changes it. A few hundred stats at most.
 */
function objectsStamp(dirs: string[]): string {
  return dirs
    .map((dir) => {
      try {
        let newest = fs.statSync(dir, { bigint: true }).mtimeNs;
        let count = 0;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          count++;
          if (!entry.isDirectory()) continue;
          const mtime = fs.statSync(path.join(dir, entry.name), { bigint: true }).mtimeNs;
          if (mtime > newest) newest = mtime;
        }
        return `${newest}:${count}`;
      } catch {
        return 'none';
      }
    })
    .join(' ');
}
