#!/usr/bin/env bash
# What a newcomer does, before you push: clone this repository's committed HEAD into a temp dir and run the README's
# `npm test` alone there (no node_modules, no .vscode-test/, VSCODE_TEST_CACHE unset, nothing run before).
# Prints npm test's per-suite times and its last line, "N passed, N failed"; exits with npm test's status.
# usage: npm run check:fresh [-- --keep]   (--keep leaves the clone for a look; TEST_SUITE_ORDER=reverse is passed on)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "[fresh] note: uncommitted changes are not in the clone; commit them to check them"
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/rsync-snapshots-fresh-XXXXXX")
git clone --quiet --no-hardlinks "$repo" "$dir/rsync-snapshots" || exit 1
echo "[fresh] $(git -C "$dir/rsync-snapshots" log -1 --format='%h %s') in $dir/rsync-snapshots"
log="$dir/npm-test.log"
# A newcomer's shell: no VSCODE_TEST_CACHE, and none of the npm_* variables of an outer `npm run check:fresh`.
(
  unset VSCODE_TEST_CACHE
  for v in $(compgen -e | grep -i '^npm_'); do unset "$v"; done
  cd "$dir/rsync-snapshots" && npm test 2>&1
) | tee "$log"
status=${PIPESTATUS[0]}
echo
echo "[fresh] summary of npm test in a fresh clone:"
grep -E '^\[time\]|^\[[a-z]+\] [0-9]+ passed' "$log"
tail -1 "$log"
if $keep; then echo "[fresh] kept: $dir"; else rm -rf "$dir"; fi
exit "$status"
