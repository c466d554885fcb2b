const SPECIAL = new Set([...'.[]{}()*+?^$|\\']);

/**
 * A path glob as a regular expression source that means the same as a JS RegExp and as a POSIX ERE (GNU find -regex),
 * matching a whole `/`-separated relative path: `*` and `?` stay within a folder name, `**` crosses folders, `{a,b}`
 * is either. A glob without `/` matches the file name at any depth (`*.ts`); one naming a folder matches what is under it.
 */
export function globRegex(glob: string): string {
  const pattern = glob
    .trim()
    .replace(/^\.?\/+/, '')
    .replace(/\/+$/, '');
  let out = pattern.includes('/') ? '' : '(.*/)?';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      out += slash ? '(.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') {
      braces++;
      out += '(';
    } else if (c === '}' && braces) {
      braces--;
      out += ')';
    } else if (c === ',' && braces) out += '|';
    else out += SPECIAL.has(c) ? `\\${c}` : c;
  }
  out += ')'.repeat(braces);
  return `${out}(/.*)?`;
}
