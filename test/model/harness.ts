/**
 * Randomized model test of the whole engine: a seeded history of edits, snapshots, restores and prunes (some of
 * them killed with SIGKILL mid-run through the real CLI, some on a full filesystem, some against a hostile lock file
 * or a workspace folder replaced by a link to a folder outside), with invariants checked after every step against a
 * simple model of the trees. Talks to the engine only through ./engine (the adapter).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as engine from './engine';
import {
  at,
  baseOf,
  capture,
  cloneTree,
  describeDifferences,
  diffTrees,
  Entry,
  isBelow,
  joinKey,
  keyOf,
  modelChanges,
  parentOf,
  prng,
  quickCheckBlind,
  sameContent,
  shown,
  subtree,
  Tree,
  TreeDifference,
  utf8Of,
} from './model';

/**
 * Issue 12 item 1 (restore and "identical" claims decided by size+mtime) is not fixed yet: such findings are
 * recorded as KNOWN, printed, and do not fail. Flip to true when the fix lands, and they fail like any violation.
 */
export const STRICT_CONTENT_CLAIMS = false;
/**
 * A snapshot links a file whose edit kept its size and mtime to the nanosecond (rsync's quick check cannot see
 * it; `touch -r`, `cp -p` over it): found by this harness, outside issue 12's list, needs a decision (a
 * content-true snapshot costs a full read). Recorded as KNOWN until then; flip to make it fail.
 */
export const STRICT_SNAPSHOT_CONTENT = false;
/** Issue 12 item 5: a killed restore leaves rsync temp files in the workspace; a killed prune's .deleting-* outlives a snapshot. */
export const STRICT_LEFTOVERS = false;

export const KNOWN = {
  claims: 'KNOWN issue 12 item 1: restore / "= working file" / changes --working decided by size+mtime, not bytes',
  snapshotBlind: 'KNOWN (found here, needs a decision): a snapshot links a file edited with size and mtime kept (rsync quick check)',
  leftovers: 'KNOWN issue 12 item 5: leftovers of a killed restore/prune outlive the next run',
  swingEnospc: 'KNOWN issue 12 item 4: no space when latest is swung gives an unexpected error',
} as const;

export type OpName =
  | 'create'
  | 'modify'
  | 'delete'
  | 'rename'
  | 'mkdir'
  | 'rmdir'
  | 'symlink'
  | 'chmod'
  | 'grow'
  | 'snapshot'
  | 'snapshotKill'
  | 'restoreWhole'
  | 'restoreFolder'
  | 'restoreFile'
  | 'restoreCopy'
  | 'restoreKill'
  | 'undo'
  | 'prune'
  | 'pruneKill'
  | 'age'
  | 'lockFault'
  | 'wsLink';

const WEIGHTS: [OpName, number][] = [
  ['create', 10],
  ['modify', 14],
  ['delete', 4],
  ['rename', 3],
  ['mkdir', 3],
  ['rmdir', 2],
  ['symlink', 3],
  ['chmod', 3],
  ['grow', 1],
  ['snapshot', 9],
  ['snapshotKill', 3],
  ['restoreWhole', 3],
  ['restoreFolder', 2],
  ['restoreFile', 3],
  ['restoreCopy', 2],
  ['restoreKill', 2],
  ['undo', 1],
  ['prune', 3],
  ['pruneKill', 1],
  ['age', 1],
];

/** Share of snapshot and prune steps that meet a hostile lock file instead (see History.opLockFault). */
const LOCK_FAULT_RATE = 0.1;
/** Share of restore and undo steps that meet a workspace folder replaced by a link first (see History.opWsLink). */
const LINK_FAULT_RATE = 0.15;
/** How long a run against a hostile lock may take before it counts as hanging (and is killed). */
const LOCK_RUN_BOUND_MS = 20_000;
/** Share of the workspace-link faults that undo their restore afterwards (all of those that take an undo step's place). */
const LINK_UNDO_RATE = 0.25;

export interface Step {
  index: number;
  op: OpName;
  /** A fault step ('lockFault', 'wsLink'): the step it took the place of, whose operation it runs. */
  of?: OpName;
  /** Uniform numbers in [0,1) the op interprets against the state it meets: any subsequence of steps replays. */
  r: number[];
}

/** The history a seed stands for: its steps and settings. Pure: same seed, same history. */
export function generate(seed: number, steps: number, tmpfsAllowed: boolean): { steps: Step[]; tmpfs: boolean; initial: number } {
  const rand = prng(seed);
  // Every draw happens whatever the settings, so a seed names the same steps with or without a tmpfs.
  const tmpfsRoll = rand();
  const tmpfs = tmpfsAllowed && tmpfsRoll < 0.2;
  const initial = Math.floor(rand() * 1e9);
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const list: Step[] = [];
  for (let i = 0; i < steps; i++) {
    let x = rand() * total;
    let op: OpName = WEIGHTS[0][0];
    for (const [name, w] of WEIGHTS) {
      if ((x -= w) < 0) {
        op = name;
        break;
      }
    }
    const growRoll = rand();
    if (tmpfs && (op === 'create' || op === 'modify') && growRoll < 0.4) op = 'grow';
    // A fault takes the place of a step of the kind it hits, decided by the roll every step draws anyway (it decides
    // only create/modify otherwise): no other step of a seed's history changes.
    const of = op;
    if ((op === 'snapshot' || op === 'prune') && growRoll >= 1 - LOCK_FAULT_RATE) op = 'lockFault';
    if ((op === 'restoreWhole' || op === 'restoreFolder' || op === 'restoreFile' || op === 'undo') && growRoll >= 1 - LINK_FAULT_RATE) op = 'wsLink';
    list.push({ index: i, op, ...(op !== of ? { of } : {}), r: Array.from({ length: 8 }, () => rand()) });
  }
  return { steps: list, tmpfs, initial };
}

export interface Violation {
  seed: number;
  step: number;
  op: OpName | 'setup';
  invariant: string;
  detail: string;
}

export interface KnownFinding extends Violation {
  label: string;
}

export interface Figures {
  histories: number;
  /** Histories whose root was a small tmpfs (disk-full faults). */
  tmpfsHistories: number;
  /** Kills that left a finished snapshot with latest not yet moved to it (healed by the next snapshot, checked). */
  latestLagged: number;
  steps: number;
  kills: number;
  /** Kills that landed while the process was still running (the others found it finished). */
  killsMidRun: number;
  diskFull: number;
  checks: number;
  refusals: number;
  /** Ops skipped because the state did not allow them (e.g. nothing to restore yet). */
  noops: number;
  /** Hostile lock files put in the root (opLockFault), by kind, and the runs (snapshot, prune, doctor) they met. */
  lockFaults: number;
  lockSymlink: number;
  lockDangling: number;
  lockFifo: number;
  lockFolder: number;
  lockRuns: number;
  /** Workspace folders replaced by a link to a folder outside (opWsLink): restores that replaced the link, refused, undone. */
  linkFaults: number;
  linkReplaced: number;
  linkRefused: number;
  linkUndone: number;
  violations: Violation[];
  known: KnownFinding[];
}

export function emptyFigures(): Figures {
  return {
    histories: 0,
    tmpfsHistories: 0,
    latestLagged: 0,
    steps: 0,
    kills: 0,
    killsMidRun: 0,
    diskFull: 0,
    checks: 0,
    refusals: 0,
    noops: 0,
    lockFaults: 0,
    lockSymlink: 0,
    lockDangling: 0,
    lockFifo: 0,
    lockFolder: 0,
    lockRuns: 0,
    linkFaults: 0,
    linkReplaced: 0,
    linkRefused: 0,
    linkUndone: 0,
    violations: [],
    known: [],
  };
}

const COUNTERS = [
  'histories',
  'tmpfsHistories',
  'latestLagged',
  'steps',
  'kills',
  'killsMidRun',
  'diskFull',
  'checks',
  'refusals',
  'noops',
  'lockFaults',
  'lockSymlink',
  'lockDangling',
  'lockFifo',
  'lockFolder',
  'lockRuns',
  'linkFaults',
  'linkReplaced',
  'linkRefused',
  'linkUndone',
] as const;

export function addFigures(into: Figures, f: Figures): void {
  for (const k of COUNTERS) into[k] += f[k];
  into.violations.push(...f.violations);
  into.known.push(...f.known);
}

export interface HistoryOptions {
  seed: number;
  steps: number;
  /** Folder for this history's workspace and root (removed afterwards). */
  scratch: string;
  /** dist/cli.js, for the steps that are killed mid-run. */
  cli: string;
  /** Remote variant: the root is `host:/path` through this ssh command. */
  remote?: { host: string; sshCommand: string };
  /** Allow a small tmpfs root in some histories (needs mount; decided by the seed). */
  tmpfs?: boolean;
  /** Also create names that are not valid UTF-8 (off: the engine cannot restore them yet, issue 12 item 3). */
  nonUtf8?: boolean;
  /** Run only these step indexes (replay, shrinking). */
  only?: number[];
  /** Override the STRICT_* constants for this history (the self-check flips them). */
  strict?: { contentClaims?: boolean; snapshotContent?: boolean; leftovers?: boolean };
  /** How long a run against a hostile lock file may take (default LOCK_RUN_BOUND_MS; the self-check shortens it). */
  lockRunBoundMs?: number;
  /** Test hook: called after each step, before the invariants (e.g. to break one on purpose). */
  sabotage?: (h: { step: Step; localRoot: string; ws: string; snapshots: string[]; victims: { lockFiles: string[]; linkFolders: string[] } }) => void;
  log?: (line: string) => void;
}

const FILE_NAMES = [
  'a.txt',
  'b',
  'sp ace.txt',
  'nl\nname',
  '-dash',
  '--double',
  'ünï.md',
  'e\u0301',
  '日本.txt',
  'tab\tx',
  ' lead',
  'trail ',
  '*star',
  '[br]',
  'back\\slash',
  '.hidden',
  '#h',
  'a -> b',
];
const DIR_NAMES = ['d1', 'sub dir', '-dd', 'ü', '.dot', 'x'];
const NON_UTF8_NAMES = [Buffer.from([0xff, 0xfe]).toString('latin1'), Buffer.from('bad-\xe9', 'latin1').toString('latin1')];
const LINK_TARGETS = ['nowhere', 'a.txt', 'd1', '.', 'sub dir/b', '-dash', '../x'];
const FILE_MODES = [0o644, 0o600, 0o755, 0o444, 0o640];
const DIR_MODES = [0o755, 0o700, 0o750];
/** How long each killed operation takes when left alone (ms): learned across the histories of a process. */
const killDelay: Record<string, number> = { snapshot: 300, restore: 450, prune: 300 };

