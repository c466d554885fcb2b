import { CliCommand } from '../command';
import { cronLineCommand } from './cronLine';
import { doctorCommand } from './doctor';
import { duCommand } from './du';
import { pinCommand, unpinCommand } from './pin';
import { labelCommand } from './label';
import { deleteCommand } from './delete';
import { pruneCommand } from './prune';
import { changesCommand } from './changes';
import { listCommand } from './list';
import { restoreCommand } from './restore';
import { searchCommand } from './search';
import { snapshotCommand } from './snapshot';
import { versionsCommand } from './versions';

/** The CLI's command table, in the order --help shows them. */
export const commands: CliCommand[] = [
  snapshotCommand,
  listCommand,
  versionsCommand,
  searchCommand,
  changesCommand,
  restoreCommand,
  duCommand,
  pruneCommand,
  pinCommand,
  unpinCommand,
  labelCommand,
  deleteCommand,
  doctorCommand,
  cronLineCommand,
];
