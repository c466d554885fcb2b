import path from 'node:path';
import * as vscode from 'vscode';
import { Logger } from '../../core/util/logger';
import { automaticSnapshotsAllowed } from './safetySnapshots';
import { SnapshotRunner } from '../snapshots/snapshotRunner';

/** The part of the built-in git extension's API (vscode.git, getAPI(1)) used here. */
interface GitExtension {
  readonly enabled: boolean;
  readonly onDidChangeEnablement: vscode.Event<boolean>;
  getAPI(version: 1): GitApi;
}
interface GitApi {
  readonly repositories: GitRepository[];
  readonly onDidOpenRepository: vscode.Event<GitRepository>;
  readonly onDidCloseRepository: vscode.Event<GitRepository>;
}
interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly state: { readonly HEAD?: { readonly name?: string; readonly commit?: string }; readonly onDidChange: vscode.Event<void> };
  getCommit(ref: string): Promise<{ hash: string; message: string; parents: string[] }>;
}

interface Head {
  branch?: string;
  commit?: string;
}

/** A followed repository: where HEAD is, where it was when a burst of changes began, the settle timer. */
interface Followed {
  head: Head;
  from?: Head;
  timer?: NodeJS.Timeout;
  sub?: vscode.Disposable;
}

/** Quiet time after the last HEAD change before the snapshot: a rebase or a pull moves HEAD many times. */
export const GIT_SETTLE_MS = 1500;

/**
 * A labelled snapshot (trigger git) after HEAD moves: a commit, a checkout or branch switch, a pull, merge or rebase —
 * "after commit 1a2b3c4: message", "after checkout main". Uses the built-in git extension when it is there and enabled;
 * without it nothing happens. Bursts of HEAD changes become one snapshot, labelled by where HEAD was before and after.
 */
export class GitSnapshots implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly repos = new Map<string, Followed>();
  private disposed = false;

  constructor(
    private readonly runner: SnapshotRunner,
    private readonly logger: Logger,
  ) {}

  /** Connects to the git extension (not awaited by activate()). */
  async start(): Promise<void> {
    const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!ext) return this.logger.info('git snapshots off: the built-in git extension is not installed');
    const git = ext.isActive ? ext.exports : await ext.activate().then(undefined, (err) => this.logger.warn(`git snapshots off: the git extension failed to start: ${err}`));
    if (!git || this.disposed) return;
    const connect = () => {
      const api = git.getAPI(1);
      for (const repo of api.repositories) this.watch(repo);
      this.disposables.push(
        api.onDidOpenRepository((repo) => this.watch(repo)),
        api.onDidCloseRepository((repo) => this.unwatch(repo)),
      );
    };
    if (git.enabled) connect();
    else {
      const sub = git.onDidChangeEnablement((enabled) => {
        if (!enabled) return;
        sub.dispose();
        connect();
      });
      this.disposables.push(sub);
    }
  }

  /** Whether HEAD of the repository at `root` is being followed (tests wait for it). */
  watching(root: string): boolean {
    return this.repos.has(path.resolve(root));
  }

  private watch(repo: GitRepository): void {
    const key = path.resolve(repo.rootUri.fsPath);
    if (this.repos.has(key) || this.disposed) return;
    const entry: Followed = { head: headOf(repo) };
    entry.sub = repo.state.onDidChange(() => this.changed(repo, entry));
    this.repos.set(key, entry);
  }

  private unwatch(repo: GitRepository): void {
    const key = path.resolve(repo.rootUri.fsPath);
    const entry = this.repos.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.sub?.dispose();
    this.repos.delete(key);
  }

  private changed(repo: GitRepository, entry: Followed): void {
    const head = headOf(repo);
    const before = entry.head;
    entry.head = head;
    if (!head.commit || (head.commit === before.commit && head.branch === before.branch)) return;
    if (!before.commit) return; // the repository's state was only just read: nothing moved
    entry.from ??= before;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      const from = entry.from!;
      entry.from = undefined;
      this.snapshot(repo, from, entry.head).catch((err) => this.logger.warn(`git snapshot: ${err.message}`));
    }, GIT_SETTLE_MS);
  }

  private async snapshot(repo: GitRepository, from: Head, to: Head): Promise<void> {
    if (this.disposed || !to.commit || (to.commit === from.commit && to.branch === from.branch)) return;
    const root = path.resolve(repo.rootUri.fsPath);
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => isInside(f.uri.fsPath, root) || isInside(root, f.uri.fsPath)).filter(automaticSnapshotsAllowed);
    if (!folders.length) return;
    const label = await gitLabel(repo, from, to);
    for (const folder of folders) {
      await this.runner.run(folder, { automatic: true, trigger: 'git', label }).then(
        (r) => this.logger.info(`snapshot ${r.name} taken (${label})`),
        (err) => this.logger.warn(`no snapshot ${label}: ${err.message}`),
      );
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.repos.values()) {
      clearTimeout(entry.timer);
      entry.sub?.dispose();
    }
    this.repos.clear();
    for (const d of this.disposables) d.dispose();
  }
}

function headOf(repo: GitRepository): Head {
  return { branch: repo.state.HEAD?.name, commit: repo.state.HEAD?.commit };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** "after checkout main", "after commit 1a2b3c4: subject", "after merge 1a2b3c4: subject", "after HEAD moved to 1a2b3c4: subject". */
async function gitLabel(repo: GitRepository, from: Head, to: Head): Promise<string> {
  const short = to.commit!.slice(0, 7);
  if (to.branch !== from.branch) return `after checkout ${to.branch ?? short}`;
  const commit = await repo.getCommit(to.commit!).catch(() => undefined);
  const subject = commit ? `: ${oneLine(commit.message)}` : '';
  if (commit && commit.parents.length > 1) return `after merge ${short}${subject}`;
  if (commit && commit.parents[0] === from.commit) return `after commit ${short}${subject}`;
  return `after HEAD moved to ${short}${subject}`;
}

function oneLine(message: string): string {
  const first = message.split('\n')[0].trim();
  return first.length > 60 ? `${first.slice(0, 59)}…` : first;
}
