#!/bin/bash
# Buildbot and bb on the same work, taking turns, in one run: ROUNDS rounds, each one Buildbot
# round (N changes x 4 builders through bench/buildbot/master.cfg) and then BB_RUNS runs of bb's
# `node dist/bench/pipeline.js` with the same shape. Prints every figure and the ratio of the
# medians. Needs Debian's buildbot and buildbot-worker (see README, "The same work on Buildbot,
# side by side") and a build of bb (`npm run build`).
#
#   bash bench/buildbot/compare.sh [ROUNDS] [N]     # defaults: 2 rounds, 200 changes
set -euo pipefail
ROUNDS=${1:-2}
N=${2:-200}
BB_RUNS=${BB_RUNS:-2}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
for tool in buildbot buildbot-worker; do
  command -v $tool >/dev/null || { echo "compare.sh: $tool is not installed (apt-get install --no-install-recommends buildbot buildbot-worker)" >&2; exit 2; }
done
[ -f "$ROOT/dist/bench/pipeline.js" ] || { echo "compare.sh: no build of bb: run npm run build first" >&2; exit 2; }
DIR=$(mktemp -d /tmp/bb-vs-buildbot.XXXXXX)
cleanup() {
  buildbot stop "$DIR/master" >/dev/null 2>&1 || true
  buildbot-worker stop "$DIR/worker" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
cd "$DIR"
buildbot create-master -r master >/dev/null
cp "$HERE/master.cfg" master/
buildbot start master >/dev/null
buildbot-worker create-worker worker 127.0.0.1:19989 w1 pass >/dev/null
buildbot-worker start worker >/dev/null

last_id() { $PY -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select coalesce(max(id),0) from builds').fetchone()[0])" master/state.sqlite; }
finished_after() { $PY -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from builds where id > ? and complete_at is not null', (int(sys.argv[2]),)).fetchone()[0])" master/state.sqlite "$1"; }
load() { cut -d' ' -f1 /proc/loadavg; }

BBOT=()
BB=()
for r in $(seq 1 "$ROUNDS"); do
  after=$(last_id)
  l0=$(load)
  $PY "$HERE/send.py" "$N" >/dev/null
  while [ "$(finished_after "$after")" -lt $((N * 4)) ]; do sleep 2; done
  fig=$($PY "$HERE/count.py" "$after" master/state.sqlite | sed -n 's/.*= \([0-9.]*\) builds\/s.*/\1/p')
  echo "round $r: Buildbot $fig builds/s ($(date -u +%H:%M:%S) UTC, load $l0 -> $(load))"
  BBOT+=("$fig")
  for i in $(seq 1 "$BB_RUNS"); do
    l0=$(load)
    out=$(cd "$ROOT" && BENCH_CHANGES=$N BENCH_BUILDSETS=$N BENCH_EXECUTORS=1 BENCH_SLOTS=4 BENCH_LATENCY=20 BENCH_COUNTED=0 node dist/bench/pipeline.js 2>&1)
    fig=$(sed -n 's/^build throughput: .* = \([0-9]*\) builds\/s.*/\1/p' <<<"$out")
    cpu=$(sed -n 's/^  CPU per build: \(.*\) (this bench.*/\1/p' <<<"$out")
    echo "round $r: bb $fig builds/s; CPU per build: $cpu ($(date -u +%H:%M:%S) UTC, load $l0 -> $(load))"
    BB+=("$fig")
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mb=$(median "${BBOT[@]}")
mbb=$(median "${BB[@]}")
echo "median: Buildbot $mb builds/s, bb $mbb builds/s: bb/Buildbot = $(awk -v a="$mbb" -v b="$mb" 'BEGIN {printf "%.1f", a / b}')x"