/** rsync's temp file for a file being received: `.NAME.XXXXXX` beside it. */
const RSYNC_TEMP = /^\..+\.[A-Za-z0-9]{6}$/;

interface SnapRecord {
  tree: Tree;
  label?: string;
}

class StepFailure extends Error {}

/** One history: a workspace, a root, the model, and the checks. */
class History {
  readonly ws: string;
  readonly copies: string;
  readonly target: engine.Target;
  current: Tree = new Map();
  snaps = new Map<string, SnapRecord>();
  figures = emptyFigures();
  /** Finished snapshots a kill left before latest was moved to them (latest stays behind until the next snapshot). */
  unswung = new Set<string>();
  lastSafety?: { name: string };
  clock: number;
  mounted?: string;
  decoys: Tree = new Map();
  /** Files outside the root that a hostile lock file pointed at: their bytes (or their absence) must never change. */
  lockVictims: { path: string; data?: Buffer; mtimeNs?: bigint }[] = [];
  /** Folders outside the workspace that a workspace link pointed at: never written through, whatever comes later. */
  linkVictims: { dir: string; mode: number; tree: Tree }[] = [];
  rand!: () => number;
  stepNow?: Step;
  readonly strictClaims: boolean;
  readonly strictSnapshot: boolean;
  readonly strictLeftovers: boolean;

  constructor(readonly o: HistoryOptions) {
    this.strictClaims = o.strict?.contentClaims ?? STRICT_CONTENT_CLAIMS;
    this.strictSnapshot = o.strict?.snapshotContent ?? STRICT_SNAPSHOT_CONTENT;
    this.strictLeftovers = o.strict?.leftovers ?? STRICT_LEFTOVERS;
    this.ws = path.join(o.scratch, 'ws');
    this.copies = path.join(o.scratch, 'copies');
    const localRoot = path.join(o.scratch, 'root');
    this.target = o.remote ? { root: `${o.remote.host}:${localRoot}`, localRoot, sshCommand: o.remote.sshCommand } : { root: localRoot, localRoot };
    this.clock = Math.floor(Date.now() / 1000) - 100_000;
  }

  log(line: string) {
    this.o.log?.(line);
  }

  // ---------- recording ----------

  violation(invariant: string, detail: string): never {
    const v: Violation = { seed: this.o.seed, step: this.stepNow?.index ?? -1, op: this.stepNow?.op ?? 'setup', invariant, detail };
    this.figures.violations.push(v);
    throw new StepFailure(`${invariant}: ${detail}`);
  }

  known(label: string, invariant: string, detail: string, strict: boolean): void {
    if (strict) this.violation(invariant, `${detail} [${label}, now strict]`);
    this.figures.known.push({ seed: this.o.seed, step: this.stepNow?.index ?? -1, op: this.stepNow?.op ?? 'setup', invariant, detail, label });
    this.log(`  known: ${label}: ${invariant}: ${detail}`);
  }

  check(ok: boolean, invariant: string, detail: () => string): void {
    this.figures.checks++;
    if (!ok) this.violation(invariant, detail());
  }

  // ---------- setup ----------

  async setup(tmpfs: boolean, initialSeed: number): Promise<void> {
    fs.mkdirSync(this.ws, { recursive: true });
    fs.mkdirSync(this.copies, { recursive: true });
    fs.mkdirSync(this.target.localRoot, { recursive: true });
    if (tmpfs) {
      const size = 512 * 1024;
      const r = await run('mount', ['-t', 'tmpfs', '-o', `size=${size},nr_inodes=400`, 'tmpfs', this.target.localRoot]);
      if (r.code === 0) {
        this.mounted = this.target.localRoot;
        this.figures.tmpfsHistories++;
      } else this.log(`  (tmpfs unavailable: ${r.stderr.trim()})`);
    }
    // Entries of other people in the root: never listed, never touched.
    const r = this.target.localRoot;
    fs.writeFileSync(path.join(r, 'notes.txt'), 'not a snapshot\n');
    fs.mkdirSync(path.join(r, '2026-13-45T99-99-99'));
    fs.writeFileSync(path.join(r, '2026-13-45T99-99-99', 'keep'), 'decoy');
    fs.mkdirSync(path.join(r, '.inprogress-someone'));
    fs.mkdirSync(path.join(r, '.deleting-mine'));
    fs.symlinkSync('.', path.join(r, '2019-01-01T00-00-00'));
    this.decoys = this.captureDecoys();
    this.rand = prng(initialSeed);
    const n = 4 + Math.floor(this.rand() * 6);
    this.apply('mkdir', [this.rand(), this.rand(), this.rand()]);
    for (let i = 0; i < n; i++)
      this.apply(
        this.rand() < 0.8 ? 'create' : 'symlink',
        Array.from({ length: 8 }, () => this.rand()),
      );
  }

  captureDecoys(): Tree {
    const keep = new Set(['notes.txt', '2026-13-45T99-99-99', '.inprogress-someone', '.deleting-mine', '2019-01-01T00-00-00']);
    return capture(this.target.localRoot, (key, top) => top && !keep.has(key));
  }

  /**
   * A killed CLI's ssh connection master runs in a session of its own (ssh daemonizes it), so the kill of the
   * process group misses it. The CLIs of a remote history get their own short TMPDIR, so their masters can be told
   * apart from everyone else's and ended by pid.
   */
  private sshTmp?: string;
  cliEnv(): NodeJS.ProcessEnv {
    if (!this.o.remote) return {};
    this.sshTmp ??= fs.mkdtempSync('/tmp/rsm-');
    return { TMPDIR: this.sshTmp };
  }

