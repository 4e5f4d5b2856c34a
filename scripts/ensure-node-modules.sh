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
npm_log="$(mktemp)"
trap 'rm -f "$npm_log"' EXIT
if npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1; then
  tail -n 1 "$npm_log"
elif grep -q 'EUSAGE' "$npm_log" && grep -q 'Missing: .* from lock file' "$npm_log"; then
  # npm ci insists that the lock file lists every platform's optional binary package; the registry
  # reached here serves only some of them (msgpackr-extract's darwin/win32 builds answer 404), so
  # npm never records the others and npm ci refuses the lock. npm install --no-save installs from
  # the same lock and leaves package.json and package-lock.json as they are.
  say "npm ci refused package-lock.json ($(grep -c 'Missing: ' "$npm_log") optional platform packages not in it); running npm install --no-save from the same lock"
  npm install --no-save --no-audit --no-fund --loglevel=error
else
  cat "$npm_log" >&2
  say "npm ci failed (output above)" >&2
  exit 1
fi
