import { SnapshotError } from '../../util/errors';
import { RemoteRootLocation } from '../location';

/** Reads the NUL-separated answer of one of our remote scripts, field by field. */
export interface AnswerReader {
  /** The next field's bytes (names stay byte-exact). */
  next(): Buffer;
  /** The next field as UTF-8 text. */
  text(): string;
  /** The next `length` bytes as they are (a field that is not NUL-terminated); undefined when fewer are left. */
  bytes(length: number): Buffer | undefined;
  /** Everything after the fields read so far (e.g. the listing script's output that follows). */
  rest(): Buffer;
}

/**
 * Checks that `output` starts with `marker` (our script ran, no login-shell chatter before it) and returns a reader
 * whose errors say what was being done (`doing`, e.g. "planning a prune of").
 */
export function readScriptAnswer(location: RemoteRootLocation, output: Buffer, marker: string, doing: string): AnswerReader {
  const head = `${marker}\0`;
  if (output.subarray(0, head.length).toString('latin1') !== head)
    throw new SnapshotError('SSH_FAILED', `Unexpected answer from ${location.host} while ${doing} ${location.spec} (is the login shell printing text? make it quiet for non-interactive sessions).`);
  let at = head.length;
  const next = (): Buffer => {
    const end = output.indexOf(0, at);
    if (end < 0) throw new SnapshotError('SSH_FAILED', `Truncated answer from ${location.host} while ${doing} ${location.spec}; try again.`);
    const field = output.subarray(at, end);
    at = end + 1;
    return field;
  };
  const bytes = (length: number): Buffer | undefined => {
    if (at + length > output.length) return undefined;
    at += length;
    return output.subarray(at - length, at);
  };
  return { next, text: () => next().toString('utf8'), bytes, rest: () => output.subarray(at) };
}