  endOrphanedSshMasters(): void {
    if (!this.sshTmp) return;
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmd = '';
      try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmd.startsWith(`ssh: ${this.sshTmp}/`)) {
        try {
          process.kill(Number(pid), 'SIGTERM');
        } catch {
          // gone already
        }
      }
    }
  }

  async teardown(): Promise<void> {
    this.endOrphanedSshMasters();
    if (this.sshTmp) fs.rmSync(this.sshTmp, { recursive: true, force: true });
    if (this.mounted) await run('umount', ['-l', this.mounted]);
    await run('chmod', ['-R', 'u+rwX', this.o.scratch]);
    fs.rmSync(this.o.scratch, { recursive: true, force: true });
  }

  // ---------- picking ----------

  keys(pred: (k: string, e: Entry) => boolean): string[] {
    return [...this.current]
      .filter(([k, e]) => pred(k, e))
      .map(([k]) => k)
      .sort();
  }

  pick<T>(list: T[], r: number): T | undefined {
    return list.length ? list[Math.floor(r * list.length) % list.length] : undefined;
  }

  dirs(): string[] {
    return ['', ...this.keys((k, e) => e.t === 'd' && k.split('/').length < 3)];
  }

  freeName(dir: string, r: number, pool: string[]): string | undefined {
    const names = [...pool.map(keyOf), ...(this.o.nonUtf8 ? NON_UTF8_NAMES : [])];
    for (let i = 0; i < names.length; i++) {
      const key = joinKey(dir, names[(Math.floor(r * names.length) + i) % names.length]);
      if (!this.current.has(key)) return key;
    }
    return undefined;
  }

  bytes(n: number, r: number): Buffer {
    const rand = prng(Math.floor(r * 2 ** 31));
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0;
    return b;
  }

  /** Sets a file's mtime to second `sec` + `us` microseconds; returns what the file system stored. */
  setMtime(p: Buffer, sec: number, us: number): bigint {
    const t = sec + us / 1e6;
    fs.utimesSync(p, t, t);
    return fs.lstatSync(p, { bigint: true }).mtimeNs;
  }

  writeFile(key: string, data: Buffer, mode: number, sameSecondAs?: bigint): void {
    const p = at(this.ws, key);
    fs.writeFileSync(p, data);
    fs.chmodSync(p, mode);
    let mtimeNs: bigint;
    if (sameSecondAs !== undefined) {
      const sec = Number(sameSecondAs / 1_000_000_000n);
      let us = Math.floor(this.rand() * 1e6);
      if (BigInt(us) * 1000n === sameSecondAs % 1_000_000_000n) us = (us + 1) % 1_000_000;
      mtimeNs = this.setMtime(p, sec, us);
    } else {
      this.clock += 1 + Math.floor(this.rand() * 3);
      mtimeNs = this.setMtime(p, this.clock, Math.floor(this.rand() * 1e6));
    }
    this.current.set(key, { t: 'f', mode, data, mtimeNs });
  }

  // ---------- edits (model and disk together) ----------

  /** Applies an edit; false when the state offers nothing to do it on. */
  apply(op: OpName, r: number[]): boolean {
    const ws = this.ws;
    switch (op) {
      case 'create':
      case 'grow': {
        const dir = this.pick(this.dirs(), r[0])!;
        const key = this.freeName(dir, r[1], FILE_NAMES);
        if (key === undefined) return false;
        const size = op === 'grow' ? 96 * 1024 + Math.floor(r[2] * 224 * 1024) : r[2] < 0.15 ? 0 : r[2] < 0.85 ? Math.floor(r[3] * 200) : 1000 + Math.floor(r[3] * 8000);
        this.writeFile(key, this.bytes(size, r[4]), this.pick(FILE_MODES, r[5])!);
        return true;
      }
      case 'modify': {
        const key = this.pick(
          this.keys((_, e) => e.t === 'f'),
          r[0],
        );
        if (key === undefined) return false;
        const e = this.current.get(key) as Extract<Entry, { t: 'f' }>;
        const p = at(ws, key);
        const kind = r[1];
        if (kind < 0.25) {
          // Same size, other bytes, mtime in the same second as before (rsync's default check cannot see it).
          if (!e.data.length) return this.apply('create', r);
          const data = Buffer.from(e.data);
          data[Math.floor(r[2] * data.length)] ^= 1 + Math.floor(r[3] * 255);
          this.writeFile(key, data, e.mode, e.mtimeNs);
        } else if (kind < 0.4) {
          // Same size, other bytes, size AND mtime kept to the nanosecond (touch -r, cp -p over it).
          if (!e.data.length) return this.apply('create', r);
          const data = Buffer.from(e.data);
          data[Math.floor(r[2] * data.length)] ^= 1 + Math.floor(r[3] * 255);
          fs.writeFileSync(p, data);
          const sec = Number(e.mtimeNs / 1_000_000_000n);
          const us = Math.round(Number(e.mtimeNs % 1_000_000_000n) / 1000);
          const got = this.setMtime(p, sec, us);
          if (got !== e.mtimeNs) {
            // The file system could not take the old stamp back exactly: it is an ordinary edit then.
            this.current.set(key, { ...e, data, mtimeNs: got });
          } else this.current.set(key, { ...e, data });
        } else if (kind < 0.55) {
          // Touch only: same bytes, new mtime.
          this.clock += 1;
          this.current.set(key, { ...e, mtimeNs: this.setMtime(p, this.clock, Math.floor(r[2] * 1e6)) });
        } else if (kind < 0.7) {
          this.writeFile(key, Buffer.concat([e.data, this.bytes(1 + Math.floor(r[2] * 50), r[3])]), e.mode);
        } else {
          this.writeFile(key, this.bytes(Math.floor(r[2] * 300), r[3]), e.mode);
        }
        return true;
      }
      case 'delete': {
        const key = this.pick(
          this.keys((_, e) => e.t !== 'd'),
          r[0],
        );
        if (key === undefined) return false;
        fs.unlinkSync(at(ws, key));
        this.current.delete(key);
        return true;
      }
      case 'rename': {
        const key = this.pick(
          this.keys(() => true),
          r[0],
        );
        if (key === undefined) return false;
        const dest = this.pick(
          this.dirs().filter((d) => d !== key && !isBelow(d, key)),
          r[1],
        )!;
        const isDir = this.current.get(key)!.t === 'd';
        const to = this.freeName(dest, r[2], isDir ? DIR_NAMES : FILE_NAMES);
        if (to === undefined || to === key) return false;
        fs.renameSync(at(ws, key), at(ws, to));
        for (const [k, e] of [...this.current]) {
          if (k === key || isBelow(k, key)) {
            this.current.delete(k);
            this.current.set(to + k.slice(key.length), e);
          }
        }
        return true;
      }
      case 'mkdir': {
        const dir = this.pick(this.dirs(), r[0])!;
        const key = this.freeName(dir, r[1], DIR_NAMES);
        if (key === undefined) return false;
        const mode = this.pick(DIR_MODES, r[2])!;
        fs.mkdirSync(at(ws, key));
        fs.chmodSync(at(ws, key), mode);
        this.current.set(key, { t: 'd', mode });
        return true;
      }
      case 'rmdir': {
        const key = this.pick(
          this.keys((_, e) => e.t === 'd'),
          r[0],
        );
        if (key === undefined) return false;
        fs.rmSync(at(ws, key), { recursive: true });
        for (const k of [...this.current.keys()]) if (k === key || isBelow(k, key)) this.current.delete(k);
        return true;
      }
      case 'symlink': {
        const dir = this.pick(this.dirs(), r[0])!;
        const key = this.freeName(dir, r[1], FILE_NAMES);
        if (key === undefined) return false;
        const target = keyOf(this.pick(LINK_TARGETS, r[2])!);
        fs.symlinkSync(Buffer.from(target, 'latin1'), at(ws, key));
        this.current.set(key, { t: 'l', target });
        return true;
      }
      case 'chmod': {
        const key = this.pick(
          this.keys((_, e) => e.t !== 'l'),
          r[0],
        );
        if (key === undefined) return false;
        const e = this.current.get(key) as Extract<Entry, { t: 'f' | 'd' }>;
        const mode = this.pick(e.t === 'd' ? DIR_MODES : FILE_MODES, r[1])!;
        fs.chmodSync(at(ws, key), mode);
        this.current.set(key, { ...e, mode });
        return true;
      }
      default:
        throw new Error(`not an edit: ${op}`);
    }
  }

  // ---------- engine operations ----------

  async step(step: Step): Promise<void> {
    this.stepNow = step;
    this.rand = prng(Math.floor(step.r[7] * 2 ** 31));
    const r = step.r;
    let done = true;
    switch (step.op) {
      case 'snapshot':
        done = await this.opSnapshot(r);
        break;
      case 'snapshotKill':
        done = await this.opKill('snapshot', r);
        break;
      case 'restoreWhole':
        done = await this.opRestore('whole', r);
        break;
      case 'restoreFolder':
        done = await this.opRestore('folder', r);
        break;
      case 'restoreFile':
        done = await this.opRestore('file', r);
        break;
      case 'restoreCopy':
        done = await this.opRestoreCopy(r);
        break;
      case 'restoreKill':
        done = await this.opKill('restore', r);
        break;
      case 'undo':
        done = await this.opUndo();
        break;
      case 'prune':
        done = await this.opPrune(r);
        break;
      case 'pruneKill':
        done = await this.opKill('prune', r);
        break;
      case 'age':
        done = this.opAge(r);
        break;
      case 'lockFault':
        done = await this.opLockFault(step);
        break;
      case 'wsLink':
        done = await this.opWsLink(step);
        break;
      default:
        done = this.apply(step.op, r);
    }
    if (!done) this.figures.noops++;
    this.o.sabotage?.({
      step,
      localRoot: this.target.localRoot,
      ws: this.ws,
      snapshots: [...this.snaps.keys()],
      victims: { lockFiles: this.lockVictims.map((v) => v.path), linkFolders: this.linkVictims.map((v) => v.dir) },
    });
    await this.invariants(step);
  }

  names(): string[] {
    return [...this.snaps.keys()].sort();
  }

  isDiskFull(refusal: engine.EngineRefusal): boolean {
    return /No space left|ENOSPC|Disk quota/i.test([refusal.message, ...refusal.details].join('\n'));
  }

  /** Snapshot `name` just appeared holding what `expected` says (content-true), or a KNOWN quick-check blind spot. */
  adoptSnapshot(name: string, expected: Tree, label?: string): void {
    const actual = this.captureSnapshot(name);
    const diffs = diffTrees(expected, actual);
    if (diffs.length) {
      if (diffs.every((d) => quickCheckBlind(d, false))) this.known(KNOWN.snapshotBlind, 'snapshot equals the working tree', `${name}: ${describeDifferences(diffs)}`, this.strictSnapshot);
      else this.violation('snapshot equals the working tree', `${name}: ${describeDifferences(diffs)}`);
    }
    this.snaps.set(name, { tree: actual, label });
  }

  captureSnapshot(name: string): Tree {
    return capture(path.join(this.target.localRoot, name));
  }

  newNames(listed: string[]): string[] {
    return listed.filter((n) => !this.snaps.has(n));
  }

  async opSnapshot(r: number[]): Promise<boolean> {
    const label = r[0] < 0.3 ? `label ${Math.floor(r[1] * 100)}` : undefined;
    const res = await engine
      .engineCall(() => engine.snapshot(this.target, this.ws, label))
      .catch((err: Error) => {
        if (/ENOSPC/.test(String(err)) && /swingLatest|symlink/.test(String(err.stack))) {
          this.figures.diskFull++;
          this.known(KNOWN.swingEnospc, 'every failure is a typed error', String(err.message), false);
          return undefined;
        }
        throw err;
      });
    const listed = await engine.list(this.target);
    if (!res) {
      // Kept but latest not moved: the snapshot is complete.
      for (const n of this.newNames(listed.snapshots)) {
        this.adoptSnapshot(n, this.current, label);
        if (listed.latest !== n) this.unswung.add(n);
      }
      return true;
    }
    if (!res.ok) {
      if (this.isDiskFull(res.refusal)) {
        this.figures.diskFull++;
        this.check(this.newNames(listed.snapshots).length === 0, 'a failed snapshot lists nothing new', () => listed.snapshots.join(','));
        return true;
      }
      this.violation('a snapshot succeeds', `${res.refusal.code}: ${res.refusal.message}`);
    }
    const name = res.value.name;
    this.check(listed.latest === name, 'latest is the snapshot just taken', () => `latest=${listed.latest}, taken=${name}`);
    this.check(this.newNames(listed.snapshots).join() === name, 'exactly one new snapshot', () => this.newNames(listed.snapshots).join(','));
    this.adoptSnapshot(name, this.current, label);
    const noted = await engine.label(this.target, name);
    // Notes are optional (a full disk may refuse them; the snapshot is kept): only a wrong label is wrong.
    if (label !== undefined && noted === undefined && this.mounted) this.figures.diskFull++;
    else this.check(noted === label, 'the label is noted', () => `${name}: ${noted}`);
    this.unswung.clear();
    this.leftoversAfterSnapshot();
    return true;
  }

  /** After a successful snapshot: no unfinished copy, temp latest, or probe of ours is left in the root. */
  leftoversAfterSnapshot(): void {
    const entries = fs.readdirSync(this.target.localRoot);
    const ours = entries.filter(
      (n) =>
        (n.startsWith(engine.FORMAT.inProgressPrefix) && engine.FORMAT.isSnapshotName(n.slice(engine.FORMAT.inProgressPrefix.length))) ||
        n.startsWith(engine.FORMAT.latestTempPrefix) ||
        n.startsWith(engine.FORMAT.probePrefix),
    );
    this.check(ours.length === 0, 'no leftovers of ours after a snapshot', () => ours.join(', '));
    const deleting = entries.filter((n) => n.startsWith(engine.FORMAT.deletingPrefix) && engine.FORMAT.isSnapshotName(n.slice(engine.FORMAT.deletingPrefix.length)));
    if (deleting.length) this.known(KNOWN.leftovers, 'no leftovers of ours after a snapshot', `${deleting.join(', ')} (interrupted prune)`, this.strictLeftovers);
    const metaTmp = fs.existsSync(path.join(this.target.localRoot, engine.FORMAT.metaDir))
      ? fs.readdirSync(path.join(this.target.localRoot, engine.FORMAT.metaDir)).filter((n) => n.endsWith('.tmp'))
      : [];
    this.check(metaTmp.length === 0, 'no half-written notes after a snapshot', () => metaTmp.join(', '));
  }

  snapshotFor(r: number): string | undefined {
    return this.pick(this.names(), r);
  }

  /**
   * What restoring `tree` (the snapshot's subtree) at folder key `dir` of the workspace should give, or why the
   * engine must refuse. `del`: --delete. Conflicts the engine must report as failed items are returned too.
   */
  predictFolderRestore(src: Tree, srcDirMode: number | undefined, dir: string, del: boolean, cur: Tree = this.current): { refuse?: string; expected: Tree; mayFail: Set<string> } {
    const expected = cloneTree(cur);
    const mayFail = new Set<string>();
    if (dir !== '') {
      const here = cur.get(dir);
      if (here && here.t !== 'd') return { refuse: 'target is not a folder', expected, mayFail };
      const parent = parentOf(dir);
      if (parent !== '' && cur.get(parent)?.t !== 'd') return { refuse: 'parent missing', expected, mayFail };
    }
    // A symlink inside the target on the way to an item: refused (it could lead outside).
    for (const k of src.keys()) {
      const segs = k.split('/');
      for (let i = 1; i < segs.length; i++) {
        if (cur.get(joinKey(dir, segs.slice(0, i).join('/')))?.t === 'l') return { refuse: 'symlink on the way', expected, mayFail };
      }
    }
    if (del) for (const k of [...expected.keys()]) if (isBelow(k, dir)) expected.delete(k);
    if (dir !== '' && srcDirMode !== undefined) expected.set(dir, { t: 'd', mode: srcDirMode });
    const keys = [...src.keys()].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
    const blocked: string[] = [];
    for (const k of keys) {
      const key = joinKey(dir, k);
      if (blocked.some((b) => key === b || isBelow(key, b))) continue;
      const e = src.get(k)!;
      const there = expected.get(key);
      if (e.t !== 'd' && there?.t === 'd' && [...expected.keys()].some((x) => isBelow(x, key))) {
        // rsync will not remove a non-empty folder to put a file there without --delete.
        mayFail.add(k);
        blocked.push(key);
        continue;
      }
      if (e.t !== 'd' && there?.t === 'd') for (const x of [...expected.keys()]) if (isBelow(x, key)) expected.delete(x);
      expected.set(key, { ...e });
    }
    return { expected, mayFail };
  }

  async opRestore(scope: 'whole' | 'folder' | 'file', r: number[]): Promise<boolean> {
    const name = this.snapshotFor(r[0]);
    if (!name) return false;
    const snap = this.snaps.get(name)!.tree;
    let rel: string;
    if (scope === 'whole') rel = '';
    else {
      const cands = [...snap]
        .filter(([, e]) => (scope === 'folder' ? e.t === 'd' : e.t !== 'd'))
        .map(([k]) => k)
        .sort();
      const k = this.pick(cands, r[1]);
      if (k === undefined) return false;
      rel = k;
    }
    // The harness restores in place only along real folders: a symlink on the target's own path is another story.
    const segs = rel.split('/');
    for (let i = 1; i <= segs.length; i++) {
      const up = segs.slice(0, i).join('/');
      if (up && this.current.get(up)?.t === 'l' && (i < segs.length || scope === 'folder')) return false;
    }
    const del = scope !== 'file' && r[2] < 0.5;
    if (keyOf(utf8Of(rel)) !== rel) return false; // a name that is not UTF-8: the engine's API takes text (issue 12 item 3)
    const pre = cloneTree(this.current);
    let prediction: { refuse?: string; expected: Tree; mayFail: Set<string> };
    if (scope === 'file') {
      const e = snap.get(rel)!;
      const parent = parentOf(rel);
      // What the target path is, following links as the engine's check does (the disk answers, not the engine).
      const refuse = loops(at(this.ws, rel))
        ? 'target is a symlink that loops'
        : statFollow(at(this.ws, rel))?.isDirectory()
          ? 'target is a folder'
          : parent !== '' && !statFollow(at(this.ws, parent))?.isDirectory()
            ? 'parent missing'
            : undefined;
      const expected = cloneTree(this.current);
      expected.set(rel, { ...e });
      prediction = { refuse, expected, mayFail: new Set() };
    } else {
      const src = rel === '' ? cloneTree(snap) : subtree(snap, rel);
      const mode = rel === '' ? undefined : (snap.get(rel) as { mode: number }).mode;
      prediction = this.predictFolderRestore(src, mode, rel, del);
    }
    const textTarget = rel === '' ? this.ws : path.join(this.ws, utf8Of(rel));
    const preview = await engine.engineCall(() => engine.previewRestore(this.target, { snapshot: name, path: rel === '' ? '.' : utf8Of(rel), target: textTarget, delete: del }));
    if (!preview.ok) {
      this.figures.refusals++;
      if (prediction.refuse) return true;
      this.violation('a restore the model allows is previewed', `${name}:${shown(rel)} → ${shown(rel)}: ${preview.refusal.code} ${preview.refusal.message}`);
    }
    if (prediction.refuse) {
      // The engine went ahead where the model expected a refusal: only a problem if the result is wrong, which the
      // apply below would show; the model cannot predict it, so stop here (nothing applied).
      this.log(`  model expected a refusal (${prediction.refuse}) for ${shown(rel)}; engine previewed ${preview.value.items.length} items`);
      return false;
    }
    const plan = preview.value;
    // The claim a user acts on: "nothing to do". It must be byte-true for what the restore covers.
    const covered = (k: string) => rel === '' || k === rel || isBelow(k, rel);
    const restoreDiffs = diffTrees(new Map([...prediction.expected].filter(([k]) => covered(k))), new Map([...this.current].filter(([k]) => covered(k))));
    if (plan.nothingToDo && restoreDiffs.length) {
      if (restoreDiffs.every((d) => quickCheckBlind(d, true))) this.known(KNOWN.claims, 'restore "nothing to do" is byte-true', describeDifferences(restoreDiffs), this.strictClaims);
      else this.violation('restore "nothing to do" is byte-true', describeDifferences(restoreDiffs));
    }
    this.figures.checks++;
    // Leave some plain items out (never folders, never where a folder is in the way).
    const exclude =
      scope === 'file'
        ? []
        : plan.items
            .filter((i, n) => !i.isDir && i.path !== '.' && prng(Math.floor(r[3] * 1e9) + n)() < 0.25)
            .filter((i) => this.current.get(joinKey(rel, keyOf(i.path)))?.t !== 'd' && prediction.expected.get(joinKey(rel, keyOf(i.path)))?.t !== 'd')
            .map((i) => i.path);
    const applied = await engine.engineCall(() => engine.applyRestorePlan(this.target, plan, { exclude, safetyOf: this.ws }));
    const listed = await engine.list(this.target);
    if (!applied.ok) {
      if (this.isDiskFull(applied.refusal)) {
        this.figures.diskFull++;
        const after = capture(this.ws);
        this.check(diffTrees(pre, after).length === 0, 'a restore stopped by a full disk changes nothing', () => describeDifferences(diffTrees(pre, after)));
        this.check(this.newNames(listed.snapshots).length === 0, 'a failed safety snapshot lists nothing', () => listed.snapshots.join(','));
        return true;
      }
      this.violation('a previewed restore applies', `${applied.refusal.code}: ${applied.refusal.message}`);
    }
    const res = applied.value;
    // The safety snapshot holds the tree as it was right before.
    const fresh = this.newNames(listed.snapshots);
    if (res.safetySnapshot) {
      this.check(fresh.join() === res.safetySnapshot, 'the safety snapshot is the only new snapshot', () => `${fresh.join(',')} vs ${res.safetySnapshot}`);
      this.adoptSnapshot(res.safetySnapshot, pre, 'pre-restore');
      const noted = await engine.label(this.target, res.safetySnapshot);
      if (noted === undefined && this.mounted) this.figures.diskFull++;
      else this.check(noted === 'pre-restore', 'the safety snapshot is labeled pre-restore', () => res.safetySnapshot!);
      this.lastSafety = { name: res.safetySnapshot };
      this.unswung.clear();
    } else {
      this.check(fresh.length === 0 && plan.items.length - res.skipped.length === 0, 'a safety snapshot is taken before anything changes', () => `${fresh.join(',')}`);
    }
    // Expected target: the prediction, with the left-out items as they were.
    const expected = prediction.expected;
    const skippedKeys = res.skipped.map((p) => (scope === 'file' ? rel : joinKey(rel, keyOf(p))));
    for (const key of skippedKeys) {
      const was = pre.get(key);
      if (was) {
        expected.set(key, was);
        for (let up = parentOf(key); up !== '' && !expected.has(up); up = parentOf(up)) expected.set(up, pre.get(up)!);
      } else expected.delete(key);
    }
    const failedKeys = new Set(res.failed.map((f) => joinKey(rel, keyOf(f.path))));
    const mayFailKeys = new Set([...prediction.mayFail].map((k) => joinKey(rel, k)));
    for (const f of failedKeys) if (!mayFailKeys.has(f)) this.violation('restore items do not fail', `${shown(f)}: ${res.failed.find((x) => joinKey(rel, keyOf(x.path)) === f)?.error}`);
    this.figures.checks++;
    this.compareWorkspace(expected, 'a restore makes the target equal the snapshot', true);
    return true;
  }

  /** Compares the workspace with what it should hold; differences rsync's quick check cannot see are KNOWN. Adopts the disk. */
  compareWorkspace(expected: Tree, invariant: string, restore: boolean): void {
    const actual = capture(this.ws);
    const diffs = diffTrees(expected, actual);
    this.figures.checks++;
    if (diffs.length) {
      if (restore && diffs.every((d) => quickCheckBlind(d, true))) this.known(KNOWN.claims, invariant, describeDifferences(diffs), this.strictClaims);
      else this.violation(invariant, describeDifferences(diffs));
    }
    this.current = actual;
  }

  async opRestoreCopy(r: number[]): Promise<boolean> {
    const name = this.snapshotFor(r[0]);
    if (!name) return false;
    const snap = this.snaps.get(name)!.tree;
    const dirs = [
      '',
      ...[...snap]
        .filter(([, e]) => e.t === 'd')
        .map(([k]) => k)
        .sort(),
    ];
    const files = [...snap]
      .filter(([, e]) => e.t !== 'd')
      .map(([k]) => k)
      .sort();
    const asFile = r[1] < 0.5 && files.length > 0;
    const rel = asFile ? this.pick(files, r[2])! : this.pick(dirs, r[2])!;
    const dest = path.join(this.copies, `copy-${this.stepNow?.index}`);
    const preview = await engine.engineCall(() => engine.previewRestore(this.target, { snapshot: name, path: rel === '' ? '.' : utf8Of(rel), target: dest, delete: false }));
    if (!preview.ok) this.violation('a restore as copy is previewed', `${name}:${shown(rel)}: ${preview.refusal.message}`);
    const applied = await engine.engineCall(() => engine.applyRestorePlan(this.target, preview.value, { exclude: [] }));
    if (!applied.ok) {
      if (this.isDiskFull(applied.refusal)) return true;
      this.violation('a restore as copy applies', `${name}:${shown(rel)}: ${applied.refusal.message}`);
    }
    this.check(applied.value.failed.length === 0, 'a restore as copy has no failed item', () => JSON.stringify(applied.value.failed));
    if (asFile) {
      const got = capture(this.copies, (k, top) => top && k !== `copy-${this.stepNow?.index}`);
      const want: Tree = new Map([[`copy-${this.stepNow?.index}`, snap.get(rel)!]]);
      const diffs = diffTrees(want, got);
      if (diffs.length && !diffs.every((d) => quickCheckBlind(d, true))) this.violation('a restored copy equals the snapshot', describeDifferences(diffs));
    } else {
      const got = capture(dest);
      const want = rel === '' ? snap : subtree(snap, rel);
      const diffs = diffTrees(want, got);
      this.check(diffs.length === 0, 'a restored copy equals the snapshot', () => describeDifferences(diffs));
    }
    fs.rmSync(dest, { recursive: true, force: true });
    return true;
  }

  async opUndo(): Promise<boolean> {
    const safety = this.lastSafety?.name;
    if (!safety || !this.snaps.has(safety)) return false;
    this.lastSafety = undefined;
    const tree = this.snaps.get(safety)!.tree;
    const preview = await engine.engineCall(() => engine.previewRestore(this.target, { snapshot: safety, path: '.', target: this.ws, delete: true }));
    if (!preview.ok) {
      // A workspace link where the safety snapshot has a folder (opWsLink): replacing the link or refusing are both fine.
      if (this.linksOverFolders(tree).length && /link/i.test(preview.refusal.message)) {
        this.figures.refusals++;
        return true;
      }
      this.violation('the undo of a restore previews', preview.refusal.message);
    }
    const applied = await engine.engineCall(() => engine.applyRestorePlan(this.target, preview.value, { exclude: [], safetyOf: this.ws }));
    if (!applied.ok) {
      if (this.isDiskFull(applied.refusal)) {
        this.figures.diskFull++;
        return true;
      }
      this.violation('the undo of a restore applies', applied.refusal.message);
    }
    const pre = cloneTree(this.current);
    if (applied.value.safetySnapshot) this.adoptSnapshot(applied.value.safetySnapshot, pre, 'pre-restore');
    this.check(applied.value.failed.length === 0, 'undo has no failed item', () => JSON.stringify(applied.value.failed));
    this.compareWorkspace(tree, 'undo brings back the tree before the restore', true);
    return true;
  }

  policyFor(r: number[]): engine.PrunePolicyView {
    const p: engine.PrunePolicyView = {};
    if (r[0] < 0.7) p.keepLast = 1 + Math.floor(r[1] * 4);
    if (r[2] < 0.35) p.olderThan = this.pick(['1m', '0m', '2d', '30m'], r[3]);
    if (r[4] < 0.25) p.strategy = this.pick(['0:1', '0:0', '1:1'], r[5]);
    if (p.keepLast === undefined && p.olderThan === undefined && p.strategy === undefined) p.keepLast = 2;
    return p;
  }

  /** What the policy deletes by the model (keep-last and older-than; a strategy only narrows it, checked loosely). */
  predictPrune(policy: engine.PrunePolicyView, latest: string | undefined): { surely: Set<string>; maybe: Set<string> } {
    const names = this.names();
    const now = Date.now();
    const unit: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
    const surely = new Set<string>();
    const maybe = new Set<string>();
    names.forEach((n, i) => {
      if (i === names.length - 1 || n === latest) return;
      // Safety snapshots taken before a restore are kept forever (prune deletes them only with --include-pinned).
      if (this.snaps.get(n)?.label === 'pre-restore') return;
      let del = true;
      if (policy.keepLast !== undefined && names.length - i <= policy.keepLast) del = false;
      if (policy.olderThan !== undefined) {
        const m = /^(\d+)([mhdw])$/.exec(policy.olderThan)!;
        const age = now - fs.lstatSync(path.join(this.target.localRoot, n)).mtimeMs;
        const whole = Math.floor(age / unit[m[2]]);
        if (whole <= Number(m[1])) del = false;
        // Within a second of the boundary either answer is fair.
        if (Math.abs(age - (Number(m[1]) + 1) * unit[m[2]]) < 2000) {
          if (del) maybe.add(n);
          return;
        }
      }
      if (!del) return;
      if (policy.strategy !== undefined) maybe.add(n);
      else surely.add(n);
    });
    return { surely, maybe };
  }

  async opPrune(r: number[]): Promise<boolean> {
    if (!this.snaps.size) return false;
    const policy = this.policyFor(r);
    const before = await engine.list(this.target);
    const prediction = this.predictPrune(policy, before.latest);
    const preview = await engine.engineCall(() => engine.previewPrune(this.target, policy));
    if (!preview.ok) this.violation('a prune previews', preview.refusal.message);
    const planned = new Set(preview.value.delete);
    for (const n of planned) this.check(prediction.surely.has(n) || prediction.maybe.has(n), 'a prune plan deletes only what the policy selects', () => `${n} by ${JSON.stringify(policy)}`);
    for (const n of prediction.surely) this.check(planned.has(n), 'a prune plan deletes what the policy selects', () => `${n} by ${JSON.stringify(policy)}`);
    this.check(!planned.has(before.latest ?? '') && !planned.has(before.snapshots[before.snapshots.length - 1]), 'a prune never plans latest or the newest', () => [...planned].join(','));
    const applied = await engine.engineCall(() => engine.applyPrunePlan(this.target, preview.value));
    if (!applied.ok) this.violation('a planned prune applies', applied.refusal.message);
    this.check(applied.value.skipped.length === 0, 'nothing planned is skipped when nothing changed', () => applied.value.skipped.join(','));
    this.check([...applied.value.deleted].sort().join() === [...planned].sort().join(), 'a prune deletes exactly its plan', () => `${applied.value.deleted} vs ${[...planned]}`);
    for (const n of applied.value.deleted) {
      this.check(this.snaps.get(n)?.label !== 'pre-restore', 'a prune never deletes a pre-restore snapshot', () => n);
      this.snaps.delete(n);
    }
    const leftover = fs.readdirSync(this.target.localRoot).filter((n) => n.startsWith(engine.FORMAT.deletingPrefix) && engine.FORMAT.isSnapshotName(n.slice(engine.FORMAT.deletingPrefix.length)));
    this.check(leftover.length === 0, 'no .deleting-* left after a prune', () => leftover.join(','));
    return true;
  }

  opAge(r: number[]): boolean {
    const names = this.names();
    if (!names.length) return false;
    // Time passes for the root: some snapshot folders get older (what --older-than measures).
    const minutes = this.pick([3, 45, 3 * 1440], r[0])!;
    for (const n of names.slice(0, 1 + Math.floor(r[1] * names.length))) {
      const p = path.join(this.target.localRoot, n);
      const t = (fs.lstatSync(p).mtimeMs - minutes * 60_000 - 30_000) / 1000;
      fs.utimesSync(p, t, t);
    }
    return true;
  }

  // ---------- faults: a hostile lock file, a workspace folder replaced by a link ----------

  /** Runs the CLI to its end, or kills its process group after `boundMs` (`hung`). */
  async runCli(args: string[], boundMs: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; hung: boolean }> {
    const started = Date.now();
    const child = spawn(process.execPath, [this.o.cli, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.cliEnv() } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (err) => {
        stderr += String(err);
        resolve(-1);
      });
      child.once('close', (code) => resolve(code));
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }, boundMs);
    const code = await exited;
    clearTimeout(timer);
    this.endOrphanedSshMasters();
    return { code, stdout, stderr, ms: Date.now() - started, hung };
  }

  /** The files and folders a fault pointed at are as they were made: never written, created, or deleted through. */
  checkVictims(): void {
    for (const v of this.lockVictims) {
      const st = fs.lstatSync(v.path, { bigint: true, throwIfNoEntry: false });
      if (v.data === undefined) {
        this.check(!st, 'a hostile lock file never creates a file outside the root', () => `${v.path} exists now (a dangling lock symlink pointed there)`);
        continue;
      }
      const data = st?.isFile() ? fs.readFileSync(v.path) : undefined;
      this.check(
        Boolean(data?.equals(v.data)) && st!.mtimeNs === v.mtimeNs,
        'a hostile lock file never changes a file outside the root',
        () => `${v.path} (the lock symlink's target): ${data ? `${data.length} B, was ${v.data!.length} B; mtime ${st!.mtimeNs}, was ${v.mtimeNs}` : 'gone or not a file'}`,
      );
    }
    for (const v of this.linkVictims) {
      const st = fs.lstatSync(v.dir, { throwIfNoEntry: false });
      const actual = st?.isDirectory() ? capture(v.dir) : new Map();
      const diffs = diffTrees(v.tree, actual);
      for (const [k, e] of v.tree) {
        const a = actual.get(k);
        if (e.t === 'f' && a?.t === 'f' && a.mtimeNs !== e.mtimeNs && !diffs.some((d) => d.key === k)) diffs.push({ key: k, expected: e, actual: a });
      }
      this.check(
        Boolean(st?.isDirectory()) && (st!.mode & 0o7777) === v.mode && diffs.length === 0,
        'a restore never writes through a workspace link: the folder it pointed at is byte-identical',
        () => `${v.dir}: ${st?.isDirectory() ? `mode ${(st.mode & 0o7777).toString(8)} (was ${v.mode.toString(8)}); ${describeDifferences(diffs)}` : 'gone or not a folder'}`,
      );
    }
  }

  /**
   * The root as a tree, the lock file left out (what a run refused for its lock must leave exactly as it was), and the
   * caches (usage, notes index) with their temp files: any reader refreshes them without the lock (a listing, a prune's
   * plan before it locks).
   */
  captureRootBesideLock(): Tree {
    const caches = engine.FORMAT.caches.map((c) => `${engine.FORMAT.metaDir}/${c}`);
    return capture(this.target.localRoot, (k, top) => (top && k === engine.FORMAT.lockFile) || caches.some((c) => k.startsWith(c)));
  }

  /** Puts a hostile lock file in place (false when the file system refuses, e.g. a full tmpfs). */
  async placeLockFault(lock: string, kind: 'symlink' | 'dangling' | 'fifo' | 'folder', victim: string, index: number): Promise<boolean> {
    try {
      fs.rmSync(lock, { recursive: true, force: true });
      // An absolute link, or a relative one from the root's folder (both lead outside the root).
      const linkTo = this.rand() < 0.5 ? victim : path.relative(this.target.localRoot, victim);
      if (kind === 'symlink') {
        const data = Buffer.concat([Buffer.from(`not a lock file: the victim of step ${index}\n`), this.bytes(1 + Math.floor(this.rand() * 300), this.rand())]);
        fs.writeFileSync(victim, data, { mode: 0o644 });
        this.lockVictims.push({ path: victim, data, mtimeNs: fs.lstatSync(victim, { bigint: true }).mtimeNs });
        fs.symlinkSync(linkTo, lock);
      } else if (kind === 'dangling') {
        this.lockVictims.push({ path: victim });
        fs.symlinkSync(linkTo, lock);
      } else if (kind === 'fifo') {
        const made = await run('mkfifo', ['-m', '644', lock]);
        if (made.code !== 0) throw new Error(made.stderr.trim());
      } else fs.mkdirSync(lock);
      return true;
    } catch (err) {
      this.log(`  (could not put a hostile lock file in place: ${String(err)})`);
      fs.rmSync(lock, { recursive: true, force: true });
      return false;
    }
  }

  /**
   * A hostile lock file: ROOT/.rsync-snapshots.lock is a symlink to a file outside the root (or to nothing there), a
   * FIFO, or a folder. The step's snapshot or prune (and sometimes the other one, and doctor) must exit 1 at once with
   * a message that names the lock; nothing outside the root, no snapshot and not latest changes. Then the fault goes
   * (no lock file, or an empty regular one) and the step's own operation runs as it would have.
   */
  async opLockFault(step: Step): Promise<boolean> {
    const r = step.r;
    const own = step.of === 'prune' ? 'prune' : 'snapshot';
    const lock = path.join(this.target.localRoot, engine.FORMAT.lockFile);
    const roll = this.rand();
    const kind = roll < 0.4 ? 'symlink' : roll < 0.55 ? 'dangling' : roll < 0.8 ? 'fifo' : 'folder';
    const bound = this.o.lockRunBoundMs ?? LOCK_RUN_BOUND_MS;
    const victim = path.join(this.o.scratch, `lock-victim-${step.index}`);
    if (await this.placeLockFault(lock, kind, victim, step.index)) {
      this.figures.lockFaults++;
      this.figures[({ symlink: 'lockSymlink', dangling: 'lockDangling', fifo: 'lockFifo', folder: 'lockFolder' } as const)[kind]]++;
      const before = await engine.list(this.target);
      const rootBefore = this.captureRootBesideLock();
      const argsOf = (op: string) =>
        op === 'snapshot' ? engine.cliArgs.snapshot(this.target, this.ws) : op === 'prune' ? engine.cliArgs.prune(this.target, this.policyFor(r)) : engine.cliArgs.doctor(this.target);
      const runs = [own];
      if (this.rand() < 0.3) runs.push(own === 'snapshot' ? 'prune' : 'snapshot');
      if (this.rand() < 0.3) runs.push('doctor');
      for (const op of runs) {
        const res = await this.runCli(argsOf(op), bound);
        const said = (res.stderr + res.stdout).trim();
        this.check(!res.hung, 'a hostile lock file never hangs a run', () => `${op} with a lock ${kind}: still running after ${bound / 1000} s, killed`);
        this.checkVictims();
        this.check(res.code === 1, 'a run refuses a hostile lock file (exit 1)', () => `${op} with a lock ${kind}: exit ${res.code} after ${res.ms} ms: ${said.slice(0, 400)}`);
        this.check(said.includes(lock), 'the refusal names the lock file', () => `${op} with a lock ${kind}: ${said.slice(0, 400)}`);
        this.figures.lockRuns++;
      }
      const after = await engine.list(this.target);
      this.check(
        after.snapshots.join() === before.snapshots.join() && after.latest === before.latest,
        'a run refused for its lock file changes no snapshot and not latest',
        () => `before ${before.snapshots.join(',')} latest ${before.latest}; after ${after.snapshots.join(',')} latest ${after.latest}`,
      );
      const rootDiffs = diffTrees(rootBefore, this.captureRootBesideLock());
      this.check(rootDiffs.length === 0, 'a run refused for its lock file leaves the root as it was', () => describeDifferences(rootDiffs));
      // The fault goes: a plain state again, and the history continues.
      fs.rmSync(lock, { recursive: true, force: true });
      if (this.rand() < 0.5) {
        try {
          fs.writeFileSync(lock, '');
        } catch {
          // a full tmpfs: no lock file is a plain state too
        }
      }
    }
    return own === 'snapshot' ? this.opSnapshot(r) : this.opPrune(r);
  }

  /** Keys where the workspace has a link and `tree` a folder (what a restore of `tree` replaces, or refuses for). */
  linksOverFolders(tree: Tree): string[] {
    return this.keys((k, e) => e.t === 'l' && tree.get(k)?.t === 'd');
  }

  /**
   * A workspace folder replaced by a link: a folder that the workspace and a snapshot both hold as a real folder becomes
   * a symlink to a folder outside the workspace (the victim, with files at the snapshot's names and one of its own).
   * Then the step's restore runs through the CLI (the whole snapshot, that folder or one below, or a file below it;
   * an undo step restores and then undoes that restore as the editor does). The victim stays byte-identical, always
   * (checked after every later step too). The restore either refuses (exit 1, a message naming the link, nothing
   * changed: the model keeps the link) or replaces the link itself with the snapshot's folder, and its preview says so.
   */
  async opWsLink(step: Step): Promise<boolean> {
    const r = step.r;
    const undo = step.of === 'undo' || this.rand() < LINK_UNDO_RATE;
    let scope: 'whole' | 'folder' | 'file' =
      step.of === 'restoreFolder' ? 'folder' : step.of === 'restoreFile' ? 'file' : step.of === 'restoreWhole' ? 'whole' : this.pick(['whole', 'folder', 'file'] as const, this.rand())!;
    const name = this.snapshotFor(r[0]);
    if (!name) return false;
    const snap = this.snaps.get(name)!.tree;
    const utf8 = (k: string) => keyOf(utf8Of(k)) === k;
    const folders = this.keys((k, e) => e.t === 'd' && snap.get(k)?.t === 'd' && utf8(k));
    const dir = this.pick(folders, r[1]);
    if (dir === undefined) return false;
    const below = [...snap.keys()].filter((k) => isBelow(k, dir) && utf8(k)).sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
    let rel = '';
    if (scope === 'folder') rel = this.pick([dir, ...below.filter((k) => snap.get(k)!.t === 'd')], this.rand())!;
    if (scope === 'file') {
      const file = this.pick(
        below.filter((k) => snap.get(k)!.t !== 'd'),
        this.rand(),
      );
      if (file === undefined) scope = 'folder';
      rel = file ?? dir;
    }
    const del = scope !== 'file' && r[2] < 0.5;

    // The victim: the snapshot's names below the folder with other bytes (a write through the link would show), and one of its own.
    const victim = path.join(this.o.scratch, 'victims', `v${step.index}`);
    fs.mkdirSync(victim, { recursive: true });
    for (const k of below.slice(0, 30)) {
      const v = k.slice(dir.length + 1);
      if (!fs.existsSync(at(victim, parentOf(v)))) continue;
      if (snap.get(k)!.t === 'd') fs.mkdirSync(at(victim, v));
      else fs.writeFileSync(at(victim, v), `the victim's own ${utf8Of(v)}\n`);
    }
    fs.writeFileSync(path.join(victim, 'victim-only.txt'), 'only in the folder outside the workspace\n');
    this.linkVictims.push({ dir: victim, mode: fs.lstatSync(victim).mode & 0o7777, tree: capture(victim) });
    const linkPath = path.join(this.ws, utf8Of(dir));
    const linkTarget = this.rand() < 0.6 ? victim : path.relative(path.dirname(linkPath), victim);
    fs.rmSync(at(this.ws, dir), { recursive: true });
    fs.symlinkSync(linkTarget, linkPath);
    for (const k of [...this.current.keys()]) if (k === dir || isBelow(k, dir)) this.current.delete(k);
    this.current.set(dir, { t: 'l', target: keyOf(linkTarget) });
    this.figures.linkFaults++;
    const pre = cloneTree(this.current);

    // What the workspace holds when the link is replaced by the snapshot's folder.
    const cur = cloneTree(pre);
    let prediction: { refuse?: string; expected: Tree; mayFail: Set<string> };
    if (scope === 'whole') {
      for (const k of this.linksOverFolders(snap)) cur.delete(k); // rsync replaces each (items of the plan)
      prediction = this.predictFolderRestore(cloneTree(snap), undefined, '', del, cur);
    } else {
      // The link goes, and the folders from it down to the target's folder are made with the snapshot's permissions.
      cur.delete(dir);
      const last = scope === 'folder' ? rel : parentOf(rel);
      const segs = last.split('/');
      for (let n = dir.split('/').length; n <= segs.length; n++) {
        const c = segs.slice(0, n).join('/');
        cur.set(c, { t: 'd', mode: (snap.get(c) as { mode: number }).mode });
      }
      if (scope === 'folder') prediction = this.predictFolderRestore(subtree(snap, rel), (snap.get(rel) as { mode: number }).mode, rel, del, cur);
      else {
        const expected = cloneTree(cur);
        expected.set(rel, { ...snap.get(rel)! });
        prediction = { expected, mayFail: new Set() };
      }
    }

    const what = `${scope} restore of ${name}:${shown(rel || '.')}${del ? ' --delete' : ''} with ${shown(dir)} -> ${linkTarget}`;
    const args = (extra: string) =>
      engine.cliArgs.restore(this.target, {
        snapshot: name,
        path: rel === '' ? '.' : utf8Of(rel),
        target: rel === '' ? this.ws : path.join(this.ws, utf8Of(rel)),
        delete: del,
        workspace: this.ws,
        extra: [extra],
      });
    const dry = await this.runCli(args('--dry-run'), 120_000);
    this.checkVictims();
    const afterDry = diffTrees(pre, capture(this.ws));
    this.check(afterDry.length === 0, 'a restore dry run changes nothing', () => `${what}: ${describeDifferences(afterDry)}`);
    const applied = await this.runCli(args('--json'), 120_000);
    this.checkVictims();
    let out: { result?: { failed: { path: string; error: string }[]; safetySnapshot?: string; undo?: unknown }; error?: { message: string } } | undefined;
    try {
      out = JSON.parse(applied.stdout);
    } catch {
      out = undefined;
    }
    const fresh = this.newNames((await engine.list(this.target)).snapshots);
    const warning = `${utf8Of(dir)} is now a link to ${linkTarget}; restoring replaces the link with the folder from the snapshot`;

    if (dry.code !== 0) {
      // Refused: exit 1 both times, a message that names the link, and nothing changed.
      const said = [dry.stderr, out?.error?.message ?? applied.stderr].join('\n');
      this.check(
        dry.code === 1 && applied.code === 1 && !out?.result,
        'a restore through a workspace link is refused (exit 1) or done',
        () => `${what}: dry run exit ${dry.code}, apply exit ${applied.code}: ${said.slice(0, 400)}`,
      );
      this.check(/link/i.test(said) && said.includes(baseOf(utf8Of(dir))), 'a restore refused for a workspace link names the link', () => `${what}: ${said.slice(0, 400)}`);
      this.check(fresh.length === 0, 'a refused restore takes no snapshot', () => `${what}: ${fresh.join(',')}`);
      this.compareWorkspace(pre, 'a refused restore changes nothing in the workspace', false);
      this.figures.linkRefused++;
      this.figures.refusals++;
      return true;
    }
    // Done: the preview said the link is replaced, and the workspace holds the snapshot's folder in its place.
    this.check(dry.stdout.includes(warning), 'a restore that replaces a workspace link says so in its preview', () => `${what}: wanted "${warning}" in: ${dry.stdout.slice(0, 600)}`);
    if (!out?.result) {
      if (/No space left|ENOSPC|Disk quota/i.test(applied.stderr)) {
        this.figures.diskFull++;
        this.check(fresh.length === 0, 'a failed safety snapshot lists nothing', () => fresh.join(','));
        this.compareWorkspace(pre, 'a restore stopped by a full disk changes nothing', false);
        return true;
      }
      this.violation('a previewed restore through a workspace link applies', `${what}: exit ${applied.code}: ${applied.stderr.trim().slice(0, 400)}`);
    }
    const res = out.result;
    if (res.safetySnapshot) {
      this.check(fresh.join() === res.safetySnapshot, 'the safety snapshot is the only new snapshot', () => `${fresh.join(',')} vs ${res.safetySnapshot}`);
      this.adoptSnapshot(res.safetySnapshot, pre, 'pre-restore');
      this.lastSafety = { name: res.safetySnapshot };
      this.unswung.clear();
    } else this.check(fresh.length === 0, 'only a safety snapshot is new after a restore', () => fresh.join(','));
    const mayFail = new Set([...prediction.mayFail].map((k) => joinKey(rel, k)));
    for (const f of res.failed) this.check(mayFail.has(joinKey(rel, keyOf(f.path))) || (scope === 'file' && mayFail.has(rel)), 'restore items do not fail', () => `${what}: ${f.path}: ${f.error}`);
    if (prediction.refuse || res.failed.length) this.current = capture(this.ws);
    else this.compareWorkspace(prediction.expected, "a restore through a workspace link puts the snapshot's folder in place of the link", true);
    this.figures.linkReplaced++;

    if (undo && res.undo && !res.failed.length) {
      // Undone as the editor does: the link comes back (the safety snapshot holds it), still never written through.
      const before = cloneTree(this.current);
      const u = await engine.engineCall(() => engine.undoRestore(this.target, res.undo, this.ws));
      this.checkVictims();
      if (!u.ok) {
        if (this.isDiskFull(u.refusal)) {
          this.figures.diskFull++;
          this.compareWorkspace(before, 'an undo stopped by a full disk changes nothing', false);
          return true;
        }
        this.violation('undoing a restore that replaced a workspace link works', `${what}: ${u.refusal.code}: ${u.refusal.message}`);
      }
      const listed = await engine.list(this.target);
      const fresh2 = this.newNames(listed.snapshots);
      if (u.value.safetySnapshot) {
        this.check(fresh2.join() === u.value.safetySnapshot, 'the safety snapshot is the only new snapshot', () => `${fresh2.join(',')} vs ${u.value.safetySnapshot}`);
        this.adoptSnapshot(u.value.safetySnapshot, before, 'pre-restore');
        this.lastSafety = { name: u.value.safetySnapshot };
        this.unswung.clear();
      }
      this.check(u.value.failed.length === 0, 'undo has no failed item', () => `${what}: ${JSON.stringify(u.value.failed)}`);
      this.compareWorkspace(pre, 'undoing a restore that replaced a workspace link brings the link back', true);
      this.figures.linkUndone++;
    }
    return true;
  }

  // ---------- kills ----------

  async opKill(kind: 'snapshot' | 'restore' | 'prune', r: number[]): Promise<boolean> {
    let args: string[];
    const pre = cloneTree(this.current);
    const before = await engine.list(this.target);
    let restoreOf: { name: string; expected: Tree; mayFail: Set<string> } | undefined;
    let policy: engine.PrunePolicyView | undefined;
    let prediction: { surely: Set<string>; maybe: Set<string> } | undefined;
    if (kind === 'snapshot') args = engine.cliArgs.snapshot(this.target, this.ws);
    else if (kind === 'restore') {
      const name = this.snapshotFor(r[1]);
      if (!name) return false;
      const del = r[2] < 0.5;
      const p = this.predictFolderRestore(cloneTree(this.snaps.get(name)!.tree), undefined, '', del);
      if (p.refuse) return false;
      restoreOf = { name, expected: p.expected, mayFail: p.mayFail };
      args = engine.cliArgs.restore(this.target, { snapshot: name, path: '.', target: this.ws, delete: del, workspace: this.ws });
    } else {
      if (!this.snaps.size) return false;
      policy = this.policyFor(r.slice(2));
      prediction = this.predictPrune(policy, before.latest);
      args = engine.cliArgs.prune(this.target, policy);
    }
    const delay = 20 + Math.floor(r[0] * killDelay[kind]);
    const started = Date.now();
    const child = spawn(process.execPath, [this.o.cli, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.cliEnv() } });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const timer = new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), delay));
    const first = await Promise.race([exited, timer]);
    let killedMidRun = false;
    if (first === 'timer') {
      try {
        process.kill(-child.pid!, 'SIGKILL');
        killedMidRun = true;
      } catch {
        // already gone
      }
    }
    const exit = await exited;
    this.endOrphanedSshMasters();
    this.figures.kills++;
    killedMidRun = killedMidRun && exit.signal === 'SIGKILL';
    if (killedMidRun) this.figures.killsMidRun++;
    else killDelay[kind] = 0.8 * killDelay[kind] + 0.2 * (Date.now() - started);
    if (!killedMidRun && exit.code !== 0 && !(kind === 'prune' && exit.code === 1)) {
      if (/No space left|ENOSPC/.test(stderr)) this.figures.diskFull++;
      else if (!(kind === 'restore' && /changed since|is incomplete/.test(stderr))) this.violation(`the ${kind} CLI succeeds`, `exit ${exit.code}: ${stderr.trim().slice(0, 400)}`);
    }

    const after = await engine.list(this.target);
    const fresh = this.newNames(after.snapshots);
    if (kind === 'snapshot') {
      this.check(fresh.length <= 1, 'a killed snapshot adds at most one snapshot', () => fresh.join(','));
      for (const n of fresh) this.adoptSnapshot(n, pre);
      if (fresh.length && after.latest !== fresh[0]) {
        this.unswung.add(fresh[0]);
        this.figures.latestLagged++;
      }
      if (fresh.length && after.latest === fresh[0]) this.unswung.clear();
    } else if (kind === 'restore') {
      this.check(fresh.length <= 1, 'a killed restore adds at most the safety snapshot', () => fresh.join(','));
      for (const n of fresh) this.adoptSnapshot(n, pre, (await engine.label(this.target, n)) ?? undefined);
      if (fresh.length && after.latest !== fresh[0]) {
        this.unswung.add(fresh[0]);
        this.figures.latestLagged++;
      }
      if (fresh.length && after.latest === fresh[0]) this.unswung.clear();
      if (fresh.length) this.lastSafety = { name: fresh[0] };
      // Every path holds its state from before or the restored one; rsync's temp files are a known leftover.
      const temps: string[] = [];
      const actual = capture(this.ws, (k) => {
        if (!pre.has(k) && !restoreOf!.expected.has(k) && RSYNC_TEMP.test(baseOf(k))) {
          temps.push(k);
          return true;
        }
        return false;
      });
      if (temps.length) {
        this.known(KNOWN.leftovers, 'a killed restore leaves nothing of its own in the workspace', temps.map(shown).join(', '), this.strictLeftovers);
        for (const k of temps) fs.rmSync(at(this.ws, k), { force: true });
      }
      const keys = new Set([...pre.keys(), ...restoreOf!.expected.keys(), ...actual.keys()]);
      for (const k of keys) {
        const a = actual.get(k);
        const ok = sameContent(a, pre.get(k)) || sameContent(a, restoreOf!.expected.get(k)) || (a?.t === 'd' && (pre.get(k)?.t === 'd' || restoreOf!.expected.get(k)?.t === 'd'));
        if (!ok) {
          const d: TreeDifference = { key: k, expected: restoreOf!.expected.get(k), actual: a };
          if (quickCheckBlind(d, true) || quickCheckBlind({ key: k, expected: pre.get(k), actual: a }, true)) continue;
          this.violation('a killed restore leaves each path as it was or as restored', describeDifferences([d]));
        }
        this.figures.checks++;
      }
      if (!killedMidRun && exit.code === 0) this.compareWorkspace(restoreOf!.expected, 'a restore makes the target equal the snapshot', true);
      else this.current = capture(this.ws);
    } else {
      const gone = this.names().filter((n) => !after.snapshots.includes(n));
      for (const n of gone) {
        this.check(prediction!.surely.has(n) || prediction!.maybe.has(n), 'a killed prune deletes only what the policy selects', () => `${n} by ${JSON.stringify(policy)}`);
        this.snaps.delete(n);
      }
      this.check(fresh.length === 0, 'a prune adds no snapshot', () => fresh.join(','));
    }
    return true;
  }

  // ---------- invariants after every step ----------

  async invariants(step: Step): Promise<void> {
    // What a fault pointed at, outside the root and the workspace, is never touched: checked after every step.
    this.checkVictims();
    // The harness's own bookkeeping: the workspace is what the model says.
    const ws = capture(this.ws);
    const wsDiffs = diffTrees(this.current, ws);
    this.check(wsDiffs.length === 0, 'the workspace equals the model (harness)', () => describeDifferences(wsDiffs));

    // Listing: exactly the model's snapshots, latest the newest, nothing unfinished listed.
    const listed = await engine.list(this.target);
    const names = this.names();
    this.check(listed.snapshots.join() === names.join(), 'the listing holds exactly the finished snapshots', () => `listed ${listed.snapshots.join(',')} / model ${names.join(',')}`);
    // latest is the newest complete snapshot — leaving aside those a kill finished but did not swing latest to yet.
    const swung = names.filter((n) => !this.unswung.has(n));
    const newest = swung[swung.length - 1];
    this.check(listed.latest === newest, 'latest is the newest complete snapshot', () => `latest=${listed.latest} newest=${newest} (not swung after a kill: ${[...this.unswung].join(',') || 'none'})`);
    this.check(
      listed.snapshots.every((n) => !n.startsWith('.')),
      'nothing unfinished is listed',
      () => listed.snapshots.join(','),
    );
    const decoys = this.captureDecoys();
    const decoyDiffs = diffTrees(this.decoys, decoys);
    this.check(decoyDiffs.length === 0, 'entries that are not ours are never touched', () => describeDifferences(decoyDiffs));

    // Every snapshot equals, byte for byte, the tree recorded for it (and never changes afterwards).
    for (const n of names) {
      const diffs = diffTrees(this.snaps.get(n)!.tree, this.captureSnapshot(n));
      this.check(diffs.length === 0, 'every snapshot equals its recorded tree', () => `${n}: ${describeDifferences(diffs)}`);
    }
    if (!names.length) return;

    // Claims a user acts on, against the model.
    await this.checkVersions(step.r[5]);
    if (step.r[6] < 0.5) await this.checkChangesWorking(step.r[4]);
    else if (names.length > 1) await this.checkChangesBetween(step.r[4], step.r[3]);
    if (step.r[6] < 0.35) await this.checkNothingToDo(step.r[2]);
    if (['snapshot', 'prune', 'pruneKill', 'snapshotKill'].includes(step.op) && step.r[6] > 0.4) await this.checkUsage();
  }

  async checkVersions(r: number): Promise<void> {
    const names = this.names();
    const all = new Set<string>([...this.current.keys()]);
    for (const n of names) for (const k of this.snaps.get(n)!.tree.keys()) all.add(k);
    const key = this.pick([...all].sort(), r);
    if (key === undefined) return;
    const rel = utf8Of(key);
    if (keyOf(rel) !== key) return; // not UTF-8: the engine's text API cannot name it (issue 12 item 3)
    // Model: consecutive snapshots holding the same content are one version; an absence breaks the run.
    const groups: { snapshots: string[]; entry: Entry }[] = [];
    let prev: Entry | undefined;
    for (const n of names) {
      const e = this.snaps.get(n)!.tree.get(key);
      if (!e) {
        prev = undefined;
        continue;
      }
      if (prev && sameContent(prev, e)) groups[groups.length - 1].snapshots.push(n);
      else groups.push({ snapshots: [n], entry: e });
      prev = e;
    }
    const working = this.current.get(key);
    let currentIdx = -1;
    for (let i = groups.length - 1; i >= 0; i--) {
      if (working && sameContent(groups[i].entry, working)) {
        currentIdx = i;
        break;
      }
    }
    const got = await engine.fileVersions(this.target, rel, this.ws);
    this.check(
      JSON.stringify(got.versions.map((v) => v.snapshots)) === JSON.stringify(groups.map((g) => g.snapshots)),
      'versions are the distinct versions (byte-true)',
      () => `${shown(key)}: engine ${JSON.stringify(got.versions.map((v) => v.snapshots))} model ${JSON.stringify(groups.map((g) => g.snapshots))}`,
    );
    const gotIdx = got.versions.findIndex((v) => v.current);
    if (gotIdx !== currentIdx) {
      // The engine compares the working file with the version's newest copy: that is the one to classify.
      const newestCopy = gotIdx >= 0 ? this.snaps.get(groups[gotIdx].snapshots[groups[gotIdx].snapshots.length - 1])!.tree.get(key) : undefined;
      const d: TreeDifference = { key, expected: working, actual: newestCopy };
      const detail = `${shown(key)}: engine marks ${gotIdx}, model ${currentIdx} (${describeDifferences([d])})`;
      if (gotIdx >= 0 && quickCheckBlind(d, false)) this.known(KNOWN.claims, 'versions "= working file" is byte-true', detail, this.strictClaims);
      else this.violation('versions "= working file" is byte-true', detail);
    }
    this.figures.checks++;
  }

  async checkChangesWorking(r: number): Promise<void> {
    const name = this.pick(this.names(), r)!;
    const want = modelChanges(this.snaps.get(name)!.tree, this.current);
    const got = await engine.changesToWorking(this.target, name, this.ws);
    this.compareChanges(`changes ${name} --working`, want, got, this.snaps.get(name)!.tree, this.current);
  }

  async checkChangesBetween(r1: number, r2: number): Promise<void> {
    const names = this.names();
    const a = this.pick(names, r1)!;
    const b = this.pick(names, r2)!;
    if (a === b) return;
    const want = modelChanges(this.snaps.get(a)!.tree, this.snaps.get(b)!.tree);
    const got = await engine.changesBetween(this.target, a, b);
    this.compareChanges(`changes ${a} ${b}`, want, got, this.snaps.get(a)!.tree, this.snaps.get(b)!.tree);
  }

  compareChanges(what: string, want: engine.ChangesView, gotText: engine.ChangesView, from: Tree, to: Tree): void {
    const got = { added: gotText.added.map(keyOf), modified: gotText.modified.map(keyOf), deleted: gotText.deleted.map(keyOf) };
    // Names that are not UTF-8 come back with U+FFFD (documented): compare the others.
    const utf8Only = (list: string[]) => list.filter((k) => keyOf(utf8Of(k)) === k && !utf8Of(k).includes('\uFFFD'));
    for (const kind of ['added', 'deleted'] as const) {
      this.check(
        utf8Only(got[kind]).join('\0') === utf8Only(want[kind]).join('\0'),
        `${kind} in changes are byte-true`,
        () => `${what}: engine ${got[kind].map(shown)} model ${want[kind].map(shown)}`,
      );
    }
    const missing = utf8Only(want.modified).filter((k) => !got.modified.includes(k));
    const extra = utf8Only(got.modified).filter((k) => !want.modified.includes(k));
    this.check(extra.length === 0, 'modified in changes are byte-true', () => `${what}: engine reports unchanged ${extra.map(shown)} as modified`);
    if (missing.length) {
      const diffs = missing.map((k) => ({ key: k, expected: to.get(k), actual: from.get(k) }));
      if (diffs.every((d) => quickCheckBlind(d, false))) this.known(KNOWN.claims, 'modified in changes are byte-true', `${what}: ${describeDifferences(diffs)}`, this.strictClaims);
      else this.violation('modified in changes are byte-true', `${what}: misses ${describeDifferences(diffs)}`);
    }
  }

  async checkNothingToDo(r: number): Promise<void> {
    const name = this.pick(this.names(), r)!;
    const snap = this.snaps.get(name)!.tree;
    const p = this.predictFolderRestore(cloneTree(snap), undefined, '', true);
    if (p.refuse) return;
    const preview = await engine.engineCall(() => engine.previewRestore(this.target, { snapshot: name, path: '.', target: this.ws, delete: true }));
    if (!preview.ok) this.violation('a whole restore dry run is possible', preview.refusal.message);
    const diffs = diffTrees(snap, this.current);
    this.figures.checks++;
    if (preview.value.nothingToDo && diffs.length) {
      if (diffs.every((d) => quickCheckBlind(d, true))) this.known(KNOWN.claims, 'restore "nothing to do" is byte-true', `${name}: ${describeDifferences(diffs)}`, this.strictClaims);
      else this.violation('restore "nothing to do" is byte-true', `${name}: ${describeDifferences(diffs)}`);
    }
  }

  async checkUsage(): Promise<void> {
    const names = this.names();
    const engineTotal = await engine.usageTotal(this.target);
    const du = await run('du', ['-s', '-B1', '--total', ...names.map((n) => path.join(this.target.localRoot, n))]);
    const total = Number(/(\d+)\s+total\s*$/.exec(du.stdout)?.[1]);
    this.check(du.code === 0 && engineTotal === total, 'du equals GNU du over the snapshots', () => `engine ${engineTotal}, du ${total} (${du.stderr.trim()})`);
  }
}

