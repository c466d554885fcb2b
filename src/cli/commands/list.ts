import { triggerOf } from '../../core/root/notes';
import { CliCommand } from '../command';
import { displayName } from '../displayName';
import { displayText } from '../terminalText';

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
      // Trigger and label come from the notes, which anyone who can write the root can write: escaped, never raw.
      return `${s.name}${s.latest ? '  (latest)' : ''}${trigger ? `  [${displayText(trigger)}]` : ''}${meta?.label ? `  ${displayText(meta.label)}` : ''}${meta?.pinned ? '  (pinned)' : ''}`;
    });
    if (!listing.snapshots.length) lines.push(`No snapshots in ${displayName(listing.root)} yet.`);
    if (listing.latestState !== 'ok' && listing.snapshots.length)
      lines.push(`warning: latest is ${listing.latestState}${listing.latestTarget ? ` (→ ${displayName(listing.latestTarget)})` : ''}; the next snapshot will be a full copy.`);
    if (listing.inProgress.length) lines.push(`unfinished: ${listing.inProgress.map(displayName).join(', ')} (a running or interrupted snapshot; the next run reuses and removes it)`);
    return { json, text: lines.join('\n') };
  },
};
