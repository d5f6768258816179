#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what is needed, builds
# (dev, asan and fuzz presets) and runs unit tests, lab end-to-end tests and fuzz smoke runs.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

jobs=$(nproc)
echo "== build: dev"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
echo "== test: dev (unit + lab)"
ctest --preset dev -j 1