function loops(p: Buffer): boolean {
  try {
    fs.statSync(p);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ELOOP';
  }
}

function statFollow(p: Buffer): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', (err) => resolve({ code: -1, stdout, stderr: String(err) }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs one history; returns its figures (violations stop the history at the failing step). */
export async function runHistory(o: HistoryOptions): Promise<Figures> {
  const gen = generate(o.seed, o.steps, o.tmpfs ?? false);
  const h = new History(o);
  h.figures.histories = 1;
  try {
    await h.setup(gen.tmpfs, gen.initial);
    const only = o.only ? new Set(o.only) : undefined;
    for (const step of gen.steps) {
      if (only && !only.has(step.index)) continue;
      h.figures.steps++;
      await h.step(step);
    }
  } catch (err) {
    if (!(err instanceof StepFailure)) {
      h.figures.violations.push({ seed: o.seed, step: h.stepNow?.index ?? -1, op: h.stepNow?.op ?? 'setup', invariant: 'no unexpected error', detail: String((err as Error).stack ?? err) });
    }
  } finally {
    await h.teardown();
  }
  return h.figures;
}

/** Steps of the seed's history that were run up to and including the first violation. */
export function stepsUpTo(seed: number, steps: number, failingStep: number, only?: number[]): number[] {
  const all = generate(seed, steps, true).steps.map((s) => s.index);
  return (only ?? all).filter((i) => i <= failingStep);
}

