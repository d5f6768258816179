#!/usr/bin/env bash
# floe's main job on a fresh Debian 12 machine, as root: installs what is needed, builds floe
# (release preset) and runs the lab demos of the reference topologies:
#   1. lab/demo.sh: the one-armed static-route topology (reference 1) with a standalone
#      floe-se, then a legacy HA pair and a failover;
#   2. lab/routing-demo.sh: the two-armed topology (reference 2): the HA pair as the back-end
#      servers' default gateway, client addresses preserved, a failover; then BGP with BFD
#      to an FRR router that follows the new active SE;
#   3. lab/controller-demo.sh: the one-armed topology driven the way a network engineer does
#      it: floe-controller, the reference's CLI transcript typed into `floe shell`, and
#      floe-se managed by the controller carrying the traffic.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh: run as root (it installs packages and builds network namespaces)" >&2
  exit 1
fi

./scripts/install-deps.sh
export FLOE_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target floe-se floe-controller floe
export FLOE_SE=$PWD/build/release/apps/floe-se
export FLOE_CONTROLLER_BIN=$PWD/build/release/apps/floe-controller
export FLOE_CLI=$PWD/build/release/apps/floe
./lab/demo.sh "$@"
printf '\n'
./lab/routing-demo.sh "$@"
printf '\n'
./lab/controller-demo.sh
