#!/usr/bin/env bash
# `npm test`: installs what the tests need, type-checks, runs every test with vitest, and closes
# with one line of counts of test cases:
#
#   N passed, N failed            (or)   N passed, N failed, N skipped
#
# It exits non-zero when a test failed, when no test ran, when the type check failed, or when the
# run did not finish. Arguments go to `vitest run`: `npm test -- test/unit` runs a subset,
# `npm test -- -t 'collapse'` filters by name.
#
# Environment:
#   BB_TEST_SKIP_INSTALL=1    skip scripts/install-test-deps.sh
#   BB_TEST_SKIP_TYPECHECK=1  skip the type check
#   BB_TEST_TIMEOUT=SECONDS   stop vitest after this long (default 3600; CI allows 90 minutes in all)
#   BB_LOG_LEVEL              bb's log level inside tests (default silent)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
unset npm_config_loglevel
# CI=true turns colours on in vitest's output; a log file reads better without escape codes.
if [ ! -t 1 ] && [ -z "${FORCE_COLOR:-}" ]; then export NO_COLOR=1; fi

say() { echo "test.sh: $*"; }
# Servers the tests kill on purpose (InspIRCd, Synapse) must not leave core files in the tree.
ulimit -c 0 2>/dev/null || true
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

t_all=$(now)
verdicts=()   # reasons to fail other than counted test cases

# The closing line, printed last whatever happened; then exit.
finish() {
  local passed=$1 failed=$2 skipped=$3 code=$4
  local v
  for v in "${verdicts[@]}"; do say "FAILED: $v"; done
  say "times: install ${t_install:-0} s, type check ${t_tsc:-0} s, build ${t_build:-0} s, vitest ${t_vitest:-0} s, total $(secs "$t_all" "$(now)") s"
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  exit "$code"
}

# 1. Dependencies.
t=$(now)
if [ "${BB_TEST_SKIP_INSTALL:-}" = 1 ]; then
  say "skipping install (BB_TEST_SKIP_INSTALL=1)"
elif ! bash scripts/install-test-deps.sh </dev/null; then
  t_install=$(secs "$t" "$(now)")
  verdicts+=("installing test dependencies (scripts/install-test-deps.sh); no test ran")
  finish 0 0 0 1
fi
t_install=$(secs "$t" "$(now)")

if [ ! -x node_modules/.bin/vitest ] || [ ! -x node_modules/.bin/tsc ]; then
  verdicts+=("node_modules/.bin has no vitest or tsc: run npm ci; no test ran")
  finish 0 0 0 1
fi

# 2. Type check (tsconfig.json has noEmit). Local binaries, never npx: a missing one must not be
#    fetched from the registry under another package's name.
t=$(now)
if [ "${BB_TEST_SKIP_TYPECHECK:-}" = 1 ]; then
  say "skipping type check (BB_TEST_SKIP_TYPECHECK=1)"
else
  say "type check: tsc -p tsconfig.json"
  if node_modules/.bin/tsc -p tsconfig.json </dev/null; then
    say "type check: no errors"
  else
    # The tests still run, so one CI run shows both.
    verdicts+=("type check (tsc -p tsconfig.json reported errors, above)")
  fi
fi
t_tsc=$(secs "$t" "$(now)")

# 3. Build: the tests that spawn `bb` processes (bin/bb.js) and the benchmarks' tiny runs use the
#    compiled JavaScript in dist/, so it is made from the sources as they are now (incremental).
t=$(now)
say "build: tsc -p tsconfig.build.json (to dist/)"
if node_modules/.bin/tsc -p tsconfig.build.json </dev/null >/dev/null; then
  say "build: done"
elif [ -f dist/src/cli/main.js ]; then
  # The type check above already printed the errors; tsc still wrote the JavaScript.
  say "build: tsc reported errors (see the type check); dist/ was still written"
else
  verdicts+=("build (tsc -p tsconfig.build.json wrote no dist/src/cli/main.js); no test ran")
  finish 0 0 0 1
fi
export BB_TEST_BUILT=1
t_build=$(secs "$t" "$(now)")

