import * as vscode from 'vscode';
import type { RootListing, Snapshot } from '../../core/root/listing';
import { SnapshotTrigger, triggerOf } from '../../core/root/notes';
import { isMissingRoot } from '../../core/util/errors';
import { formatBytes, plural } from '../../core/util/format';
import { folderRoot, openedRoot, readSettings } from '../settings/settings';
import { showBytes } from '../../core/util/nameBytes';
import { UsageFigures } from '../reports/usageCommand';
import { changes } from '../../core/changes/changes';
import { ChangeKind, toSnapshotUri } from '../history/snapshotUri';
import { relativeAge, shortDateTime } from '../timeFormat';
import { diffTitle, snapshotFileTitle } from '../history/titles';
import type { SnapshotMeta } from '../../core/root/notes';
import { GROUP_AFTER, groupOf, groupSnapshots, SnapshotGroup } from './snapshotGroups';

export type SnapshotsNode =
  | { kind: 'folder'; folder: vscode.WorkspaceFolder }
  /** A time group (Today, Yesterday, …, a month, a year) of a root with more than GROUP_AFTER snapshots. */
  | { kind: 'group'; folder: vscode.WorkspaceFolder; root: string; group: SnapshotGroup; newest: boolean }
  | { kind: 'snapshot'; folder: vscode.WorkspaceFolder; root: string; snapshot: Snapshot }
  | { kind: 'entry'; folder: vscode.WorkspaceFolder; root: string; snapshot: Snapshot; path: string; isDir: boolean; isLink: boolean }
  | { kind: 'changes'; folder: vscode.WorkspaceFolder; root: string; snapshot: Snapshot; previous: Snapshot }
  | { kind: 'changed'; folder: vscode.WorkspaceFolder; root: string; snapshot: Snapshot; previous: Snapshot; path: string; change: ChangeKind }
  | { kind: 'message'; text: string; tooltip?: string }
  | { kind: 'restricted' };

