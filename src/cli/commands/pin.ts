import { setPinned } from '../../core/pin/pin';
import { CliCommand } from '../command';

function pinCommandFor(pinned: boolean): CliCommand {
  const verb = pinned ? 'pin' : 'unpin';
  return {
    name: verb,
    summary: pinned ? 'keep a snapshot forever: prune and retention leave it alone' : 'let prune and retention delete a pinned snapshot again',
    usage: `${verb} <root> <snapshot> [--json]`,
    optionHelp: [pinned ? 'The snapshot may be latest. prune --include-pinned still deletes pinned snapshots.' : 'The snapshot may be latest.'],
    options: {},
    positionals: { min: 2, max: 2 },
    async run({ positionals: [rootSpec, name], openRoot }) {
      const root = openRoot(rootSpec);
      const result = await setPinned(root, name, pinned);
      const text = result.changed ? `${pinned ? 'Pinned' : 'Unpinned'} ${result.snapshot} in ${root.spec}.` : `${result.snapshot} was already ${pinned ? 'pinned' : 'not pinned'}: nothing changed.`;
      return { json: { root: root.spec, ...result }, text };
    },
  };
}

export const pinCommand = pinCommandFor(true);
export const unpinCommand = pinCommandFor(false);
