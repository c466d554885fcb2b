// Restore preview webview: shows the rsync dry-run plan, lets the user leave items out, asks the extension to apply.
// Built by esbuild into dist/restore.js (a browser script); type-checked with src/webview/tsconfig.json. Messages are
// the types of src/extension/restore/restoreProtocol.ts, shared with the extension side; every incoming one is checked.
// The list is virtualized (only visible rows exist in the DOM), so 10,000 planned changes render at once.
import type { RestoreResult } from '../core/restore/apply';
import { leftAloneText } from '../core/restore/leftAlone';
import { isBelow, Selection, selection } from '../core/restore/select';
import type { RestoreItem, RestoreItemKind, RestorePlan } from '../core/restore/types';
import type { FromWebview, ToWebview, UnsavedChoice } from '../extension/restore/restoreProtocol';
import { snapshotDateTime } from '../extension/timeFormat';

interface WebviewState {
  planId: string | null;
  excluded: string[];
  filter: string;
  scrollTop: number;
  /** What to do with open editors that have unsaved changes (default: save them first). */
  unsaved?: UnsavedChoice;
}

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

type Row = { group: RestoreItemKind; count: number; item?: undefined } | { item: RestoreItem; group?: undefined };
type Child = Node | string | null | undefined;
type Props = Record<string, string | boolean | number | undefined | null | ((event: Event) => void)>;

const vscode = acquireVsCodeApi();
const KINDS: RestoreItemKind[] = ['overwrite', 'create', 'delete', 'symlink', 'mkdir'];
const TITLES: Record<RestoreItemKind, string> = { overwrite: 'Overwrite', create: 'Create', delete: 'Delete', symlink: 'Symlinks', mkdir: 'New folders' };
/** The summary chips: "1 new folder", "2 symlinks". */
const CHIPS: Record<RestoreItemKind, [string, string]> = {
  overwrite: ['overwrite', 'overwrite'],
  create: ['create', 'create'],
  delete: ['delete', 'delete'],
  symlink: ['symlink', 'symlinks'],
  mkdir: ['new folder', 'new folders'],
};
const ROW_H = 26;
const app = document.getElementById('app')!;

/** Persisted across hide/show: which plan, what is left out, the filter, the scroll position. */
let state: WebviewState = vscode.getState() || { planId: null, excluded: [], filter: '', scrollTop: 0 };
let plan: RestorePlan | null = null;
let asCopy = false;
/** The page undoes a restore: the plan (from the safety snapshot, exactly what that restore changed) decides what is deleted. */
let undo = false;
/** Open editors with unsaved changes that the restore reaches (item paths). */
let dirty: string[] = [];
let rows: Row[] = [];
let listEl: HTMLElement | null = null;

const save = () => vscode.setState(state);
const excluded = () => new Set(state.excluded);
/** What applying would do with the user's leave-outs (the same rules as the apply: core/restore/select.ts). */
const selected = (): Selection => selection(plan!.items, state.excluded);
const matchesFilter = (item: RestoreItem) => !state.filter || item.path.toLowerCase().includes(state.filter.toLowerCase());