/**
 * Shrinks a failing history to a short list of its steps that still fails with the same invariant (delta debugging:
 * drop chunks, halving their size). Bounded by `budget` re-runs.
 */
export async function shrink(o: HistoryOptions, failing: Violation, budget = 60, scratch: (n: number) => string): Promise<{ steps: number[]; runs: number; violation: Violation }> {
  let steps = stepsUpTo(o.seed, o.steps, failing.step, o.only);
  let best = failing;
  let runs = 0;
  const fails = async (candidate: number[]): Promise<Violation | undefined> => {
    runs++;
    const f = await runHistory({ ...o, only: candidate, scratch: scratch(runs), log: undefined });
    return f.violations.find((v) => v.invariant === failing.invariant);
  };
  let chunk = Math.max(1, Math.floor(steps.length / 2));
  while (chunk >= 1 && runs < budget) {
    let i = 0;
    let progressed = false;
    while (i < steps.length && runs < budget) {
      const candidate = [...steps.slice(0, i), ...steps.slice(i + chunk)];
      const v = candidate.length ? await fails(candidate) : undefined;
      if (v) {
        steps = candidate.filter((s) => s <= v.step);
        best = v;
        progressed = true;
      } else i += chunk;
    }
    if (!progressed) chunk = Math.floor(chunk / 2);
  }
  return { steps, runs, violation: best };
}

