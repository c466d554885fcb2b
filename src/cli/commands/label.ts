import { setLabel } from '../../core/label/label';
import { SnapshotError } from '../../core/util/errors';
import { CliCommand } from '../command';
import { displayText } from '../terminalText';

/** "before the refactor" in quotes; a label with characters a terminal must not see comes escaped (displayText). */
function quoted(label: string): string {
  const shown = displayText(label);
  return shown === label ? `"${label}"` : shown;
}

export const labelCommand: CliCommand = {
  name: 'label',
  summary: 'label a snapshot ("before the refactor"), or clear its label',
  usage: 'label <root> <snapshot> (<text> | --clear) [--json]',
  optionHelp: ['--clear               remove the label', 'The snapshot may be latest. Thinning of automatic history never deletes a snapshot you labelled.'],
  options: { clear: { type: 'boolean' } },
  positionals: { min: 2, max: 3 },
  async run({ positionals: [rootSpec, name, text], values, openRoot }) {
    const clear = values.clear === true;
    if (clear && text !== undefined) throw new SnapshotError('BAD_INPUT', 'Give a label text or --clear, not both.');
    if (!clear && text === undefined) throw new SnapshotError('BAD_INPUT', 'Give the label text (e.g. "before the refactor"), or --clear to remove the label.');
    const root = openRoot(rootSpec);
    const result = await setLabel(root, name, clear ? undefined : text);
    const shown = result.label === undefined ? '' : quoted(result.label);
    const what = result.label === undefined ? 'no label' : `the label ${shown}`;
    const done = result.label === undefined ? `Cleared the label of ${result.snapshot} in ${root.spec}.` : `Labelled ${result.snapshot} in ${root.spec}: ${shown}.`;
    return { json: { root: root.spec, ...result }, text: result.changed ? done : `${result.snapshot} already had ${what}: nothing changed.` };
  },
};
