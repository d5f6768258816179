#!/usr/bin/env bash
# preserve_client_ip against SNAT against HAProxy `source 0.0.0.0 usesrc clientip`, in the
# two-armed lab (lab/two-armed.sh), same run, same SE namespace (issue 9; bench/README.md).
#
#   floe preserve: floe-se se1 (enable_routing), virtual service vs1 on VIP 10.10.40.100 with an
#                  L4 profile with preserve_client_ip (servers see the client 198.51.100.10);
#   floe SNAT:     the same floe-se, virtual service vs-snat on VIP 10.10.40.101 with snat_ip
#                  10.10.10.200 (servers see the SNAT IP);
#   haproxy:       floe stopped; HAProxy `mode tcp`, `balance roundrobin`, `source 0.0.0.0
#                  usesrc clientip` in the same namespace, with the same host set-up made by
#                  hand: floating IPs 10.10.40.11 and 10.10.10.11, VIP 10.10.40.100, default
#                  route via 10.10.40.3, forwarding on eth0/eth1, and floe's return-path
#                  recipe (nft `socket transparent` mark, fwmark rule, local route in table 199).
# floe runs with --workers 1, HAProxy with nbthread 1. Load: `wrk -t 1 -c C -d S` from the
# client against each VIP, once with keep-alive and once with `Connection: close` (one TCP
# connection to the server per request: the path preserve_client_ip changes). Prints req/s of
# the three and floe preserve / haproxy. Never fails on figures; fails (tearing everything
# down) when a set-up does not work.
#
# usage: bench/preserve_client_ip.sh [--connections 50] [--seconds 5]
#
# environment: FLOE_SE   floe-se binary (default build/release/apps/floe-se, else build/dev/…)
#              FLOE_LAB  lab name (default "bench-pc")
# Needs root, ip, nginx, haproxy, wrk, nft, curl, python3.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() { sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'; }
CONNECTIONS=50 SECS=5
while [[ $# -gt 0 ]]; do
    case $1 in
        --connections) CONNECTIONS=$2; shift 2 ;;
        --seconds) SECS=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
