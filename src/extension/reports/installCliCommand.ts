import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { chooseNode, CliInstall, defaultCliPaths, installCli, refreshCliInstall } from '../../core/cron/installCli';
import type { Logger } from '../../core/util/logger';
import { findExecutable } from '../../core/util/tools';
import { VERSION } from '../../core/version';

/** node on PATH, else the extension host's own program (VS Code's Electron runs as node with ELECTRON_RUN_AS_NODE=1). */
async function runtime(): Promise<{ node: string; electron: boolean }> {
  return chooseNode(await findExecutable('node').catch(() => undefined));
}

/**
 * "Install the CLI…": the CLI at a stable place the user chooses (default ~/.local/bin/rsync-snapshots), so cron lines
 * and timers keep working after the extension updates (its own folder is replaced each time).
 */
export async function installCliCommand(extensionPath: string, givenBin?: string): Promise<CliInstall | undefined> {
  const suggested = defaultCliPaths().bin;
  const bin =
    givenBin ??
    (await vscode.window.showInputBox({
      title: 'Install the Rsync Snapshots CLI',
      prompt: 'Where to put the rsync-snapshots command (a launcher; the program itself goes to ~/.local/share/rsync-snapshots). Cron lines will run it.',
      value: suggested,
      validateInput: (v) => (path.isAbsolute(v.replace(/^~(?=\/)/, os.homedir())) ? undefined : 'Give an absolute path, e.g. ~/.local/bin/rsync-snapshots'),
    }));
  if (!bin) return undefined;
  const install = await installCli({ cliSource: path.join(extensionPath, 'dist', 'cli.js'), version: VERSION, ...(await runtime()), bin: bin.replace(/^~(?=\/)/, os.homedir()) });
  void vscode.window
    .showInformationMessage(`Installed rsync-snapshots ${install.version} at ${install.bin}. Cron lines now run it; each extension update refreshes it.`, 'Copy Cron Line…')
    .then((pick) => {
      if (pick) void vscode.commands.executeCommand('rsyncSnapshots.copyCronLine');
    });
  return install;
}

/** On activation, in the background: an installed CLI of another version is replaced by this one (same paths). */
export async function refreshInstalledCli(extensionPath: string, logger: Logger): Promise<CliInstall | undefined> {
  try {
    const install = await refreshCliInstall({ cliSource: path.join(extensionPath, 'dist', 'cli.js'), version: VERSION, ...(await runtime()) });
    if (install) logger.info(`refreshed the installed CLI at ${install.bin} to version ${install.version}`);
    return install;
  } catch (err) {
    logger.warn(`could not refresh the installed CLI: ${(err as Error).message}`);
    return undefined;
  }
}
