#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what is needed, then
#   1. builds the fuzz targets (clang-14, libFuzzer) and runs each for a short smoke run,
#   2. builds with ASan+UBSan and runs the unit tests,
#   3. builds the proxy and SE unit tests with ThreadSanitizer and runs them,
#   4. builds the dev preset, runs clang-tidy on src/ and apps/ (.clang-tidy: warnings are
#      errors), builds the Debian packages, installs, verifies and purges them
#      (scripts/package-test.sh), then runs every test: unit and lab (network namespaces, real nginx servers,
#      floe-se carrying traffic). ctest's summary closes the output.
# Compiles go through ccache (kept in ~/.cache/ccache across runs on the same machine); the
# cache is keyed on paths relative to the tree, so fresh clones in other folders hit it too.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "test.sh: run as root (it installs packages and builds network namespaces)" >&2
  exit 1
fi

./scripts/install-deps.sh

jobs=$(nproc)
export FLOE_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
ccache --zero-stats >/dev/null
fuzz_seconds=${FLOE_FUZZ_SECONDS:-15}

section() { printf '\n== %s\n' "$*"; }

section "build: fuzz (clang-14, libFuzzer)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target fuzz_all

section "fuzz smoke: ${fuzz_seconds}s per target, ${jobs} at a time"
fuzz_one() {  # fuzz_one TARGET LOG: runs one target on a copy of its seed corpus
  local target=$1 log=$2 name work status
  name=$(basename "$target")
  work=$(mktemp -d)
  [[ -d fuzz/corpus/${name#fuzz_} ]] && cp -r "fuzz/corpus/${name#fuzz_}"/. "$work"/
  "$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$work" >"$log" 2>&1
  status=$?
  rm -rf "$work"
  return $status
}
fuzz_logs=$(mktemp -d)
declare -A fuzz_pids=()
fuzz_failed=()
fuzz_reap() {  # waits for one running target; records a failure
  local pid name
  wait -n -p pid "${!fuzz_pids[@]}" && return 0
  name=${fuzz_pids[$pid]:-?}
  fuzz_failed+=("$name")
}
for target in build/fuzz/fuzz/fuzz_*; do
  [[ -x $target ]] || continue
  while ((${#fuzz_pids[@]} >= jobs)); do
    fuzz_reap || true
    for p in "${!fuzz_pids[@]}"; do kill -0 "$p" 2>/dev/null || unset "fuzz_pids[$p]"; done
  done
  name=$(basename "$target")
  fuzz_one "$target" "$fuzz_logs/$name.log" &
  fuzz_pids[$!]=$name
done
while ((${#fuzz_pids[@]} > 0)); do
  fuzz_reap || true
  for p in "${!fuzz_pids[@]}"; do kill -0 "$p" 2>/dev/null || unset "fuzz_pids[$p]"; done
done
for log in "$fuzz_logs"/*.log; do
  echo "-- $(basename "$log" .log)"
  grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE|==[0-9]+==ERROR|SUMMARY)' "$log" || true
done
if ((${#fuzz_failed[@]} > 0)); then
  for name in "${fuzz_failed[@]}"; do
    echo "fuzz target $name failed: reproduce with build/fuzz/fuzz/$name (log below)" >&2
    tail -40 "$fuzz_logs/$name.log" >&2
  done
  exit 1
fi
rm -rf "$fuzz_logs"

section "build: asan (ASan + UBSan)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
section "test: asan (unit tests)"
ctest --preset asan -j "$jobs"

section "build: tsan (proxy and SE unit tests)"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target floe_proxy_tests floe_se_tests
section "test: tsan (proxy and SE unit tests)"
for t in build/tsan/tests/unit/proxy/floe_proxy_tests build/tsan/tests/unit/se/floe_se_tests; do
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$t" --gtest_brief=1
done

section "build: dev"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
section "lint: clang-tidy (warnings are errors)"
run-clang-tidy-14 -p build/dev -quiet -j "$jobs" "$PWD/(src|apps)/" >build/dev/clang-tidy.log 2>&1 || {
  grep -E "(warning|error):" build/dev/clang-tidy.log | sort -u >&2
  echo "clang-tidy found problems (full log: build/dev/clang-tidy.log)" >&2
  exit 1
}
echo "clang-tidy: clean"
section "packages: build, install, verify, purge"
./scripts/package-test.sh

echo "ccache: $(ccache --show-stats 2>/dev/null | grep -E 'Hits|hit rate' | head -1 | tr -s ' ')"
section "test: dev (unit + lab)"
ctest --preset dev -j "$jobs"