function el(tag: string, props: Props | null, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') node.className = String(v);
    else if (typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function icon(name: string): HTMLElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

function isPlan(p: unknown): p is RestorePlan {
  if (!p || typeof p !== 'object') return false;
  const q = p as Partial<RestorePlan>;
  return typeof q.id === 'string' && Array.isArray(q.items) && typeof q.commandLine === 'string' && q.items.every((i) => i && typeof i.path === 'string' && KINDS.includes(i.kind));
}

function changeText(item: RestoreItem): string {
  const c = item.changes || {};
  const replaces = c.type ? 'replaces what is there now' : '';
  if (item.kind === 'symlink') return [item.linkTarget !== undefined ? `→ ${item.linkTarget}` : 'link', replaces].filter(Boolean).join(' · ');
  if (item.kind !== 'overwrite') return '';
  if (c.type) return replaces;
  return (
    (['size', 'time', 'perms', 'owner', 'group', 'checksum'] as const)
      .filter((k) => c[k])
      .map((k) => (k === 'checksum' ? 'content' : k))
      .join(', ') || 'attributes'
  );
}

function buildRows(): void {
  const filter = state.filter.toLowerCase();
  rows = [];
  for (const kind of KINDS) {
    const items = plan!.items.filter((i) => i.kind === kind && (!filter || matchesFilter(i)));
    if (!items.length) continue;
    rows.push({ group: kind, count: items.length });
    for (const item of items) rows.push({ item });
  }
}

function renderRows(): void {
  if (!listEl) return;
  const inner = listEl.firstChild as HTMLElement;
  inner.style.height = `${rows.length * ROW_H}px`;
  const first = Math.max(0, Math.floor(listEl.scrollTop / ROW_H) - 10);
  const last = Math.min(rows.length, first + Math.ceil((listEl.clientHeight || 600) / ROW_H) + 20);
  const chosen = excluded();
  const { skipped, why } = selected();
  const out = new Set(skipped);
  const nodes: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    const row = rows[i];
    const top = `${i * ROW_H}px`;
    if (row.group !== undefined) {
      const node = el(
        'div',
        { class: 'row group', role: 'heading', 'aria-level': '2' },
        icon(row.group === 'delete' ? 'trash' : row.group === 'create' ? 'add' : row.group === 'overwrite' ? 'edit' : row.group === 'symlink' ? 'link' : 'folder'),
        `${TITLES[row.group]} (${row.count})`,
      );
      node.style.top = top;
      nodes.push(node);
      continue;
    }
    const item = row.item;
    const left = out.has(item.path);
    const reason = why.get(item.path);
    // Left out because a folder above it is left out: choose that folder again to bring it back.
    const locked = left && !chosen.has(item.path) && !(item.kind === 'delete' && item.isDir);
    const box = el('input', {
      type: 'checkbox',
      'aria-label': `Restore ${item.path}${reason ? ` (${reason})` : ''}`,
      checked: !left,
      disabled: locked,
      onchange: (e) => toggle(item, !(e.target as HTMLInputElement).checked),
    });
    const diff =
      item.kind === 'overwrite' && !item.isDir
        ? el(
            'button',
            {
              class: 'link',
              title: 'Show what the restore changes (current → restored)',
              'aria-label': `Show diff of ${item.path}`,
              onclick: () => vscode.postMessage({ type: 'showDiff', path: item.path }),
            },
            icon('diff'),
            ' diff',
          )
        : null;
    const node = el(
      'div',
      { class: `row${left ? ' excluded' : ''}`, role: 'listitem', 'data-path': item.path },
      box,
      el('span', { class: 'path', title: item.path }, item.path + (item.isDir ? '/' : '')),
      el('span', { class: reason ? 'what why' : 'what' }, reason ?? changeText(item)),
      diff,
    );
    node.style.top = top;
    nodes.push(node);
  }
  inner.replaceChildren(...nodes);
}

/** Unchecking leaves the item out; checking brings it back together with what is below it (a folder kept whole). */
function toggle(item: RestoreItem, leaveOut: boolean): void {
  const out = excluded();
  if (leaveOut) out.add(item.path);
  else for (const p of [...out]) if (p === item.path || isBelow(p, item.path)) out.delete(p);
  state.excluded = [...out];
  save();
  renderRows();
  updateApply();
  // The rows were drawn anew: keep the keyboard on the checkbox just used.
  listEl?.querySelector<HTMLInputElement>(`.row[data-path="${CSS.escape(item.path)}"] input`)?.focus();
}

/** "Apply restore: 4 selected, 2 hidden by the filter" — what the button applies, including what the filter hides. */
function updateApply(): void {
  const button = document.getElementById('apply') as HTMLButtonElement | null;
  if (!button || !plan) return;
  const { kept } = selected();
  const hidden = kept.filter((i) => !matchesFilter(i)).length;
  // Nothing differs on disk, but an unsaved editor does: saving or discarding it is still something to apply.
  button.disabled = kept.length <= 0 && !(dirty.length && unsavedChoice() !== 'leaveOut');
  button.textContent = `${asCopy ? 'Restore copy' : undo ? 'Apply undo' : 'Apply restore'}: ${kept.length} selected${hidden ? `, ${hidden} hidden by the filter` : ''}`;
}

const unsavedChoice = (): UnsavedChoice => state.unsaved ?? 'save';

const UNSAVED_OPTIONS: [UnsavedChoice, string, string][] = [
  ['save', 'Save first', 'your text is kept in the safety snapshot, then the restore overwrites it'],
  ['leaveOut', 'Leave those files out', 'the files and your unsaved text stay as they are'],
  ['discard', 'Discard my unsaved changes', 'the unsaved text is lost'],
];

/** The open editors with unsaved changes, listed first, and what to do with them. */
function unsavedSection(): HTMLElement | null {
  if (!dirty.length) return null;
  const shown = dirty.slice(0, 8);
  return el(
    'fieldset',
    { class: 'unsaved', id: 'unsaved' },
    el('legend', {}, icon('warning'), ` ${dirty.length === 1 ? '1 open file has' : `${dirty.length} open files have`} unsaved changes`),
    el('ul', {}, ...shown.map((p) => el('li', { class: 'path' }, p)), dirty.length > shown.length ? el('li', {}, `and ${dirty.length - shown.length} more`) : null),
    ...UNSAVED_OPTIONS.map(([value, label, hint]) =>
      el(
        'label',
        { class: 'choice' },
        el('input', {
          type: 'radio',
          name: 'unsaved',
          value,
          checked: unsavedChoice() === value,
          onchange: () => {
            state.unsaved = value;
            save();
            updateApply();
          },
        }),
        ` ${label}`,
        el('span', { class: 'hint' }, ` — ${hint}`),
      ),
    ),
  );
}

function renderPlan(): void {
  if (!plan) return;
  const current = plan;
  if (state.planId !== plan.id) state = { planId: plan.id, excluded: [], filter: state.filter || '', scrollTop: 0, unsaved: state.unsaved };
  save();
  buildRows();
  const counts: Partial<Record<RestoreItemKind, number>> = plan.counts || {};
  const summary = el('div', { class: 'summary' }, ...KINDS.filter((k) => counts[k]).map((k) => el('span', { class: `chip ${k}` }, `${counts[k]} ${CHIPS[k][counts[k] === 1 ? 0 : 1]}`)));
  if (!plan.items.length) summary.append(el('span', {}, 'Nothing to restore: the target already matches the snapshot.'));
  const filter = el('input', {
    type: 'text',
    placeholder: 'Filter paths',
    'aria-label': 'Filter paths',
    value: state.filter,
    oninput: (e) => {
      state.filter = (e.target as HTMLInputElement).value;
      save();
      buildRows();
      if (listEl) listEl.scrollTop = 0;
      renderRows();
      updateApply();
    },
  });
  // --delete only means something for a folder: a single file gets no box at all, nor does an undo (its plan deletes exactly what the restore created).
  const del =
    plan.sourceType === 'folder' && !undo
      ? el(
          'label',
          {},
          el('input', {
            type: 'checkbox',
            id: 'delete',
            checked: plan.delete,
            onchange: (e) => {
              vscode.postMessage({ type: 'setDelete', value: (e.target as HTMLInputElement).checked });
            },
          }),
          ' Also delete files that are not in the snapshot (--delete)',
        )
      : null;
  const list = el(
    'div',
    {
      class: 'list',
      role: 'list',
      'aria-label': 'Planned changes',
      tabindex: '0',
      onscroll: () => {
        state.scrollTop = list.scrollTop;
        save();
        renderRows();
      },
    },
    el('div', {}),
  );
  listEl = list;
  const warnings = (plan.warnings || []).map((w) => el('p', { class: 'warning' }, icon('warning'), ' ', w));
  const leftAlone = leftAloneText(plan);
  const leftAloneLine = leftAlone
    ? [
        el(
          'p',
          { class: 'sub left-alone', title: 'The snapshots were taken without these paths, so the restore never overwrites or deletes them' },
          icon('shield'),
          ' ',
          leftAlone.charAt(0).toUpperCase() + leftAlone.slice(1),
        ),
      ]
    : [];
  app.replaceChildren(
    el('h1', {}, undo ? 'Undo restore' : asCopy ? 'Restore as copy' : 'Restore from snapshot'),
    el(
      'p',
      { class: 'sub' },
      undo
        ? `Puts back what the restore changed in ${plan.target}, from the safety snapshot of ${snapshotDateTime(plan.snapshot)}`
        : `${plan.relativePath === '.' ? 'Everything' : plan.relativePath} from the snapshot of ${snapshotDateTime(plan.snapshot)} → ${plan.target}`,
    ),
    ...[unsavedSection()].filter((s) => s !== null),
    summary,
    el('div', { class: 'command', title: 'The dry run that produced this preview' }, '$ ' + plan.commandLine),
    ...warnings,
    ...leftAloneLine,
    el('div', { class: 'toolbar' }, filter, del),
    list,
    el('p', { class: 'sub' }, asCopy ? `Written to ${plan.target}; the original is not touched.` : 'Before anything changes, a safety snapshot of the workspace is taken (labeled pre-restore).'),
    el(
      'div',
      { class: 'actions' },
      el('button', { id: 'apply', onclick: () => vscode.postMessage({ type: 'apply', planId: current.id, exclude: state.excluded, unsaved: unsavedChoice() }) }, 'Apply restore'),
      el('button', { class: 'secondary', onclick: () => vscode.postMessage({ type: 'cancel' }) }, 'Cancel'),
    ),
  );
  list.scrollTop = state.scrollTop || 0;
  renderRows();
  updateApply();
  vscode.postMessage({ type: 'rendered', planId: plan.id, rows: rows.filter((r) => r.item).length, counts: plan.counts });
}

/** The buttons under a finished restore (one list, so another action is one more entry). */
function resultActions(result: RestoreResult): HTMLElement[] {
  const actions: HTMLElement[] = [];
  if (asCopy && plan) actions.push(el('button', { id: 'open-copy', onclick: () => vscode.postMessage({ type: 'openCopy' }) }, icon('go-to-file'), ' Open copy'));
  if (result.undo) actions.push(el('button', { id: 'undo-restore', onclick: () => vscode.postMessage({ type: 'undo' }) }, icon('discard'), ' Undo restore'));
  if (result.safetySnapshot)
    actions.push(
      el('button', { class: 'secondary', onclick: () => vscode.postMessage({ type: 'openSafetySnapshot' }) }, icon('shield'), ` Safety snapshot ${snapshotDateTime(result.safetySnapshot)}`),
    );
  return actions;
}

function renderResult(result: RestoreResult, editors?: string): void {
  const failed = Array.isArray(result.failed) ? result.failed : [];
  const counts = [
    `${result.restored.length} restored`,
    result.deleted.length ? `${result.deleted.length} deleted` : '',
    result.skipped.length ? `${result.skipped.length} left out` : '',
    failed.length ? `${failed.length} failed` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const where = plan ? (asCopy ? `Copy written to ${plan.target}` : `Restored into ${plan.target}`) : '';
  const actions = resultActions(result);
  // Only nodes: replaceChildren would print a null as the text "null".
  const parts: Child[] = [
    el('h1', {}, failed.length ? 'Restore finished with errors' : asCopy ? 'Copy restored' : 'Restore done'),
    el('p', { class: failed.length ? 'error' : 'done', role: 'status' }, icon(failed.length ? 'error' : 'pass'), ` ${counts}.`),
    where ? el('p', { class: 'sub' }, where) : null,
    typeof editors === 'string' ? el('p', { class: 'sub', id: 'editors-note' }, editors) : null,
    ...failed.slice(0, 50).map((f) => el('p', { class: 'error' }, `${f.path}: ${f.error}`)),
    ...(result.rollback ? [el('p', { class: 'sub' }, result.rollback)] : []),
    actions.length ? el('div', { class: 'actions' }, ...actions) : null,
  ];
  app.replaceChildren(...parts.filter((p): p is Node | string => p !== null && p !== undefined));
  actions[0]?.focus();
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'plan' && isPlan(m.plan)) {
    plan = m.plan;
    asCopy = m.asCopy === true;
    undo = m.undo === true;
    dirty = Array.isArray(m.dirty) ? m.dirty.filter((d): d is string => typeof d === 'string') : [];
    renderPlan();
  } else if (m.type === 'busy' && typeof m.message === 'string') {
    const note = el('p', { class: 'busy' }, icon('loading'), ' ', m.message);
    if (plan) app.prepend(note);
    else app.replaceChildren(note);
    document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input').forEach((b) => (b.disabled = true));
  } else if (m.type === 'applied' && m.result && Array.isArray(m.result.restored)) {
    renderResult(m.result, m.editors);
  } else if (m.type === 'error' && typeof m.message === 'string') {
    if (plan) renderPlan();
    // The target changed since the preview: the plan on the page is stale, offer a new dry run right here.
    const again = m.stale ? el('button', { id: 'preview-again', onclick: () => vscode.postMessage({ type: 'preview' }) }, icon('refresh'), ' Preview again') : null;
    if (m.stale) (document.getElementById('apply') as HTMLButtonElement | null)?.setAttribute('disabled', '');
    app.prepend(el('div', { id: 'problem', class: 'error', role: 'alert' }, icon('error'), ' ', m.message, again ? ' ' : null, again));
    again?.focus();
  }
});

vscode.postMessage({ type: 'ready' });
