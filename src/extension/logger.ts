import * as vscode from 'vscode';
import { Logger } from '../core/util/logger';

/** The core's Logger backed by the "Rsync Snapshots" LogOutputChannel (every rsync command line and its stderr land here). */
export function createLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
    debug: (m) => channel.debug(m),
  };
}
