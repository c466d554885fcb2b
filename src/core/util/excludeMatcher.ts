/**
 * A subset of rsync's --exclude syntax for walks that must skip what snapshots skip: `name` matches that name at any
 * depth, `/a/b` is anchored at the top of the tree, `a/b` matches a trailing part of a path, a trailing `/` matches
 * directories only, `*` and `?` match within one name, `**` matches across folders. No include rules, no [classes].
 */
export type ExcludeMatcher = (relativePath: string, isDirectory: boolean) => boolean;

export function excludeMatcher(patterns: readonly string[]): ExcludeMatcher {
  const rules = patterns.filter((p) => p && p !== '/').map(compile);
  if (!rules.length) return () => false;
  return (rel, isDir) => rules.some((r) => (isDir || !r.dirOnly) && r.regex.test(rel));
}

function compile(pattern: string): { regex: RegExp; dirOnly: boolean } {
  const dirOnly = pattern.endsWith('/');
  let p = dirOnly ? pattern.replace(/\/+$/, '') : pattern;
  const anchored = p.startsWith('/');
  if (anchored) p = p.replace(/^\/+/, '');
  const body = p
    .split(/(\*\*|\*|\?)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return { regex: new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`, 's'), dirOnly };
}
