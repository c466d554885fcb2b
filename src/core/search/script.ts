import { globRegex } from './glob';
import type { ScriptTool, SearchQuery } from './types';

/** The script's exit codes for a root it cannot enter. */
export const SEARCH_EXIT = { missing: 3, notDirectory: 4, unreadable: 5, noFind: 9 } as const;

/** Marks the start of both of the script's outputs (and proves no login-shell text came before). */
export const SEARCH_MARKER = 'rsync-snapshots-search';
/** Ends the file listing on stderr; the tools' own error messages follow it. */
export const LISTING_END = '/end';

/**
 * The search, as one POSIX sh script run where the root is (locally by sh, remotely in ONE ssh call). Arguments arrive
 * as "$1"…, never parsed as code: "$1" root, "$2" tool (`rg:PATH`, `auto`, `grep`, `list`), "$3" `fixed`/`regex`,
 * "$4" `i` to ignore case, "$5" the pattern, "$6" a path regex (ERE on `SNAPSHOT/REL`, or empty), "$7" the longest line
 * (bytes) rg / grep are given, then the snapshot names.
 *
 * One `find` walks every snapshot once and prints `KEY SNAPSHOT/REL` NUL-terminated for every regular file (KEY = the
 * inode; `dev:inode` when the snapshots lie on more than one device; `-xdev` keeps each walk on its snapshot's device).
 * `tee` copies that listing to stderr (through a fifo); awk keeps the first path of each key, so each distinct content
 * (hard links are one) goes once to rg / grep -I (binary files skipped), whose `PATH\0LINE:TEXT\n` lines stream on
 * stdout. rg and grep hold a whole line in memory: a file bigger than "$7" bytes (a second `find` stats only the
 * distinct contents) may hold a longer line, so it is checked first (`cut -b` streams) and, when it has one, skipped
 * and named. stdout starts with the marker and the tool used; stderr with the marker, then the listing, `/end`, the
 * skipped files (NUL-terminated), `/end` again, then the tools' errors.
 */
export const SEARCH_SCRIPT = `
root=$1; tool=$2; kind=$3; icase=$4; pattern=$5; re=$6; max=$7; shift 7
cd "$root" 2>/dev/null || { [ -e "$root" ] || exit ${SEARCH_EXIT.missing}; [ -d "$root" ] || exit ${SEARCH_EXIT.notDirectory}; exit ${SEARCH_EXIT.unreadable}; }
find . -maxdepth 0 -printf '' 2>/dev/null || exit ${SEARCH_EXIT.noFind}
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/rsync-snapshots-search.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT TERM PIPE
if [ $# -gt 0 ] && [ "$(stat -c %d -- "$@" | sort -u | wc -l)" -gt 1 ]; then fmt='%D:%i %p\\0'; else fmt='%i %p\\0'; fi
case $tool in
  rg:*) rg=\${tool#rg:}; tool=rg ;;
  auto) if command -v rg >/dev/null 2>&1; then rg=rg; tool=rg; else tool=grep; fi ;;
esac
if [ "$kind" = fixed ]; then rgk=-F; gk=-F
elif grep -P x </dev/null >/dev/null 2>&1; [ $? -le 1 ]; then rgk=; gk=-P
else rgk=; gk=-E
fi
if [ "$icase" = i ]; then ic=-i; else ic=-s; fi
# rg prints a long line's first 8 KiB only (older rg has no --max-columns-preview: whole lines, at most "$7" bytes).
cols=
if [ "$tool" = rg ]; then printf 'x\\n' | "$rg" --no-config --max-columns 8192 --max-columns-preview -q x 2>/dev/null && cols='--max-columns=8192 --max-columns-preview'; fi
search() {
  case $tool in
    list) cat ;;
    rg) xargs -0 -r "$rg" --no-config --null --line-number --no-heading --with-filename --color never $cols $rgk $ic -e "$pattern" -- 2>>"$tmp/err" ;;
    *) xargs -0 -r grep -I -Z -n -H $gk $ic -e "$pattern" -- 2>>"$tmp/err" ;;
  esac
}
# The files to search, NUL-terminated on stdin: those bigger than "$7" bytes go to $tmp/big, to be checked first.
sized() {
  case $tool in
    list) cat ;;
    *) xargs -0 -r sh -c 'max=$1; shift; find "$@" -maxdepth 0 \\( -size +"$max"c -printf "B%p\\0" \\) -o -printf "S%p\\0"' sh "$max" 2>>"$tmp/err" |
      big="$tmp/big" LC_ALL=C awk 'BEGIN { RS = "\\0"; ORS = "\\0"; big = ENVIRON["big"] } substr($0, 1, 1) == "B" { print substr($0, 2) > big; next } { print substr($0, 2) }' ;;
  esac
}
printf '${SEARCH_MARKER}\\0%s\\0' "$tool"
printf '${SEARCH_MARKER}\\0' >&2
mkfifo "$tmp/listing" || exit 1
cat "$tmp/listing" >&2 &
if [ $# -eq 0 ]; then :
elif [ -n "$re" ]; then find "$@" -xdev -type f -regextype posix-extended -regex "$re" -printf "$fmt" 2>>"$tmp/err"
else find "$@" -xdev -type f -printf "$fmt" 2>>"$tmp/err"
fi | tee "$tmp/listing" | awk 'BEGIN { RS = "\\0"; ORS = "\\0" } !seen[$1]++ { print substr($0, index($0, " ") + 1) }' | sized | search
# The big files: those without a line longer than "$7" bytes are searched, the others listed in $tmp/long.
if [ -s "$tmp/big" ]; then
  xargs -0 -r sh -c 'n=$(($1 + 1)); long=$2; shift 2
    for f; do
      if [ -n "$(LC_ALL=C cut -b "$n" -- "$f" 2>/dev/null | tr -d "\\n" | head -c 1 | tr "\\0" x)" ]; then printf "%s\\0" "$f" >>"$long"; else printf "%s\\0" "$f"; fi
    done' sh "$max" "$tmp/long" <"$tmp/big" | search
fi
wait
printf '${LISTING_END}\\0' >&2
[ -f "$tmp/long" ] && cat "$tmp/long" >&2
printf '${LISTING_END}\\0' >&2
cat "$tmp/err" >&2
exit 0
`;

/** The script's arguments after the root. */
export function scriptArgs(tool: ScriptTool, query: SearchQuery, maxLineBytes: number, snapshots: string[]): string[] {
  return [
    typeof tool === 'string' ? tool : `rg:${tool.rg}`,
    query.regex ? 'regex' : 'fixed',
    query.ignoreCase ? 'i' : '',
    query.pattern,
    query.pathGlob ? `[^/]+/${globRegex(query.pathGlob)}` : '',
    String(maxLineBytes),
    ...snapshots,
  ];
}
