#!/usr/bin/env bash
# Routed throughput through floe's active SE against a plain Linux router, in the two-armed lab
# (lab/two-armed.sh), in the same run (issue 9; bench/README.md).
#
# The path is the same for both: iperf3 client in the client namespace -> router (static route
# 10.10.10.0/24 via 10.10.40.11) -> the SE's front-end floating IP -> back-end -> iperf3 server
# on srv1 (10.10.10.21), whose default gateway is the floating IP 10.10.10.11.
#   floe:  floe-se se1 with enable_routing (it adds the floating IPs and turns on forwarding
#          on its data interfaces);
#   linux: floe stopped; the se2 namespace, a plain Linux router, gets the same two addresses
#          and the default route via 10.10.40.3 by hand, and net.ipv4.ip_forward=1; the
#          neighbour caches are flushed.
# Each side runs `iperf3 -P STREAMS -t SECONDS` ROUNDS times, alternating (floe, linux, floe,
# ...); the best round of each counts. Prints both figures in Gbit/s and floe/linux. Never
# fails on figures; fails (and tears everything down) when a set-up does not work.
#
# usage: bench/routing_vs_linux.sh [--streams 4] [--seconds 5] [--rounds 2]
#
# environment: FLOE_SE   floe-se binary (default build/release/apps/floe-se, else build/dev/…)
#              FLOE_LAB  lab name (default "bench-rt")
# Needs root, ip, nginx, iperf3, curl, python3.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() { sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'; }
STREAMS=4 SECONDS_=5 ROUNDS=2
while [[ $# -gt 0 ]]; do
    case $1 in
        --streams) STREAMS=$2; shift 2 ;;
        --seconds) SECONDS_=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
for v in "$STREAMS" "$SECONDS_" "$ROUNDS"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "routing_vs_linux: '$v' is not a positive integer" >&2; exit 2; }
done
[[ $(id -u) -eq 0 ]] || { echo "routing_vs_linux: run as root" >&2; exit 1; }
for t in ip nginx iperf3 curl python3; do
    command -v "$t" >/dev/null || { echo "routing_vs_linux: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
if [[ -z ${FLOE_SE:-} ]]; then
    for b in "$ROOT/build/release/apps/floe-se" "$ROOT/build/dev/apps/floe-se"; do
        [[ -x $b ]] && { FLOE_SE=$b; break; }
    done
fi
[[ -x ${FLOE_SE:-} ]] || { echo "routing_vs_linux: no floe-se binary (set FLOE_SE)" >&2; exit 1; }
export FLOE_LAB=${FLOE_LAB:-bench-rt}
LAB=$ROOT/lab/two-armed.sh
DIR=$("$LAB" dir)
ns() { printf '%s-%s' "$FLOE_LAB" "$1"; }
FLOE_PID=""

cleanup() {
    local rc=$?
    if [[ -n $FLOE_PID ]] && kill -0 "$FLOE_PID" 2>/dev/null; then
        kill -TERM "$FLOE_PID" 2>/dev/null || true
        wait "$FLOE_PID" 2>/dev/null || true
    fi
    [[ -f $DIR/iperf3.pid ]] && kill "$(cat "$DIR/iperf3.pid")" 2>/dev/null || true
    "$LAB" down >/dev/null 2>&1 || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$LAB" down >/dev/null 2>&1 || true
"$LAB" up >/dev/null
python3 - "$ROOT/lab/two-armed/floe.json" "$DIR/bench.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["serviceengine"] = [e for e in doc["serviceengine"] if e["name"] == "se1"]
json.dump(doc, open(sys.argv[2], "w"), indent=2)
EOF
ip netns exec "$(ns srv1)" iperf3 -s -B 10.10.10.21 -D --pidfile "$DIR/iperf3.pid"

reachable() {
    local i
    for i in $(seq 1 100); do
        ip netns exec "$(ns client)" curl -s -f -m 1 -o /dev/null http://10.10.10.21/ && return 0
        sleep 0.1
    done
    echo "routing_vs_linux: the client does not reach 10.10.10.21 through $1" >&2
    return 1
}

# Gbit/s received by the server, summed over the streams.
measure() {
    ip netns exec "$(ns client)" iperf3 -c 10.10.10.21 -P "$STREAMS" -t "$SECONDS_" -J |
        python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

floe_up() {
    mkdir -p "$DIR/run"
    ip netns exec "$(ns se1)" "$FLOE_SE" --name se1 --config "$DIR/bench.json" \
        --run-dir "$DIR/run" >>"$DIR/floe-se.log" 2>&1 &
    FLOE_PID=$!
    reachable floe
}

floe_down() {
    kill -TERM "$FLOE_PID"
    wait "$FLOE_PID" || true
    FLOE_PID=""
}

linux_up() {
    local r=$(ns se2)
    ip -n "$r" addr add 10.10.40.11/24 dev eth0
    ip -n "$r" addr add 10.10.10.11/24 dev eth1
    ip -n "$r" route add default via 10.10.40.3  # floe's vrfcontext static route, by hand
    ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$(ns router)" neigh flush all
    ip -n "$(ns srv1)" neigh flush all
    reachable "the Linux router"
}

linux_down() {
    local r=$(ns se2)
    ip -n "$r" addr del 10.10.40.11/24 dev eth0
    ip -n "$r" addr del 10.10.10.11/24 dev eth1
    ip -n "$r" route del default via 10.10.40.3
    ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=0
    ip -n "$(ns router)" neigh flush all
    ip -n "$(ns srv1)" neigh flush all
}

best_floe=0 best_linux=0
for round in $(seq 1 "$ROUNDS"); do
    floe_up
    f=$(measure)
    floe_down
    linux_up
    l=$(measure)
    linux_down
    echo "round $round: floe $f Gbit/s, linux $l Gbit/s"
    best_floe=$(python3 -c "print(max($best_floe, $f))")
    best_linux=$(python3 -c "print(max($best_linux, $l))")
done
echo "iperf3 TCP, $STREAMS streams, ${SECONDS_} s, best of $ROUNDS: floe (active SE, enable_routing) $best_floe Gbit/s, plain Linux router $best_linux Gbit/s"
python3 -c "print('floe/linux = %.2f' % ($best_floe / $best_linux))"
