import { SnapshotError } from '../util/errors';
import type { SearchQuery } from './types';

/** The query as a JS RegExp (the Node search, and a check of the pattern before any tool runs); BAD_INPUT saying what to fix. */
export function queryRegExp(query: SearchQuery): RegExp {
  if (!query.pattern) throw new SnapshotError('BAD_INPUT', 'The search pattern is empty: give the text to look for.');
  if (/[\n\r\0]/.test(query.pattern)) throw new SnapshotError('BAD_INPUT', 'The search pattern spans lines: search for text within one line.');
  const source = query.regex ? query.pattern : query.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    return new RegExp(source, query.ignoreCase ? 'i' : '');
  } catch (err) {
    throw new SnapshotError(
      'BAD_INPUT',
      `Invalid regular expression ${JSON.stringify(query.pattern)}: ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}. Fix it, or search for plain text (without regex).`,
    );
  }
}
