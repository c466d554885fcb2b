import type { BackupRoot } from '../root/backupRoot';
import { findSnapshot } from '../root/find';
import type { SnapshotMeta } from '../root/notes';
import { SnapshotError } from '../util/errors';

/** Labels longer than this are refused: a label is a line beside a time, not a text. */
export const LABEL_MAX_CHARS = 200;

export interface LabelResult {
  /** The snapshot's real name (`latest` resolved). */
  snapshot: string;
  /** The label now, undefined when cleared. */
  label?: string;
  /** False when it already was so (nothing written). */
  changed: boolean;
}

/** A label as given, trimmed; refused when empty, too long, or holding control characters (a newline, an escape). */
export function checkLabel(text: string): string {
  const label = text.trim();
  if (!label) throw new SnapshotError('BAD_INPUT', 'The label is empty: give a short text, e.g. "before the refactor" (or --clear to remove a label).');
  if (label.length > LABEL_MAX_CHARS) throw new SnapshotError('BAD_INPUT', `The label is ${label.length} characters long: keep it under ${LABEL_MAX_CHARS}.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(label)) throw new SnapshotError('BAD_INPUT', 'The label holds a control character (a newline, a tab, an escape): write it on one line.');
  return label;
}

/**
 * Labels an existing snapshot (or clears its label with `undefined`): sets `label` in its notes, written atomically.
 * A snapshot without notes (a root made by a shell script) gets notes holding only that. `name` may be `latest`.
 */
export async function setLabel(root: BackupRoot, name: string, text: string | undefined): Promise<LabelResult> {
  const label = text === undefined ? undefined : checkLabel(text);
  const snapshot = (await findSnapshot(root, name)).name;
  const meta: SnapshotMeta = (await root.notes.read(snapshot)) ?? {};
  if (meta.label === label) return { snapshot, label, changed: false };
  const next: SnapshotMeta = { ...meta, label };
  if (label === undefined) delete next.label;
  await root.notes.write(snapshot, next);
  root.logger.info(`${label === undefined ? 'cleared the label of' : `labelled "${label}":`} ${snapshot} in ${root.spec}`);
  return { snapshot, label, changed: true };
}