for v in "$CONNECTIONS" "$SECS"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "preserve_client_ip: '$v' is not a positive integer" >&2; exit 2; }
done
[[ $(id -u) -eq 0 ]] || { echo "preserve_client_ip: run as root" >&2; exit 1; }
for t in ip nginx haproxy wrk nft curl python3; do
    command -v "$t" >/dev/null || { echo "preserve_client_ip: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
if [[ -z ${FLOE_SE:-} ]]; then
    for b in "$ROOT/build/release/apps/floe-se" "$ROOT/build/dev/apps/floe-se"; do
        [[ -x $b ]] && { FLOE_SE=$b; break; }
    done
fi
[[ -x ${FLOE_SE:-} ]] || { echo "preserve_client_ip: no floe-se binary (set FLOE_SE)" >&2; exit 1; }
export FLOE_LAB=${FLOE_LAB:-bench-pc}
LAB=$ROOT/lab/two-armed.sh
DIR=$("$LAB" dir)
ns() { printf '%s-%s' "$FLOE_LAB" "$1"; }
SE=$(ns se1)
FLOE_PID="" HAPROXY_PID=""

cleanup() {
    local rc=$?
    if [[ -n $FLOE_PID ]] && kill -0 "$FLOE_PID" 2>/dev/null; then
        kill -TERM "$FLOE_PID" 2>/dev/null || true
        wait "$FLOE_PID" 2>/dev/null || true
    fi
    if [[ -n $HAPROXY_PID ]] && kill -0 "$HAPROXY_PID" 2>/dev/null; then
        kill -TERM "$HAPROXY_PID" 2>/dev/null || true
        wait "$HAPROXY_PID" 2>/dev/null || true
    fi
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
doc["applicationprofile"] = [{"name": "l4-keep-ip", "type": "APPLICATION_PROFILE_TYPE_L4",
                              "preserve_client_ip": True}]
vs1 = doc["virtualservice"][0]
vs1["application_profile_ref"] = "l4-keep-ip"
doc["virtualservice"].append(dict(vs1, name="vs-snat",
                                  vip=[{"vip_id": "1", "ip_address": "10.10.40.101"}],
                                  snat_ip=["10.10.10.200"],
                                  application_profile_ref="System-L4-Application"))
json.dump(doc, open(sys.argv[2], "w"), indent=2)
EOF

reachable() {
    local i
    for i in $(seq 1 100); do
        ip netns exec "$(ns client)" curl -s -f -m 1 -o /dev/null "http://$1/" && return 0
        sleep 0.1
    done
    echo "preserve_client_ip: the client does not reach $1 ($2)" >&2
    return 1
}

# measure VIP MODE: req/s of wrk against the VIP (MODE keepalive or close), after a warm-up.
measure() {
    local extra=()
    [[ $2 == close ]] && extra=(-H "Connection: close")
    ip netns exec "$(ns client)" wrk -t 1 -c "$CONNECTIONS" -d 1s "${extra[@]}" "http://$1/" >/dev/null
    ip netns exec "$(ns client)" wrk -t 1 -c "$CONNECTIONS" -d "${SECS}s" "${extra[@]}" "http://$1/" |
        awk '/^Requests\/sec:/ {print $2}'
}

# The servers' view: the source address nginx logged for the last request.
last_source() { tail -n 1 "$DIR/$1/access.log" | awk '{print $1}'; }

declare -A RPS
mkdir -p "$DIR/run"
ip netns exec "$SE" "$FLOE_SE" --name se1 --config "$DIR/bench.json" --run-dir "$DIR/run" \
    --workers 1 >>"$DIR/floe-se.log" 2>&1 &
FLOE_PID=$!
reachable 10.10.40.100 "floe preserve_client_ip"
reachable 10.10.40.101 "floe SNAT"
for mode in keepalive close; do
    RPS[floe-preserve-$mode]=$(measure 10.10.40.100 "$mode")
    echo "floe preserve_client_ip, $mode: ${RPS[floe-preserve-$mode]} req/s (servers see $(last_source srv1))"
    RPS[floe-snat-$mode]=$(measure 10.10.40.101 "$mode")
    echo "floe SNAT, $mode: ${RPS[floe-snat-$mode]} req/s (servers see $(last_source srv1))"
done
kill -TERM "$FLOE_PID"
wait "$FLOE_PID" || true
FLOE_PID=""

# HAProxy on the same namespace, with the host set-up floe made, by hand.
ip -n "$SE" addr add 10.10.40.11/24 dev eth0
ip -n "$SE" addr add 10.10.40.100/24 dev eth0
ip -n "$SE" addr add 10.10.10.11/24 dev eth1
ip -n "$SE" route add default via 10.10.40.3
ip netns exec "$SE" sysctl -qw net.ipv4.conf.eth0.forwarding=1 net.ipv4.conf.eth1.forwarding=1
ip netns exec "$SE" nft -f - <<'EOF'
table inet floe {
  chain divert {
    type filter hook prerouting priority mangle; policy accept;
    meta l4proto tcp socket transparent 1 meta mark set meta mark or 0x10000000
  }
}
EOF
ip -n "$SE" rule add fwmark 0x10000000/0x10000000 lookup 199 pref 199
ip -n "$SE" route add local 0.0.0.0/0 dev lo table 199
cat >"$DIR/haproxy.cfg" <<'EOF'
global
    nbthread 1
    maxconn 5000
defaults
    mode tcp
    timeout connect 3s
    timeout client 600s
    timeout server 600s
frontend vip
    bind 10.10.40.100:80
    default_backend web
backend web
    balance roundrobin
    source 0.0.0.0 usesrc clientip
    server srv1 10.10.10.21:80
    server srv2 10.10.10.22:80
EOF
ip netns exec "$SE" haproxy -W -db -f "$DIR/haproxy.cfg" >>"$DIR/haproxy.log" 2>&1 &
HAPROXY_PID=$!
reachable 10.10.40.100 "HAProxy usesrc clientip" || { tail -n 20 "$DIR/haproxy.log" >&2; exit 1; }
for mode in keepalive close; do
    RPS[haproxy-$mode]=$(measure 10.10.40.100 "$mode")
    echo "HAProxy usesrc clientip, $mode: ${RPS[haproxy-$mode]} req/s (servers see $(last_source srv1))"
done

echo
printf '%-10s %16s %12s %16s %20s\n' mode "floe preserve" "floe SNAT" "haproxy usesrc" "floe preserve/haproxy"
for mode in keepalive close; do
    printf '%-10s %16s %12s %16s %20s\n' "$mode" "${RPS[floe-preserve-$mode]}" "${RPS[floe-snat-$mode]}" \
        "${RPS[haproxy-$mode]}" \
        "$(python3 -c "print('%.2f' % (${RPS[floe-preserve-$mode]} / ${RPS[haproxy-$mode]}))")"
done
