import { parseArgs } from 'node:util';
import { isSnapshotError, SnapshotErrorCode } from '../core/util/errors';
import { Logger, silentLogger } from '../core/util/logger';
import { closeRoots, openRoot } from '../core/root/open';
import { CliCommand } from './command';
import { commands } from './commands/index';
import { VERSION } from '../core/version';
import { terminalSafe } from './terminalText';

/** Failures with their own exit status (every other failure exits 1): 4 — the free-space or inode floor would be crossed, nothing made. */
const ERROR_EXIT_STATUS: Partial<Record<SnapshotErrorCode, number>> = { NO_ROOM: 4 };

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' },
  'rsync-path': { type: 'string' },
  'ssh-command': { type: 'string' },
} as const;

const GLOBAL_HELP = [
  '--json                machine-readable output on stdout',
  '--verbose, -v         log every command line run (stderr)',
  '--rsync-path PATH     rsync binary to use (default: rsync on PATH)',
  '--ssh-command CMD     ssh command for user@host:/path roots (default: $RSYNC_RSH, then ssh)',
  '--help, -h            this help',
];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'rsync-snapshots — hard-linked rsync snapshots of a folder (rsync --link-dest)',
    '',
    'usage: rsync-snapshots <command> [arguments] [--json]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "rsync-snapshots <command> --help" for a command\'s arguments; "rsync-snapshots --version" for the version.',
  ].join('\n');
}

function commandHelp(c: CliCommand): string {
  return [`usage: rsync-snapshots ${c.usage}`, '', c.summary, '', 'options:', ...[...c.optionHelp, ...GLOBAL_HELP].map((l) => `  ${l}`)].join('\n');
}

/** Everything for a person's terminal goes through terminalSafe: no value from a root, a file or rsync drives the terminal. */
const toStderr = (text: string) => process.stderr.write(`${terminalSafe(text)}\n`);

const stderrLogger: Logger = {
  info: toStderr,
  warn: toStderr,
  error: toStderr,
  debug: () => {},
};

function stringValue(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    toStderr(`Unknown command "${name}".\n\n${mainHelp()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    toStderr(`${optionValueProblem(command, rest, err) ?? (err as Error).message}\n\n${commandHelp(command)}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  if (positionals.length < command.positionals.min || positionals.length > command.positionals.max) {
    process.stderr.write(`Wrong number of arguments.\n\n${commandHelp(command)}\n`);
    return 2;
  }
  const empty = emptyArgument(command, positionals, values as Record<string, unknown>);
  if (empty) {
    toStderr(`${empty}\n\n${commandHelp(command)}`);
    return 2;
  }
  const json = values.json === true;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal); // on, not once: execa's exit hook re-raises a signal when it sees no other listener
  process.on('SIGTERM', onSignal);
  try {
    const output = await command.run({
      positionals,
      values: values as Record<string, string | boolean | string[] | undefined>,
      signal: controller.signal,
      logger: values.verbose ? stderrLogger : silentLogger,
      status: (line) => {
        if (!json && process.stderr.isTTY) toStderr(line);
      },
      openRoot: (spec) => openRoot(spec, { sshCommand: stringValue(values['ssh-command']), rsyncPath: stringValue(values['rsync-path']), logger: values.verbose ? stderrLogger : silentLogger }),
    });
    process.stdout.write(json ? JSON.stringify(output.json, null, 2) + '\n' : terminalSafe(output.text) + '\n');
    return output.exitCode ?? 0;
  } catch (err) {
    // Never a stack trace for a person: an unexpected error says what failed; --verbose adds the trace for a bug report.
    const message = isSnapshotError(err)
      ? err.message
      : `Unexpected error: ${err instanceof Error ? err.message : String(err)}. Nothing else was changed by this step; run it again with --verbose for details and report it if it persists.`;
    if (!isSnapshotError(err) && values.verbose && err instanceof Error && err.stack) toStderr(err.stack);
    if (json) process.stdout.write(JSON.stringify({ error: { code: isSnapshotError(err) ? err.code : 'INTERNAL', message, details: isSnapshotError(err) ? err.details : [] } }, null, 2) + '\n');
    toStderr(`rsync-snapshots: ${message}`);
    return isSnapshotError(err) ? (ERROR_EXIT_STATUS[err.code] ?? 1) : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeRoots(); // a one-shot CLI run leaves no shared ssh connection behind
  }
}

/** Options whose value is a path or a program: an empty value (an unset variable in a cron line) is refused, never read as "here". */
const PATH_OPTIONS = ['working', 'workspace', 'rsync-path', 'ssh-command'];

/**
 * An empty positional or path option, as a message: `rsync-snapshots snapshot ~/work "$ROOT"` with $ROOT unset must not
 * write a snapshot into the current folder.
 */
function emptyArgument(command: CliCommand, positionals: string[], values: Record<string, unknown>): string | undefined {
  const names = [...command.usage.matchAll(/<([^>]+)>/g)].map((m) => m[1]);
  const at = positionals.findIndex((p) => p.trim() === '');
  if (at >= 0) {
    const name = names[at] ?? `argument ${at + 1}`;
    return `The ${name} argument is empty: give a real ${name}${/root|source|target|path/.test(name) ? ' (use . for the current folder)' : ''}. In a script, check that the variable holding it is set.`;
  }
  const option = PATH_OPTIONS.find((o) => typeof values[o] === 'string' && (values[o] as string).trim() === '');
  if (option)
    return `--${option} is empty: give a path${option === 'working' || option === 'workspace' ? ' (use . for the current folder)' : ''}, or leave the option out. In a script, check that the variable holding it is set.`;
  return undefined;
}

/**
 * parseArgs refuses a value that starts with "-" ("argument is ambiguous"): say what the option accepts instead
 * (e.g. --keep-last -1), or how to pass such a value on purpose.
 */
function optionValueProblem(command: CliCommand, args: string[], err: unknown): string | undefined {
  const m = /^Option '(?:-\w, )?--([\w-]+)(?: <value>)?' argument is ambiguous/.exec((err as Error)?.message ?? '');
  if (!m) return undefined;
  const option = m[1];
  const value = args[args.indexOf(`--${option}`) + 1] ?? '';
  const accepts = command.accepts?.[option];
  return accepts ? `--${option} takes ${accepts}, not "${value}".` : `--${option} got "${value}", which looks like an option. To pass a value starting with "-", write --${option}=${value}.`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
