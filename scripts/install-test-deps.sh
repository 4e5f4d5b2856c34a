#!/usr/bin/env bash
# Installs what bb's tests need, and nothing when it is all there already (a second run takes about
# a second). Called by scripts/test.sh (`npm test`); safe to run by hand.
#
#   1. Debian packages whose programs the tests start: redis-server (also run as `redis-server
#      --sentinel` by the Sentinel test), inspircd, atheme-services, git, chromium (the web pages'
#      browser tests drive it with playwright-core), iproute2 (`ip netns`: executors on other hosts)
#      (`apt-get update` once, then `apt-get install -y --no-install-recommends`; as root, or through
#      sudo; otherwise it prints the command to run and exits 1).
#   2. node_modules: `npm ci` when node_modules is missing or older than package-lock.json.
#   3. Synapse (Matrix tests): a venv under .cache/synapse-venv with matrix-synapse
#      (scripts/setup-synapse.sh, which pins the version).
#
# Each step prints one line saying what it does, and how long it took.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Whatever npm passed down to `npm test` (say --silent) must not silence npm ci's errors.
unset npm_config_loglevel

say() { echo "install-test-deps: $*"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

t_all=$(now)
declare -A took=()
worked=0
# After a step: its time; a line of its own only when the step installed something.
step_end() {
  took[$1]=$(secs "$2" "$(now)")
  if [ "$worked" = 1 ]; then say "$1: done in ${took[$1]} s"; fi
  worked=0
}

# ---------------------------------------------------------------------------------------------
# 1. Debian packages: "program package" pairs. A program counts as present when it is on PATH or
#    in one of the sbin folders (inspircd lives in /usr/sbin, which a non-root PATH may lack).
DEBIAN_NEEDS=(
  "redis-server redis-server"
  "inspircd inspircd"
  "atheme-services atheme-services"
  "git git"
  "chromium chromium"
  "ip iproute2"
)

have_program() {
  command -v "$1" >/dev/null 2>&1 && return 0
  local d
  for d in /usr/sbin /sbin /usr/local/sbin; do [ -x "$d/$1" ] && return 0; done
  return 1
}

t=$(now)
missing=()
for pair in "${DEBIAN_NEEDS[@]}"; do
  read -r prog pkg <<<"$pair"
  have_program "$prog" || missing+=("$pkg")
done
# `python3 -m venv` needs venv and ensurepip; Debian's own python3 ships them separately.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=("python3-venv")
fi

if [ ${#missing[@]} -eq 0 ]; then
  say "apt: nothing to install (redis-server, inspircd, atheme-services, git present)"
else
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    say "missing Debian packages: ${missing[*]}" >&2
    say "install them as root, then run again:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  say "apt: installing ${missing[*]} (apt-get update, then apt-get install)"
  worked=1
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp)"
  if ! "${SUDO[@]}" apt-get update -q >"$apt_log" 2>&1 \
    || ! "${SUDO[@]}" apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; then
    tail -n 40 "$apt_log" >&2
    rm -f "$apt_log"
    say "apt-get failed (last lines above)" >&2
    exit 1
  fi
  rm -f "$apt_log"
  for pair in "${DEBIAN_NEEDS[@]}"; do
    read -r prog pkg <<<"$pair"
    have_program "$prog" || { say "apt: $pkg installed but '$prog' is still not found" >&2; exit 1; }
  done
fi
step_end apt "$t"

# ---------------------------------------------------------------------------------------------
# 2. node_modules. npm ci writes node_modules/.package-lock.json; when package-lock.json is newer,
#    the tree is stale.
t=$(now)
bash scripts/ensure-node-modules.sh
step_end npm "$t"

# ---------------------------------------------------------------------------------------------
# 3. Synapse in .cache/synapse-venv.
t=$(now)
VENV="$ROOT/.cache/synapse-venv"
if [ -f scripts/setup-synapse.sh ]; then
  # It pins the version, checks it first and returns at once when it is installed; it prints its
  # own line for each thing it does, with the time taken.
  bash scripts/setup-synapse.sh
elif [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import synapse' >/dev/null 2>&1; then
  say "synapse: matrix-synapse already installed in $VENV"
else
  say "synapse: creating $VENV and running pip install matrix-synapse"
  worked=1
  mkdir -p "$ROOT/.cache"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  # Machine-level pip configs may name local indexes that do not exist; hide only those warnings.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check matrix-synapse 2>&1 \
    | sed -u "/^WARNING: Location 'file:.*is ignored/d"
  "$VENV/bin/python" -c 'import synapse'
fi
step_end synapse "$t"

say "ready in $(secs "$t_all" "$(now)") s (apt ${took[apt]} s, npm ${took[npm]} s, synapse ${took[synapse]} s)"
