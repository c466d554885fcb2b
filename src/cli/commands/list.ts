import type { RootListing } from '../../core/root/listing';
import { SnapshotMeta, triggerOf } from '../../core/root/notes';
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
  async run({ positionals: [root], openRoot, values }) {
    const { listing, notes } = await openRoot(root).notes.readAll();
    // Only the output asked for is made (10,000 snapshots: each costs a few ms).
    if (values.json === true) return { json: jsonOf(listing, notes), text: '' };
    return { json: undefined, text: textOf(listing, notes) };
  },
};

function jsonOf(listing: RootListing, notes: Map<string, SnapshotMeta>) {
  return listing.snapshots.map((s) => {
    const meta = notes.get(s.name);
    return { name: s.name, path: s.path, time: s.time.toISOString(), latest: s.latest, format: s.format, label: meta?.label, trigger: triggerOf(meta), pinned: meta?.pinned === true || undefined };
  });
}

function textOf(listing: RootListing, notes: Map<string, SnapshotMeta>): string {
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
  return lines.join('\n');
}
