#!/usr/bin/env bash
# Installs a Synapse homeserver into .cache/synapse-venv for the Matrix integration tests.
# Idempotent: does nothing when the venv already imports synapse at the pinned version.
# Override the interpreter with PYTHON=/path/to/python3 (Synapse needs Python >= 3.10).
set -euo pipefail

SYNAPSE_VERSION="${SYNAPSE_VERSION:-1.163.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.cache/synapse-venv"
PYTHON="${PYTHON:-python3}"
started=$(date +%s)

installed_version() {
  "$VENV/bin/python" -c 'import synapse, importlib.metadata as m; print(m.version("matrix-synapse"))' 2>/dev/null || true
}

if [ "$(installed_version)" = "$SYNAPSE_VERSION" ]; then
  echo "setup-synapse: matrix-synapse $SYNAPSE_VERSION already installed in $VENV (0 s)"
  exit 0
fi

if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "setup-synapse: $PYTHON is older than 3.10; Synapse $SYNAPSE_VERSION needs >= 3.10" >&2
  exit 1
fi

mkdir -p "$ROOT/.cache"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup-synapse: creating venv $VENV"
  "$PYTHON" -m venv "$VENV"
fi

echo "setup-synapse: installing matrix-synapse==$SYNAPSE_VERSION"
# Machine-level pip configs may name extra local indexes that do not exist; hide only those warnings.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "matrix-synapse==$SYNAPSE_VERSION" 2>&1 \
  | sed -u "/^WARNING: Location 'file:.*is ignored/d"

got="$(installed_version)"
if [ "$got" != "$SYNAPSE_VERSION" ]; then
  echo "setup-synapse: install finished but 'import synapse' reports '$got'" >&2
  exit 1
fi
echo "setup-synapse: matrix-synapse $got ready in $(( $(date +%s) - started )) s"
