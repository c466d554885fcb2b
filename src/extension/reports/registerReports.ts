import * as vscode from 'vscode';
import type { Feature, Services } from '../services';
import { copyCronLine } from './cronLineCommand';
import { checkBackupRoot } from './doctorCommand';
import { installCliCommand, refreshInstalledCli } from './installCliCommand';
import { registerReportProvider } from './reportDocument';
import { showSpaceUsage } from './usageCommand';

/** Show space usage, Check backup root, Copy cron line, Install the CLI, and the settings page. */
export function registerReports(s: Services): Feature {
  const { extensionPath } = s.context;
  // After an update: the installed CLI (cron lines run it) becomes this version. In the background, never at activation's cost.
  setTimeout(() => void refreshInstalledCli(extensionPath, s.logger), 2000).unref();
  return {
    disposables: [registerReportProvider()],
    commands: [
      { id: 'rsyncSnapshots.showUsage', run: () => showSpaceUsage(s.usage, () => s.refreshViews()) },
      { id: 'rsyncSnapshots.checkRoot', run: () => checkBackupRoot() },
      {
        id: 'rsyncSnapshots.copyCronLine',
        run: (at?: string, delay?: string) => copyCronLine(extensionPath, undefined, typeof at === 'string' ? at : undefined, typeof delay === 'string' ? delay : undefined),
      },
      { id: 'rsyncSnapshots.installCli', run: (bin?: string) => installCliCommand(extensionPath, typeof bin === 'string' ? bin : undefined) },
      { id: 'rsyncSnapshots.openSettings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${s.context.extension.id}`) },
    ],
  };
}
