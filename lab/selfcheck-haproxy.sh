#!/usr/bin/env bash
# Self-check of the one-armed lab itself, independent of floe: builds the lab, plays the
# service engine by hand in se1 (floating IP on eth0, VIP and SNAT IP as /32 on a port-less
# bridge, default route via the router, HAProxy in TCP mode with SNAT source), and checks
# that the topology carries the traffic the way reference 1 describes. It proves the lab,
# not floe: it is no floe test and is not run by ctest. Tears everything down on exit.
#
# usage: lab/selfcheck-haproxy.sh        (FLOE_LAB defaults to "floecheck")
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
lab_require_root
lab_require_tools ip nginx haproxy curl

export FLOE_LAB=${FLOE_LAB:-floecheck}
LAB_DIR=$("$HERE/one-armed.sh" dir)
SE1=$FLOE_LAB-se1 CLIENT=$FLOE_LAB-client ROUTER=$FLOE_LAB-router
failures=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    "$HERE/one-armed.sh" down || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

check() { # check DESCRIPTION COMMAND... : run, report, count failures
    local what=$1
    shift
    if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}

"$HERE/one-armed.sh" down
"$HERE/one-armed.sh" up

# The stand-in service engine.
ip -n "$SE1" addr add 10.10.1.100/24 dev eth0
ip -n "$SE1" link add standin0 type bridge
ip -n "$SE1" link set standin0 up
ip -n "$SE1" addr add 10.10.2.100/32 dev standin0
ip -n "$SE1" addr add 10.10.3.100/32 dev standin0
ip -n "$SE1" route add default via 10.10.1.1
cat >"$LAB_DIR/haproxy.cfg" <<'EOF'
global
    maxconn 1000
defaults
    mode tcp
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend vs1
    bind 10.10.2.100:80
    default_backend web
backend web
    balance roundrobin
    server srv1 10.10.20.21:80 source 10.10.3.100 check inter 1s fall 2 rise 1
    server srv2 10.10.20.22:80 source 10.10.3.100 check inter 1s fall 2 rise 1
EOF
setsid ip netns exec "$SE1" haproxy -db -f "$LAB_DIR/haproxy.cfg" </dev/null >"$LAB_DIR/haproxy.log" 2>&1 &
lab_wait_tcp "$CLIENT" 10.10.2.100 80 10 || lab_die "VIP 10.10.2.100:80 not reachable from the client"
: >"$LAB_DIR/srv1/access.log"
: >"$LAB_DIR/srv2/access.log"

seen=""
for _ in $(seq 1 20); do
    seen+=$(ip netns exec "$CLIENT" curl -s --max-time 2 http://10.10.2.100/ || echo "error")$'\n'
done
check "client reaches srv1 through the VIP" grep -qx srv1 <<<"$seen"
check "client reaches srv2 through the VIP" grep -qx srv2 <<<"$seen"
check "no request failed" bash -c "! grep -qx error <<<'$seen'"
sources=$(cut -d' ' -f1 "$LAB_DIR/srv1/access.log" "$LAB_DIR/srv2/access.log" | sort -u)
check "servers see only the SNAT IP (saw: ${sources//$'\n'/ })" test "$sources" = 10.10.3.100
se1_mac=$(ip -n "$SE1" -br link show eth0 | awk '{print $3}')
router_mac=$(ip -n "$ROUTER" neigh show 10.10.1.100 dev eth-se | awk '{print $3}')
check "router resolves the floating IP 10.10.1.100 to se1's eth0 ($se1_mac, router has $router_mac)" \
    test "$se1_mac" = "$router_mac"
check "router routes the VIP via the floating IP" \
    grep -q 'via 10.10.1.100' <<<"$(ip -n "$ROUTER" route get 10.10.2.100)"

"$HERE/one-armed.sh" server-stop srv1
sleep 3
seen=""
for _ in $(seq 1 10); do
    seen+=$(ip netns exec "$CLIENT" curl -s --max-time 2 http://10.10.2.100/ || echo "error")$'\n'
done
check "with srv1 stopped every answer comes from srv2" test "$(sort -u <<<"${seen%$'\n'}")" = srv2
"$HERE/one-armed.sh" server-start srv1

echo "$failures failure(s)"
((failures == 0))
