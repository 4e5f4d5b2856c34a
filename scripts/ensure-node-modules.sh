#!/usr/bin/env bash
# Makes node_modules match package-lock.json: `npm ci` when node_modules is missing or older than
# the lock, nothing otherwise. Used by `npm test` (scripts/install-test-deps.sh) and `npm run demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
unset npm_config_loglevel
say() { echo "npm: $*"; }

stamp=node_modules/.package-lock.json
if [ -d node_modules ] && [ -f "$stamp" ] && [ ! package-lock.json -nt "$stamp" ]; then
  say "node_modules is up to date with package-lock.json"
  exit 0
fi
if [ ! -d node_modules ]; then why="node_modules is missing"; else why="node_modules is older than package-lock.json"; fi
say "running npm ci ($why)"
if ! npm ci --no-audit --no-fund --loglevel=error; then
  say "npm ci failed (output above)" >&2
  exit 1
fi