export function replayCommand(seed: number, steps: number, onlySteps: number[] | undefined, remote: boolean): string {
  return `npm run fuzz -- --seed ${seed} --steps-per-history ${steps}${onlySteps ? ` --only ${onlySteps.join(',')}` : ''}${remote ? ' --remote' : ''}`;
}

export function describeFigures(f: Figures, ms: number): string {
  const byLabel = new Map<string, number>();
  for (const k of f.known) byLabel.set(k.label, (byLabel.get(k.label) ?? 0) + 1);
  return [
    `histories ${f.histories} (${f.tmpfsHistories} on a small tmpfs), steps ${f.steps}, kills ${f.kills} (${f.killsMidRun} mid-run), disk-full events ${f.diskFull}, ` +
      `hostile lock files ${f.lockFaults} (${f.lockSymlink} symlink, ${f.lockDangling} dangling symlink, ${f.lockFifo} FIFO, ${f.lockFolder} folder; ${f.lockRuns} runs refused), ` +
      `workspace links ${f.linkFaults} (${f.linkReplaced} replaced, ${f.linkRefused} refused, ${f.linkUndone} undone), ` +
      `invariant checks ${f.checks}, latest left behind by a kill ${f.latestLagged}, refusals ${f.refusals}, no-op steps ${f.noops}, violations ${f.violations.length}, ${(ms / 1000).toFixed(1)} s`,
    ...[...byLabel].map(([label, n]) => `  ${n} × ${label}`),
  ].join('\n');
}
