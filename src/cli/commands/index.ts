import { CliCommand } from '../command';
import { listCommand } from './list';
import { snapshotCommand } from './snapshot';

/** The CLI's command table, in the order --help shows them. */
export const commands: CliCommand[] = [snapshotCommand, listCommand];
