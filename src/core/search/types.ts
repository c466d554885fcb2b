/** What to look for. */
export interface SearchQuery {
  /** Plain text (default) or, with `regex`, a regular expression. */
  pattern: string;
  regex?: boolean;
  ignoreCase?: boolean;
  /** Only files whose path (relative to the snapshot) matches this glob: `*.ts` (any folder), `src/**`, `docs/*.md`. */
  pathGlob?: string;
}

export interface SearchOptions {
  /** A folder of this machine holding the working files: each result says whether its working file still has the line. */
  working?: string;
  /** ripgrep to use for a local root (the extension passes the one VS Code ships); else `rg` on PATH, else the Node search. */
  rgPath?: string;
  /** Do not use ripgrep: the Node search for a local root, grep on the host for a remote one. */
  noRipgrep?: boolean;
  signal?: AbortSignal;
  /** A file with a line longer than this many bytes is not searched (a warning names it), by any tool: bounds the memory of a line. Default 16 MiB. */
  maxLineBytes?: number;
  /** The Node search stops with a BAD_INPUT when its regex spends longer than this on one line (catastrophic backtracking). Default 5 s. */
  regexTimeoutMs?: number;
  /** New or grown results, as they are found (each call: every result that changed since the last call). */
  onResults?: (results: SearchResult[]) => void;
  /** Called once the file listing of every snapshot is read: how many files and distinct contents will be searched. */
  onListed?: (files: number, contents: number) => void;
}

/** One line text found in one path: the snapshots that hold it there. */
export interface SearchResult {
  /** Path relative to the snapshot (`/`-separated; bytes of a name that is not UTF-8 carried as in util/nameBytes). */
  path: string;
  /** The matching line's text (without its line break). */
  text: string;
  /** Line numbers (1-based) where the text stands, over every snapshot holding it. */
  lines: number[];
  /** Oldest and newest snapshot whose copy of `path` holds this line, and in how many snapshots it is. */
  first: string;
  last: string;
  count: number;
  /** The line's number in `last` (what to open). */
  lastLine: number;
  /** The first snapshot after `last` (when `last` is not the newest): the line is gone from `path` since then. */
  goneSince?: string;
  /** Whether the working file still has this line (only with options.working). */
  working?: boolean;
}

export type SearchTool = 'rg' | 'grep' | 'node';

export interface SearchReport {
  root: string;
  query: SearchQuery;
  /** What searched the contents. */
  tool: SearchTool;
  snapshots: number;
  /** Regular files over all snapshots, and how many distinct contents (inodes) among them were searched. */
  files: number;
  contents: number;
  /** Sorted by path, then first line number, then text. */
  results: SearchResult[];
  /** Problems that did not stop the search (unreadable folders…). */
  warnings: string[];
}

/** How the search script searches: ripgrep at a path, rg if the host has it (else grep), grep, or none (it prints the files for the Node search). */
export type ScriptTool = { rg: string } | 'auto' | 'grep' | 'list';

/** A search script's run on the root's machine (search/script.ts; local: sh, remote: one ssh call). */
export interface SearchProcess {
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  /** The exit code (null when killed). */
  readonly exited: Promise<number | null>;
  kill(): void;
}
