// Entry point of the Restricted Mode session (scripts/run-vscode-tests.mjs): workspace trust on, the folder untrusted.
import { runSuite } from '../extension/index';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
