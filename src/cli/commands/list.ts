import { triggerOf } from '../../core/root/notes';
import { CliCommand } from '../command';

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'list the snapshots of a backup root, oldest first',
  usage: 'list <root> [--json]',
  optionHelp: [],
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ positionals: [root], openRoot }) {
    const { listing, notes } = await openRoot(root).notes.readAll();
    const json = listing.snapshots.map((s) => {
      const meta = notes.get(s.name);
      return { name: s.name, path: s.path, time: s.time.toISOString(), latest: s.latest, format: s.format, label: meta?.label, trigger: triggerOf(meta), pinned: meta?.pinned === true || undefined };
    });
    const lines = listing.snapshots.map((s) => {
      const meta = notes.get(s.name);
      const trigger = triggerOf(meta);
      return `${s.name}${s.latest ? '  (latest)' : ''}${trigger ? `  [${trigger}]` : ''}${meta?.label ? `  ${meta.label}` : ''}${meta?.pinned ? '  (pinned)' : ''}`;
    });
    if (!listing.snapshots.length) lines.push(`No snapshots in ${listing.root} yet.`);
    if (listing.latestState !== 'ok' && listing.snapshots.length)
      lines.push(`warning: latest is ${listing.latestState}${listing.latestTarget ? ` (→ ${listing.latestTarget})` : ''}; the next snapshot will be a full copy.`);
    if (listing.inProgress.length) lines.push(`unfinished: ${listing.inProgress.join(', ')} (a running or interrupted snapshot; the next run reuses and removes it)`);
    return { json, text: lines.join('\n') };
  },
};
