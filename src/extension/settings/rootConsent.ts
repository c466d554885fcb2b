import path from 'node:path';
import * as vscode from 'vscode';
import { SnapshotError } from '../../core/util/errors';
import { formatBytes } from '../../core/util/format';
import { Logger } from '../../core/util/logger';
import type { PrunePlan } from '../../core/prune/types';
import type { BackupRoot } from '../../core/root/backupRoot';
import { describeForeign, RootOwnership, rootOwnership } from '../../core/root/ownership';

/** Lets the integration tests answer the two questions instead of a person. */
export interface ConsentHooks {
  /** "This root holds snapshots of another folder: add this folder's snapshots to it?" */
  confirmSharedRoot?: (ownership: RootOwnership) => boolean;
  /** "The first automatic prune of this root would delete…: allow it, now and from now on?" */
  confirmAutoPrune?: (plan: PrunePlan, root: string) => boolean;
}

interface RootRecord {
  /** Source folders the user agreed to add to this root although it holds another source's snapshots. */
  sharedBy?: string[];
  /** The user allowed automatic pruning of this root (after seeing the first plan). */
  autoPrune?: boolean;
}

const STATE_KEY = 'rsyncSnapshots.roots';

/** A root as one key: its spec (the resolved path of a local root, the canonical spec of a remote one). */
function rootKey(root: BackupRoot): string {
  return root.spec;
}

/**
 * What the user agreed to, per backup root, in the extension's global state (shared by every window): adding a folder's
 * snapshots to a root that holds another folder's, and automatic pruning of a root. Asks at most once per root.
 */
export class RootConsent {
  /** Roots checked in this session that hold nothing of another source (per source folder): no second read. */
  private readonly clean = new Set<string>();
  /** Questions the user declined in this session, or warnings already shown: not asked again until the next window. */
  private readonly quiet = new Set<string>();

  constructor(
    private readonly state: vscode.Memento,
    private readonly hooks: ConsentHooks,
    private readonly logger: Logger,
  ) {}

  private record(root: BackupRoot): RootRecord {
    return this.state.get<Record<string, RootRecord>>(STATE_KEY, {})[rootKey(root)] ?? {};
  }

  private async update(root: BackupRoot, change: (r: RootRecord) => RootRecord): Promise<void> {
    const all = { ...this.state.get<Record<string, RootRecord>>(STATE_KEY, {}) };
    all[rootKey(root)] = change(all[rootKey(root)] ?? {});
    await this.state.update(STATE_KEY, all);
  }

  /**
   * Before a snapshot of `source` into `root`: when the root holds snapshots another folder's notes name, asks once
   * (interactive) or refuses with a message saying how to decide (automatic runs: nobody to ask).
   */
  async checkSnapshotInto(root: BackupRoot, source: string, interactive: boolean): Promise<void> {
    const key = `${rootKey(root)}\0${path.resolve(source)}`;
    if (this.clean.has(key) || this.record(root).sharedBy?.includes(path.resolve(source))) return;
    const ownership = await rootOwnership(root, source).catch(() => undefined); // a missing root holds nothing
    if (!ownership || ownership.others.size === 0) {
      this.clean.add(key);
      return;
    }
    const others = [...ownership.others.keys()];
    const question = `The backup root ${root.spec} holds ${describeForeign({ ...ownership, unknown: [] })}. Add this folder's snapshots to it? latest would then link across unrelated folders and the history views would mix them.`;
    if (!interactive) {
      const message = `Automatic snapshot skipped: the backup root ${root.spec} holds snapshots of ${others.join(', ')}. Run Snapshot Workspace once to decide, or give this folder its own rsyncSnapshots.backupRoot.`;
      if (!this.quiet.has(`shared\0${key}`)) {
        this.quiet.add(`shared\0${key}`);
        vscode.window.showWarningMessage(message);
      }
      throw new SnapshotError('BAD_INPUT', message);
    }
    const add = 'Add Snapshots Here';
    const agreed = this.hooks.confirmSharedRoot ? this.hooks.confirmSharedRoot(ownership) : (await vscode.window.showWarningMessage(question, { modal: true }, add)) === add;
    if (!agreed) throw new SnapshotError('CANCELLED', `No snapshot taken: ${root.spec} holds another folder's snapshots. Set rsyncSnapshots.backupRoot to a folder of its own.`);
    await this.update(root, (r) => ({ ...r, sharedBy: [...(r.sharedBy ?? []), path.resolve(source)] }));
    this.logger.info(`snapshots of ${source} may go to ${root.spec} (it also holds ${describeForeign(ownership)})`);
  }

  /** Whether the user already allowed automatic pruning of `root`. */
  autoPruneAllowed(root: BackupRoot): boolean {
    return this.record(root).autoPrune === true;
  }

  /** The first automatic prune of a root: shows the plan and asks, once per root (a refusal holds for this window). */
  async askAutoPrune(root: BackupRoot, plan: PrunePlan, policy: string): Promise<boolean> {
    const key = `prune\0${rootKey(root)}`;
    if (this.quiet.has(key)) return false;
    let allowed: boolean;
    if (this.hooks.confirmAutoPrune) allowed = this.hooks.confirmAutoPrune(plan, root.spec);
    else {
      const allow = 'Delete and Prune Automatically';
      const detail = plan.delete
        .slice(0, 20)
        .map((e) => `${e.name} — ${e.reason}`)
        .concat(plan.delete.length > 20 ? [`… and ${plan.delete.length - 20} more`] : [])
        .join('\n');
      const n = plan.delete.length;
      allowed =
        (await vscode.window.showWarningMessage(
          `First automatic prune of ${root.spec} (${policy}): delete ${n} of ${n + plan.keep.length} snapshots, freeing ${formatBytes(plan.freesBytes)}? Allowing it also allows later automatic prunes of this root.`,
          { modal: true, detail },
          allow,
        )) === allow;
    }
    if (!allowed) {
      this.quiet.add(key);
      return false;
    }
    await this.update(root, (r) => ({ ...r, autoPrune: true }));
    return true;
  }

  /** Shows `message` once per window for `key` (automatic work that was skipped). */
  warnOnce(key: string, message: string): void {
    if (this.quiet.has(`warn\0${key}`)) return;
    this.quiet.add(`warn\0${key}`);
    vscode.window.showWarningMessage(message);
  }
}
