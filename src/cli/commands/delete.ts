import { deleteSnapshot, planDeleteSnapshot } from '../../core/prune/deleteOne';
import { CliCommand } from '../command';

export const deleteCommand: CliCommand = {
  name: 'delete',
  summary: 'delete one snapshot (never latest or the newest; preview with --dry-run)',
  usage: 'delete <root> <snapshot> [--dry-run] [--include-pinned] [--json]',
  optionHelp: [
    '--dry-run             say what would be deleted; delete nothing',
    '--include-pinned      also delete a pinned snapshot or a safety snapshot taken before a restore',
    "Deleted under the root's lock, as prune deletes: the folder is checked again first. What other snapshots share stays.",
  ],
  options: { 'dry-run': { type: 'boolean' }, 'include-pinned': { type: 'boolean' } },
  positionals: { min: 2, max: 2 },
  async run({ positionals: [rootSpec, name], values, signal, openRoot }) {
    const root = openRoot(rootSpec);
    const includePinned = values['include-pinned'] === true;
    if (values['dry-run']) {
      const plan = await planDeleteSnapshot(root, name, { includePinned, signal });
      return { json: { dryRun: true, plan }, text: `Would delete ${plan.delete[0].name} from ${root.spec}. Nothing was deleted (dry run).` };
    }
    const result = await deleteSnapshot(root, name, { includePinned, signal });
    const text = result.deleted.length
      ? `Deleted ${result.deleted.join(', ')} from ${root.spec}.`
      : `Nothing was deleted: ${result.skipped.map((s) => `${s.name}: ${s.why}`).join('; ') || 'the snapshot changed since it was checked'}.`;
    return { json: result, text, exitCode: result.deleted.length ? 0 : 1 };
  },
};
