#!/usr/bin/env bash
# floe-se's BGP speaker against BIRD 2 (Debian's bird2), same lab, same run, alternating floe and
# BIRD per round (issue 10's benchmark; bench/README.md). The router 10.10.40.3 runs FRR with BFD
# 50/50/3 and one iBGP neighbour, the speaker at 10.10.40.12 (reference 2's addresses); BIRD runs
# in the SE's namespace with its own config, control socket and pid file under the lab directory
# (never the system service) and announces the same /32s as static routes. Figures (medians):
#   withdraw_sigkill_ms   SIGKILL of the speaker -> the VIP's /32 gone from the router's
#                         kernel table
#   withdraw_sigstop_ms   SIGSTOP (a frozen speaker: only BFD detects it) -> the same
#   establish_ms          process start -> Established at the router
#   1000_vips_establish_ms  process start -> Established, with 1,000 VIPs configured
#   1000_vips_all_ms      process start -> all 1,000 /32s in the router's kernel table
#   1000_vips_cpu_s       CPU seconds (utime+stime, 10 ms ticks) the speaker had used by then
#   1000_vips_cpu_ms      the same in ms from /proc/PID/task/*/schedstat (ns resolution)
#   one_vip_cpu_ms        the same with one VIP, from start to its route at the router
# One line per figure: `name floe=X bird=Y ratio=floe/bird`; lower is better for every figure.
# Never fails on timings; fails (and tears everything down) when a set-up does not work.
#
# usage: bench/bgp_vs_bird.sh [--rounds 5] [--vips 1000] [--only floe|bird] [--frr-coalesce-ms MS]
#                             [--json FILE]
#
# environment: FLOE_SE   floe-se binary (default build/release/apps/floe-se, else build/dev/…)
#              FLOE_LAB  lab name prefix (default "bench"; namespaces FLOE_LAB-bgp-*, rebuilt)
# Needs root, ip, nginx, frr, bird2, python3.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case ${1:-} in -h | --help)
    sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'
    exit 0 ;;
esac
[[ $(id -u) -eq 0 ]] || { echo "bgp_vs_bird: run as root" >&2; exit 1; }
for t in ip nginx vtysh bird python3; do
    command -v "$t" >/dev/null ||
        { echo "bgp_vs_bird: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
if [[ -z ${FLOE_SE:-} ]]; then
    for b in "$ROOT/build/release/apps/floe-se" "$ROOT/build/dev/apps/floe-se"; do
        [[ -x $b ]] && { export FLOE_SE=$b; break; }
    done
fi
export FLOE_SOURCE_DIR=$ROOT PYTHONDONTWRITEBYTECODE=1
exec python3 "$ROOT/bench/bgp_vs_bird.py" "$@"
