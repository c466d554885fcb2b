import type { ParseArgsConfig } from 'node:util';
import type { BackupRoot } from '../core/root/backupRoot';
import { Logger } from '../core/util/logger';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  positionals: string[];
  values: OptionValues;
  signal: AbortSignal;
  logger: Logger;
  /** Progress lines for a person (stderr; silent with --json). */
  status(line: string): void;
  /** Opens a root argument with the global options (--ssh-command, --rsync-path, logging). */
  openRoot(spec: string): BackupRoot;
}

/** What a command returns: the data for --json and the text for people. */
export interface CommandOutput {
  json: unknown;
  text: string;
  /** Non-zero to fail the process after printing (e.g. doctor found problems). */
  exitCode?: number;
}

/** One CLI command: new commands slot in by adding a file and a line in commands/index.ts. */
export interface CliCommand {
  name: string;
  summary: string;
  /** e.g. "snapshot <source> <root> [options]" */
  usage: string;
  /** Option lines for --help, one per line. */
  optionHelp: string[];
  options: NonNullable<ParseArgsConfig['options']>;
  /** What an option's value may be, for the message when it is refused (e.g. keep-last: "a whole number, 0 or more"). */
  accepts?: Record<string, string>;
  positionals: { min: number; max: number };
  run(ctx: CommandContext): Promise<CommandOutput>;
}

export function stringOption(values: OptionValues, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(values: OptionValues, key: string): string[] {
  const v = values[key];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
