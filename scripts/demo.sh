#!/usr/bin/env bash
# `npm run demo`: bb on this machine, from a fresh clone. Installs the npm dependencies when they
# are missing, compiles the sources to dist/ (tsc; quick when nothing changed), then runs `bb demo` (a private redis-server, a master, an executor, a sample
# repository and a chat shell). Arguments go to `bb demo` (see `node bin/bb.js demo --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-node-modules.sh >&2
node_modules/.bin/tsc -p tsconfig.build.json >&2
exec node bin/bb.js demo "$@"
