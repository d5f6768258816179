#!/usr/bin/env bash
# floe's main job on a fresh Debian 12 machine, as root: installs what is needed, builds floe
# (release preset) and runs the lab demo of the one-armed static-route topology
# (lab/demo.sh): a network engineer's walk through floe carrying real traffic.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh: run as root (it installs packages and builds network namespaces)" >&2
  exit 1
fi

./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target floe-se
FLOE_SE=$PWD/build/release/apps/floe-se exec ./lab/demo.sh "$@"
