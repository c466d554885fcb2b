import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errnoCode, SnapshotError } from '../util/errors';
import { failureOf, run } from '../util/exec';

/**
 * The CLI installed where updates of the extension cannot delete it (the extension's own folder is replaced on every
 * update): a copy of the bundled cli.js in a data folder, and a small launcher script with the absolute node path,
 * which cron lines and timers name. The extension refreshes both when its version changes.
 */
export interface CliInstall {
  /** The launcher: what cron lines run. */
  bin: string;
  /** The data folder holding cli.js and install.json. */
  dir: string;
  version: string;
  /** The program the launcher runs cli.js with. */
  node: string;
  /** The program is Electron (VS Code's own), run as node with ELECTRON_RUN_AS_NODE=1. */
  electron: boolean;
}

/** ~/.local/bin/rsync-snapshots and ~/.local/share/rsync-snapshots ($XDG_DATA_HOME/rsync-snapshots when set), under `home` when given. */
export function defaultCliPaths(home?: string, env: NodeJS.ProcessEnv = process.env): { bin: string; dir: string } {
  const base = home ?? os.homedir();
  const data = !home && env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(base, '.local', 'share');
  return { bin: path.join(base, '.local', 'bin', 'rsync-snapshots'), dir: path.join(data, 'rsync-snapshots') };
}

const RECORD = 'install.json';
const CLI_FILE = 'cli.js';
/** The launcher's second line: a launcher of ours (replaced freely) is told from somebody else's file by it. */
const MARKER = '# rsync-snapshots launcher, written by the Rsync Snapshots extension; it rewrites this file on update.';

/** A /bin/sh word: single-quoted unless plain. */
function shWord(word: string): string {
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Which program should run the installed CLI: node on PATH when there is one (the extension host may be VS Code's
 * Electron), else the running program — run as node through ELECTRON_RUN_AS_NODE=1 when it is Electron.
 */
export function chooseNode(nodeOnPath: string | undefined, execPath = process.execPath, electron = Boolean(process.versions.electron)): { node: string; electron: boolean } {
  return nodeOnPath ? { node: nodeOnPath, electron: false } : { node: execPath, electron };
}

export interface InstallCliOptions {
  /** The bundled cli.js of this version (the extension's dist/cli.js). */
  cliSource: string;
  version: string;
  node: string;
  electron: boolean;
  /** Default ~/.local/bin/rsync-snapshots. */
  bin?: string;
  /** Default ~/.local/share/rsync-snapshots. */
  dir?: string;
  home?: string;
}

/** Installs (or refreshes) the CLI: cli.js into the data folder, the launcher at `bin`, both replaced atomically. */
export async function installCli(options: InstallCliOptions): Promise<CliInstall> {
  const defaults = defaultCliPaths(options.home);
  const bin = options.bin ?? defaults.bin;
  const dir = options.dir ?? defaults.dir;
  if (!path.isAbsolute(bin)) throw new SnapshotError('BAD_INPUT', `Install the CLI at an absolute path (e.g. ${defaults.bin}), not "${bin}".`);
  if (/[\n\r]/.test(bin + dir + options.node)) throw new SnapshotError('BAD_INPUT', 'A path for the CLI contains a line break: choose another.');
  const existing = await fs.readFile(bin, 'utf8').catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : `unreadable: ${(err as Error).message}`));
  if (existing !== undefined && !existing.includes(MARKER)) throw new SnapshotError('BAD_INPUT', `${bin} already exists and is not our launcher: choose another path, or move that file away first.`);
  await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(path.dirname(bin), { recursive: true });
  const install: CliInstall = { bin, dir, version: options.version, node: options.node, electron: options.electron };
  const cli = path.join(dir, CLI_FILE);
  await replaceFile(cli, await fs.readFile(options.cliSource), 0o755);
  const launcher = ['#!/bin/sh', MARKER, `# version ${options.version}`, `${options.electron ? 'ELECTRON_RUN_AS_NODE=1 ' : ''}exec ${shWord(options.node)} ${shWord(cli)} "$@"`, ''].join('\n');
  await replaceFile(bin, launcher, 0o755);
  await replaceFile(path.join(dir, RECORD), JSON.stringify(install, null, 2) + '\n', 0o644);
  return install;
}

async function replaceFile(file: string, content: string | Buffer, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await fs.writeFile(tmp, content, { mode });
    await fs.chmod(tmp, mode);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new SnapshotError('BAD_INPUT', `Could not write ${file}: ${(err as Error).message}. Choose a folder you can write to.`);
  }
}

/** The installed CLI's record (from the default data folder, or `dir`), undefined when it was never installed. */
export async function readCliInstall(dir = defaultCliPaths().dir): Promise<CliInstall | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(path.join(dir, RECORD), 'utf8')) as CliInstall;
    return typeof value.bin === 'string' && typeof value.version === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface CliInstallCheck {
  ok: boolean;
  detail: string;
  fix?: string;
}

/** The installed CLI: present, runs (`--version` through the launcher, as cron runs it), and the same version as `expected`. */
export async function checkCliInstall(expected: string, dir?: string): Promise<CliInstallCheck> {
  const install = await readCliInstall(dir);
  const reinstall = 'Run "Rsync Snapshots: Install the CLI…" again.';
  if (!install)
    return { ok: true, detail: 'not installed (cron lines then name the extension folder, which an update replaces)', fix: 'Run "Rsync Snapshots: Install the CLI…" before copying a cron line.' };
  const r = await run(install.bin, ['--version'], { reject: false, timeout: 20_000, stdin: 'ignore' });
  if (r.exitCode !== 0) {
    const why = failureOf(r).code === 'ENOENT' ? 'is missing' : `does not run (${(r.stderr || r.stdout || `exit ${r.exitCode}`).trim().split('\n')[0]})`;
    return { ok: false, detail: `${install.bin} ${why}`, fix: reinstall };
  }
  const version = r.stdout.trim();
  if (version !== expected) return { ok: false, detail: `${install.bin} is version ${version}, the extension ${expected}`, fix: reinstall };
  return { ok: true, detail: `${install.bin} runs, version ${version} (${install.electron ? `${install.node} as node` : install.node})` };
}

/**
 * After an update: when the CLI was installed and its version differs from this one, installs this version in the
 * same places (the launcher's path the user chose, the same data folder). Returns the new install, or undefined when
 * there was nothing to do.
 */
export async function refreshCliInstall(options: Omit<InstallCliOptions, 'bin' | 'dir' | 'home'>, dir?: string): Promise<CliInstall | undefined> {
  const install = await readCliInstall(dir);
  if (!install || install.version === options.version) return undefined;
  return installCli({ ...options, bin: install.bin, dir: install.dir });
}