# 4. Tests. test/reporter.ts (named in vitest.config.ts) writes the counts to $BB_TEST_SUMMARY after
#    every test file and at the end of the run.
summary="$(mktemp "${TMPDIR:-/tmp}/bb-test-summary.XXXXXX")"
rm -f "$summary"
trap 'rm -f "$summary" "$summary.part" "$summary.timeout"' EXIT
limit="${BB_TEST_TIMEOUT:-3600}"
timed_out="$summary.timeout"
t=$(now)
say "vitest run $*"
# vitest gets a process group of its own (setsid), so that a timeout or Ctrl-C reaches its workers
# too, and whatever the tests leave running (servers, masters, executors) is stopped afterwards.
BB_TEST_SUMMARY="$summary" setsid node_modules/.bin/vitest run "$@" </dev/null &
vpid=$!
# Ctrl-C or a TERM to this script stops the tests (vitest handles TERM by closing its workers), and
# the counts so far still get printed.
trap 'interrupted=1; kill -TERM -- "-$vpid" 2>/dev/null' INT TERM HUP
BB_VPID="$vpid" BB_LIMIT="$limit" BB_MARK="$timed_out" setsid bash -c '
  sleep "$BB_LIMIT"
  : >"$BB_MARK"
  kill -TERM -- "-$BB_VPID" 2>/dev/null
  sleep 60
  kill -KILL -- "-$BB_VPID" 2>/dev/null
' </dev/null >/dev/null 2>&1 &
watchdog=$!
rc=0
wait "$vpid" || rc=$?
# A trapped signal ends the first wait early; wait again for vitest's own exit code.
while kill -0 "$vpid" 2>/dev/null; do rc=0; wait "$vpid" || rc=$?; done
trap - INT TERM HUP
kill -- "-$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
if [ -e "$timed_out" ]; then rc=124; rm -f "$timed_out"; fi
leftover="$(ps -eo pgid=,args= 2>/dev/null | awk -v g="$vpid" '$1 == g && $2 !~ /^\[/ { $1 = ""; print substr($0, 2, 60) }' || true)"
if [ -n "$leftover" ]; then
  say "stopping $(printf '%s\n' "$leftover" | wc -l) process(es) the tests left running:"
  printf '%s\n' "$leftover" | head -n 20 | sed 's/^/  /'
fi
kill -KILL -- "-$vpid" 2>/dev/null
t_vitest=$(secs "$t" "$(now)")

if [ ! -s "$summary" ]; then
  if [ "$rc" -eq 124 ]; then
    verdicts+=("vitest was stopped after ${limit} s (BB_TEST_TIMEOUT) before any test file finished")
  elif [ -n "${interrupted:-}" ]; then
    verdicts+=("interrupted before any test file finished")
  else
    verdicts+=("vitest exited with code $rc and reported no test (no test file matched, or the config failed to load)")
  fi
  finish 0 0 0 1
fi

# passed failed skipped final, then one line per failure that is not a test case.
mapfile -t fields < <(node -e '
  const s = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(s.passed); console.log(s.failed); console.log(s.skipped); console.log(s.final ? 1 : 0);
  for (const o of s.otherFailures) console.log(o.replace(/\s+/g, " ").slice(0, 300));
' "$summary")
passed=${fields[0]:-0} failed=${fields[1]:-0} skipped=${fields[2]:-0} final=${fields[3]:-0}
for other in "${fields[@]:4}"; do say "counted as failed: $other"; done

code=0
if [ "$final" != 1 ]; then
  if [ "$rc" -eq 124 ]; then
    verdicts+=("vitest was stopped after ${limit} s (BB_TEST_TIMEOUT); counts are of the test files that finished")
  elif [ -n "${interrupted:-}" ]; then
    verdicts+=("interrupted; counts are of the test files that finished")
  else
    verdicts+=("vitest ended (code $rc) before the run finished; counts are of the test files that finished")
  fi
  code=1
fi
if [ "$final" = 1 ] && [ -n "${interrupted:-}" ]; then
  verdicts+=("interrupted")
fi
if [ "$failed" -gt 0 ]; then code=1; fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  verdicts+=("no test ran")
  code=1
fi
if [ "$rc" -ne 0 ] && [ "$code" -eq 0 ]; then
  verdicts+=("vitest exited with code $rc although no test failed")
  code=$rc
fi
if [ ${#verdicts[@]} -gt 0 ]; then code=1; fi
finish "$passed" "$failed" "$skipped" "$code"
