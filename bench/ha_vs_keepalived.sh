#!/usr/bin/env bash
# HA failover outages of floe's legacy active/standby pair against keepalived (VRRPv3, unicast
# peers) + HAProxy, in the one-armed lab, in the same run (issue 6; bench/README.md).
#
# Cases: sigkill (the active's load balancer killed), linkdown (the active's eth0 down), stop
# (clean shutdown), switchover (floe only: keepalived has no equivalent). Each case on each side
# gets a fresh lab; a probe in the client opens a new HTTP connection to the VIP every 10 ms and
# the outage is the longest gap. Prints floe's and keepalived's outage side by side and the ratio.
# Never fails on timings; fails (and tears everything down) when a set-up does not work.
#
# usage: bench/ha_vs_keepalived.sh [--interval-ms 50] [--count 3] [--rounds 1] [--duration 4]
#                                  [--cases sigkill,linkdown,stop,switchover] [--json FILE]
#
# environment: FLOE_SE   floe-se binary (default build/release/apps/floe-se, else build/dev/…)
#              FLOE_LAB  lab name (default "bench-ha"; the lab is rebuilt per case)
# Needs root, ip, nginx, haproxy, keepalived, curl, python3.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case ${1:-} in -h | --help)
    sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'
    exit 0 ;;
esac
[[ $(id -u) -eq 0 ]] || { echo "ha_vs_keepalived: run as root" >&2; exit 1; }
for t in ip nginx haproxy keepalived curl python3; do
    command -v "$t" >/dev/null || { echo "ha_vs_keepalived: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
if [[ -z ${FLOE_SE:-} ]]; then
    for b in "$ROOT/build/release/apps/floe-se" "$ROOT/build/dev/apps/floe-se"; do
        [[ -x $b ]] && { export FLOE_SE=$b; break; }
    done
fi
export FLOE_SOURCE_DIR=$ROOT PYTHONDONTWRITEBYTECODE=1
exec python3 "$ROOT/bench/ha_vs_keepalived.py" "$@"