/** The Snapshots view: snapshots newest first (per folder in a multi-root workspace), each browsable like a folder. */
export class SnapshotsTreeProvider implements vscode.TreeDataProvider<SnapshotsNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<SnapshotsNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly listings = new Map<string, RootListing>();
  /** Notes of a grouped root, read in one pass with its listing (groups count pins and labels; items need no read each). */
  private readonly notes = new Map<string, Map<string, SnapshotMeta>>();
  /** `usage`: space figures from "Show space usage", shown per snapshot once measured. */
  constructor(readonly usage: UsageFigures = new UsageFigures()) {}
  private readonly listingEmitter = new vscode.EventEmitter<void>();
  /** Fires after a root was (re)listed. */
  readonly onDidList = this.listingEmitter.event;

  /** Set by repaint(): the next redraw reuses the listings instead of reading the roots again. */
  private reuseListings = false;

  refresh(): void {
    this.reuseListings = false;
    this.listings.clear();
    this.notes.clear();
    this.changeEmitter.fire(undefined);
  }

  /** Redraws what is listed (relative ages move on) without reading the roots again. */
  repaint(): void {
    this.reuseListings = true;
    this.changeEmitter.fire(undefined);
  }

  /** The last listing of a folder's root, if the view has loaded it. */
  cachedListing(folder: vscode.WorkspaceFolder): RootListing | undefined {
    return this.listings.get(folder.uri.toString());
  }

  async listing(folder: vscode.WorkspaceFolder): Promise<RootListing | undefined> {
    try {
      const listing = await folderRoot(folder).list();
      this.listings.set(folder.uri.toString(), listing);
      this.listingEmitter.fire();
      return listing;
    } catch (err) {
      if (isMissingRoot(err)) return undefined; // no snapshot yet: the welcome view shows
      throw err;
    }
  }

  async getChildren(node?: SnapshotsNode): Promise<SnapshotsNode[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (!node) {
      const notice: SnapshotsNode[] = vscode.workspace.isTrusted || !folders.length ? [] : [{ kind: 'restricted' }];
      if (folders.length > 1) return [...notice, ...folders.map((folder): SnapshotsNode => ({ kind: 'folder', folder }))];
      return folders.length ? [...notice, ...(await this.snapshotNodes(folders[0]))] : [];
    }
    if (node.kind === 'folder') return this.snapshotNodes(node.folder);
    if (node.kind === 'group') return node.group.snapshots.map((snapshot) => ({ kind: 'snapshot', folder: node.folder, root: node.root, snapshot }));
    if (node.kind === 'changes') return this.changedNodes(node);
    if (node.kind === 'snapshot' || (node.kind === 'entry' && node.isDir)) {
      const rel = node.kind === 'entry' ? node.path : '';
      try {
        const entries = await openedRoot(node.root).files.listDir(node.snapshot.name, rel);
        const previous = node.kind === 'snapshot' ? this.previousOf(node.folder, node.snapshot) : undefined;
        const changesNode: SnapshotsNode[] = previous ? [{ kind: 'changes', folder: node.folder, root: node.root, snapshot: node.snapshot, previous }] : [];
        return changesNode.concat(
          entries.map((e) => ({
            kind: 'entry',
            folder: node.folder,
            root: node.root,
            snapshot: node.snapshot,
            path: rel ? `${rel}/${e.name}` : e.name,
            isDir: e.kind === 'directory',
            isLink: e.kind === 'symlink',
          })),
        );
      } catch (err) {
        return [{ kind: 'message', text: `Cannot read: ${(err as Error).message}` }];
      }
    }
    return [];
  }

  private previousOf(folder: vscode.WorkspaceFolder, snapshot: Snapshot): Snapshot | undefined {
    const list = this.listings.get(folder.uri.toString())?.snapshots ?? [];
    const index = list.findIndex((s) => s.name === snapshot.name);
    return index > 0 ? list[index - 1] : undefined;
  }

  /** "Changed in this snapshot": files added, modified and deleted since the previous snapshot. */
  private async changedNodes(node: Extract<SnapshotsNode, { kind: 'changes' }>): Promise<SnapshotsNode[]> {
    try {
      const set = await changes(openedRoot(node.root), node.previous.name, node.snapshot.name);
      const rows: [string, ChangeKind][] = [
        ...set.added.map((p): [string, ChangeKind] => [p, 'A']),
        ...set.modified.map((p): [string, ChangeKind] => [p, 'M']),
        ...set.deleted.map((p): [string, ChangeKind] => [p, 'D']),
      ];
      rows.sort((a, b) => a[0].localeCompare(b[0]));
      if (!rows.length) return [{ kind: 'message', text: 'No file changed since the previous snapshot' }];
      return rows.map(([p, change]) => ({ kind: 'changed', folder: node.folder, root: node.root, snapshot: node.snapshot, previous: node.previous, path: p, change }));
    } catch (err) {
      return [{ kind: 'message', text: `Cannot compare: ${(err as Error).message}` }];
    }
  }

  private async snapshotNodes(folder: vscode.WorkspaceFolder): Promise<SnapshotsNode[]> {
    try {
      const cached = this.reuseListings ? this.cachedListing(folder) : undefined;
      const listing = cached ?? (await this.listing(folder));
      if (!listing) return [];
      const newestFirst = [...listing.snapshots].reverse();
      if (newestFirst.length <= GROUP_AFTER) return newestFirst.map((snapshot) => ({ kind: 'snapshot', folder, root: listing.root, snapshot }));
      if (!cached || !this.notes.has(folder.uri.toString())) this.notes.set(folder.uri.toString(), (await openedRoot(listing.root).notes.readAll()).notes);
      return groupSnapshots(newestFirst).map((group, i) => ({ kind: 'group', folder, root: listing.root, group, newest: i === 0 }));
    } catch (err) {
      return [{ kind: 'message', text: (err as Error).message, tooltip: 'Check the rsyncSnapshots.backupRoot setting.' }];
    }
  }

  /** The view's node for snapshot `name` of backup root `root` (the folder using that root), if listed. */
  async snapshotNode(root: string, name: string): Promise<SnapshotsNode | undefined> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const listing = await this.listing(folder).catch(() => undefined);
      const snapshot = listing?.root === root ? listing.snapshots.find((s) => s.name === name) : undefined;
      if (listing && snapshot) return { kind: 'snapshot', folder, root: listing.root, snapshot };
    }
    return undefined;
  }

  /** Needed by TreeView.reveal: the node one level up (items have stable ids, so fresh objects match). */
  getParent(node: SnapshotsNode): SnapshotsNode | undefined {
    const multiRoot = (vscode.workspace.workspaceFolders ?? []).length > 1;
    switch (node.kind) {
      case 'folder':
      case 'message':
      case 'restricted':
        return undefined;
      case 'snapshot': {
        const listing = this.cachedListing(node.folder);
        if (listing && listing.snapshots.length > GROUP_AFTER) {
          const { key } = groupOf(node.snapshot.time, new Date());
          const group = groupSnapshots([...listing.snapshots].reverse()).find((g) => g.key === key);
          if (group) return { kind: 'group', folder: node.folder, root: node.root, group, newest: false };
        }
        return multiRoot ? { kind: 'folder', folder: node.folder } : undefined;
      }
      case 'group':
        return multiRoot ? { kind: 'folder', folder: node.folder } : undefined;
      case 'changes':
        return { kind: 'snapshot', folder: node.folder, root: node.root, snapshot: node.snapshot };
      case 'changed':
        return { kind: 'changes', folder: node.folder, root: node.root, snapshot: node.snapshot, previous: node.previous };
      case 'entry': {
        const cut = node.path.lastIndexOf('/');
        if (cut < 0) return { kind: 'snapshot', folder: node.folder, root: node.root, snapshot: node.snapshot };
        return { ...node, path: node.path.slice(0, cut), isDir: true, isLink: false };
      }
    }
  }

  async getTreeItem(node: SnapshotsNode): Promise<vscode.TreeItem> {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `folder\0${node.folder.uri.toString()}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.description = readSettings(node.folder).backupRoot;
        item.contextValue = 'workspaceFolder';
        item.accessibilityInformation = { label: `Workspace folder ${node.folder.name}, backup root ${item.description}`, role: 'treeitem' };
        return item;
      }
      case 'snapshot':
        return this.snapshotItem(node);
      case 'group':
        return this.groupItem(node);
      case 'entry': {
        const name = showBytes(node.path.slice(node.path.lastIndexOf('/') + 1));
        const uri = toSnapshotUri({ root: node.root, snapshot: node.snapshot.name, path: node.path });
        const item = new vscode.TreeItem(name, node.isDir ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.resourceUri = uri;
        item.id = `${node.root}\0${node.snapshot.name}\0${node.path}`;
        item.contextValue = node.isDir ? 'snapshotFolder' : node.isLink ? 'snapshotLink' : 'snapshotFile';
        if (!node.isDir) item.command = { command: 'vscode.open', title: 'Open', arguments: [uri, { preview: true }, snapshotFileTitle(node.path, node.snapshot.name)] };
        if (node.isLink) item.description = 'symlink';
        const what = node.isDir ? 'Folder' : node.isLink ? 'Symbolic link' : 'File';
        item.accessibilityInformation = { label: `${what} ${showBytes(node.path)} in snapshot ${shortDateTime(node.snapshot.time, true)}`, role: 'treeitem' };
        return item;
      }
      case 'changes': {
        const item = new vscode.TreeItem('Changed in this snapshot', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `${node.root}\0${node.snapshot.name}\0changes`;
        item.iconPath = new vscode.ThemeIcon('diff');
        item.tooltip = `Files added, modified or deleted since the snapshot of ${shortDateTime(node.previous.time, true)}`;
        item.contextValue = 'snapshotChanges';
        item.accessibilityInformation = { label: `Changed in this snapshot: ${item.tooltip}`, role: 'treeitem' };
        return item;
      }
      case 'changed': {
        const inThis = node.change !== 'D';
        const uri = toSnapshotUri({ root: node.root, snapshot: inThis ? node.snapshot.name : node.previous.name, path: node.path, change: node.change });
        const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.root}\0${node.snapshot.name}\0changes\0${node.path}`;
        item.label = showBytes(node.path.slice(node.path.lastIndexOf('/') + 1));
        item.description = node.path.includes('/') ? showBytes(node.path.slice(0, node.path.lastIndexOf('/'))) : undefined;
        item.contextValue = 'changedFile';
        const title = diffTitle(node.path, node.previous.time, node.snapshot.time);
        item.command =
          node.change === 'M'
            ? {
                command: 'vscode.diff',
                title: 'Compare',
                arguments: [
                  toSnapshotUri({ root: node.root, snapshot: node.previous.name, path: node.path }),
                  toSnapshotUri({ root: node.root, snapshot: node.snapshot.name, path: node.path }),
                  title,
                ],
              }
            : {
                command: 'vscode.open',
                title: 'Open',
                arguments: [
                  toSnapshotUri({ root: node.root, snapshot: inThis ? node.snapshot.name : node.previous.name, path: node.path }),
                  { preview: true },
                  snapshotFileTitle(node.path, inThis ? node.snapshot.name : node.previous.name),
                ],
              };
        item.accessibilityInformation = { label: `${CHANGE_WORD[node.change]}: ${showBytes(node.path)}`, role: 'treeitem' };
        return item;
      }
      case 'restricted':
        return restrictedItem();
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon('warning');
        item.tooltip = node.tooltip;
        item.contextValue = 'message';
        // Read as what it says (an error), not as its tooltip.
        const text = node.text.replace(/\.$/, '');
        item.accessibilityInformation = { label: node.tooltip ? `Warning: ${text}. ${node.tooltip}` : `Warning: ${text}.`, role: 'treeitem' };
        return item;
      }
    }
  }

  /** "Today · 14 snapshots · 1 pinned · 2 labelled · 3.1 MiB unique": the newest group open, the others on demand. */
  private groupItem(node: Extract<SnapshotsNode, { kind: 'group' }>): vscode.TreeItem {
    const { group } = node;
    const item = new vscode.TreeItem(group.title, node.newest ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `${node.root}\0group\0${group.key}`;
    const notes = this.notes.get(node.folder.uri.toString());
    const metas = group.snapshots.map((s) => notes?.get(s.name));
    const pinned = metas.filter((m) => m?.pinned).length;
    const labelled = metas.filter((m) => m?.label && triggerOf(m) !== 'pre-restore').length;
    const unique = group.snapshots.map((s) => this.usage.get(node.root, s.name)?.uniqueBytes);
    const measured = unique.every((u) => u !== undefined);
    item.description = [
      plural(group.snapshots.length, 'snapshot'),
      pinned ? `${pinned} pinned` : '',
      labelled ? `${labelled} labelled` : '',
      measured ? `${formatBytes(unique.reduce<number>((a, b) => a + (b ?? 0), 0))} unique` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(pinned ? 'pinned' : labelled ? 'tag' : 'calendar');
    item.contextValue = 'snapshotGroup';
    const first = group.snapshots[group.snapshots.length - 1].time;
    const last = group.snapshots[0].time;
    item.tooltip = `${group.title}: ${plural(group.snapshots.length, 'snapshot')}, ${shortDateTime(first)} … ${shortDateTime(last)}`;
    item.accessibilityInformation = { label: `${group.title}, ${item.description}`, role: 'treeitem' };
    return item;
  }

  private async snapshotItem(node: Extract<SnapshotsNode, { kind: 'snapshot' }>): Promise<vscode.TreeItem> {
    const { snapshot } = node;
    const grouped = this.notes.get(node.folder.uri.toString());
    const meta = grouped ? grouped.get(snapshot.name) : await openedRoot(node.root).notes.read(snapshot.name);
    const item = new vscode.TreeItem(shortDateTime(snapshot.time, true), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `${node.root}\0${snapshot.name}`;
    const space = this.usage.get(node.root, snapshot.name);
    const pinned = meta?.pinned === true;
    item.description = [
      snapshot.latest ? 'latest' : '',
      pinned ? 'pinned' : '',
      relativeAge(snapshot.time),
      meta?.label ?? '',
      meta?.partial ? 'partial' : '',
      space ? `${formatBytes(space.uniqueBytes)} unique` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const trigger = triggerOf(meta);
    item.iconPath = new vscode.ThemeIcon(pinned ? 'pinned' : trigger && trigger !== 'manual' ? TRIGGERS[trigger].icon : snapshot.latest ? 'history' : 'archive');
    // "snapshot[ latest] pinned|unpinned": menus match /^snapshot\b/, and the pin state for Pin / Unpin.
    item.contextValue = `${snapshot.latest ? 'snapshot latest' : 'snapshot'} ${pinned ? 'pinned' : 'unpinned'}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    const when = shortDateTime(snapshot.time, true);
    tooltip.appendMarkdown(`**Snapshot ${when}**${snapshot.latest ? ' (latest)' : ''}, ${relativeAge(snapshot.time)}\n\n`);
    if (trigger) tooltip.appendMarkdown(`${TRIGGERS[trigger].why[0].toUpperCase()}${TRIGGERS[trigger].why.slice(1)}\n\n`);
    if (meta) {
      if (meta.linkDest) appendLine(tooltip, 'Linked against ', meta.linkDest);
      else tooltip.appendMarkdown('Full copy (nothing to link against)\n\n');
      if (meta.filesTotal !== undefined)
        tooltip.appendMarkdown(
          `${plural(meta.filesTotal, 'entry', 'entries')}, ${formatBytes(meta.totalBytes ?? 0)}; ${plural(meta.filesTransferred ?? 0, 'file')} copied (${formatBytes(meta.bytesTransferred ?? 0)})\n\n`,
        );
      if (meta.label) appendLine(tooltip, 'Label: ', meta.label);
      if (pinned) tooltip.appendMarkdown('Pinned: prune and retention keep it forever\n\n');
      if (meta.partial) appendLine(tooltip, 'Some files could not be read: ', (meta.unreadable ?? []).slice(0, 5).join(', '));
      if (meta.unsaved) tooltip.appendMarkdown(`$(warning) ${plural(meta.unsaved, 'file')} had unsaved changes, not in this snapshot\n\n`);
    }
    if (space) tooltip.appendMarkdown(`Size ${formatBytes(space.apparentBytes)}; unique ${formatBytes(space.uniqueBytes)} (freed if deleted alone); shared ${formatBytes(space.sharedBytes)}\n\n`);
    tooltip.appendText(snapshot.path);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `Snapshot ${when}, ${item.description}`, role: 'treeitem' };
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.listingEmitter.dispose();
  }
}

/** `prefix` (markdown of ours) then `value` as plain text: a label or path from the root never renders as markup or links. */
function appendLine(tooltip: vscode.MarkdownString, prefix: string, value: string): void {
  tooltip.appendMarkdown(prefix);
  tooltip.appendText(value);
  tooltip.appendMarkdown('\n\n');
}

/** How the tree shows why a snapshot was taken (its icon, and a phrase in its tooltip). */
const TRIGGERS: Record<SnapshotTrigger, { icon: string; why: string }> = {
  manual: { icon: 'history', why: 'taken by you' },
  cli: { icon: 'terminal', why: 'taken by the CLI (or cron)' },
  interval: { icon: 'watch', why: 'automatic history (every few minutes)' },
  'save-idle': { icon: 'save', why: 'automatic history (after saves went idle)' },
  'pre-restore': { icon: 'shield', why: 'safety snapshot before a restore' },
  'before-delete': { icon: 'trash', why: 'before a delete in the editor' },
  'before-rename': { icon: 'edit', why: 'before a rename or move in the editor' },
  git: { icon: 'git-commit', why: 'after a git operation' },
};

/** The message above the view in Restricted Mode (it wraps, unlike an item's label); undefined when trusted. */
export function restrictedMessage(): string | undefined {
  return vscode.workspace.isTrusted ? undefined : "Restricted Mode: this folder's backup settings are ignored. Snapshots go to your user-level root, only when you take one.";
}

/** The item under the Restricted Mode message: a click opens VS Code's Workspace Trust editor. */
function restrictedItem(): vscode.TreeItem {
  const item = new vscode.TreeItem('Trust this folder…');
  item.id = 'restricted-mode';
  item.iconPath = new vscode.ThemeIcon('workspace-untrusted');
  item.contextValue = 'restrictedMode';
  item.command = { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' };
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown('**Restricted Mode**\n\nThis folder is not trusted, so its own settings cannot choose where snapshots go or what gets deleted. ');
  tooltip.appendMarkdown('Snapshots go to the backup root in your user settings (or the default), only when you take one; automatic snapshots and automatic pruning are off.\n\n');
  tooltip.appendMarkdown('Ignored until you trust it: `backupRoot`, `excludes`, `oneFileSystem`, the automatic snapshot settings and `retention.*` of this folder.\n\n');
  tooltip.appendMarkdown('Click to review trust.');
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: 'Restricted Mode: this folder is not trusted, its backup settings are ignored. Activate to review trust.', role: 'button' };
  return item;
}

const CHANGE_WORD: Record<ChangeKind, string> = { A: 'Added', M: 'Modified', D: 'Deleted' };

/** Redraws the view every minute while it is visible, so "3 min ago" does not stay "just now". */
export function repaintWhileVisible(view: vscode.TreeView<unknown>, tree: SnapshotsTreeProvider, everyMs = 60_000): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const sync = () => {
    if (view.visible && !timer) timer = setInterval(() => tree.repaint(), everyMs);
    if (!view.visible && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  sync();
  return vscode.Disposable.from(view.onDidChangeVisibility(sync), { dispose: () => clearInterval(timer) });
}
