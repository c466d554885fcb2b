import { SnapshotError } from '../../util/errors';
import { SEARCH_EXIT, SEARCH_SCRIPT } from '../../search/script';
import type { SearchAccess } from '../backupRoot';
import { rootProblem } from './list';
import type { Ssh } from './ssh';

/** The search script in ONE ssh call, streaming back: rg if the host has it (else grep), or grep when asked not to use rg. */
export function sshSearch({ location, transport }: Ssh): SearchAccess {
  return {
    tool: async ({ noRipgrep }) => (noRipgrep ? 'grep' : 'auto'),
    async start(args) {
      const remote = await transport.spawn(['sh', '-c', SEARCH_SCRIPT, 'sh', location.path, ...args], { rawStderr: true });
      return { stdout: remote.stdout, stderr: remote.stderrStream!, exited: remote.exited, kill: remote.kill };
    },
    failure(exitCode, stderr) {
      if (exitCode === 255) return transport.failure(stderr);
      if (exitCode === SEARCH_EXIT.noFind) return new SnapshotError('TOOL_NOT_FOUND', `Searching snapshots needs GNU find on ${location.host}: install findutils there.`);
      return rootProblem(location, exitCode, stderr);
    },
  };
}
