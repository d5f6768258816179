#!/usr/bin/env bash
# Two-armed lab for IP routing (reference "Default Gateway (IP Routing on Avi SE)",
# DESIGN.md "Lab topologies"), built from network namespaces only:
#
#   client 198.51.100.10 ── router ── front-end 10.10.40.0/24 (bridge br-fe)
#                                       ├── se1 eth0 .12, se2 eth0 .13 (floating .11)
#                                       └── fe .50 (a host on the front-end network)
#                           back-end 10.10.10.0/24 (bridge br-be), directly attached to the SEs
#                                       ├── se1 eth1 .12, se2 eth1 .13 (floating .11)
#                                       └── srv1 .21, srv2 .22 (nginx :80, default gw 10.10.10.11)
#
#   router: 198.51.100.1 (eth-client), 10.10.40.3 (eth-fe), ip_forward=1; with `up` it
#           reaches the back-end by the static route of the reference, 10.10.10.0/24 via
#           10.10.40.11 (`router-route del` removes it, for a lab where BGP teaches it).
#   fe:     10.10.40.50, default route via 10.10.40.3; reaches the back-end through the
#           router, or directly with `ip route add 10.10.10.0/24 via 10.10.40.11`.
#
# The servers' only way out is their default gateway 10.10.10.11, the SE group's floating IP:
# until an SE holds it they reach nothing beyond their own subnet. The SEs get only their
# interface addresses: floe-se adds the floating IPs, VIPs and its static routes.
#
# Namespaces are named ${FLOE_LAB}-client, -router, -fe, -se1, -se2, -srv1, -srv2, -sw (the
# two bridges); FLOE_LAB defaults to "floe". Nothing is connected to the host's network.
#
# usage: lab/two-armed.sh up | down | status | server-stop srvN | server-start srvN | dir
#        lab/two-armed.sh router-route add|del
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

LAB=${FLOE_LAB:-floe}
[[ $LAB =~ ^[a-z][a-z0-9-]{0,30}$ ]] || lab_die "FLOE_LAB='$LAB': use 1-31 of [a-z0-9-], starting with a letter"
LAB_DIR=/tmp/floe-lab-$LAB
HOSTS=(client router fe se1 se2 srv1 srv2 sw)
SERVERS=(srv1 srv2)

ns() { printf '%s-%s' "$LAB" "$1"; }
srv_ip() { case $1 in srv1) echo 10.10.10.21 ;; srv2) echo 10.10.10.22 ;; *) return 1 ;; esac; }

usage() {
    sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

do_down() {
    local h
    for h in "${SERVERS[@]}"; do
        [[ -d $LAB_DIR/$h ]] && lab_nginx_stop "$LAB_DIR/$h"
    done
    for h in "${HOSTS[@]}"; do
        lab_ns_del "$(ns "$h")"
    done
    # Only ever remove a directory this script created (it carries the marker file).
    if [[ -e $LAB_DIR/.floe-lab ]]; then
        rm -rf -- "$LAB_DIR"
    fi
}

server_start() {
    local h=$1 ip dir
    ip=$(srv_ip "$h") || lab_die "unknown server '$h' (srv1 or srv2)"
    dir=$LAB_DIR/$h
    lab_ns_exists "$(ns "$h")" || lab_die "lab $LAB is not up"
    lab_nginx_start "$(ns "$h")" "$dir"
    lab_wait_tcp "$(ns "$h")" "$ip" 80 10 ||
        lab_die "nginx in $(ns "$h") does not listen on $ip:80 after 10 s (see $dir/nginx.out, $dir/error.log)"
}

server_stop() {
    local h=$1
    srv_ip "$h" >/dev/null || lab_die "unknown server '$h' (srv1 or srv2)"
    lab_nginx_stop "$LAB_DIR/$h"
}

router_route() {
    local router
    router=$(ns router)
    lab_ns_exists "$router" || lab_die "lab $LAB is not up"
    case $1 in
        add) ip -n "$router" route replace 10.10.10.0/24 via 10.10.40.11 dev eth-fe ;;
        del) ip -n "$router" route del 10.10.10.0/24 2>/dev/null || true ;;
        *) usage ;;
    esac
}

up_failed() {
    local rc=$?
    trap - EXIT
    lab_log "up failed (exit $rc); tearing the lab down"
    do_down
    exit "$rc"
}

do_up() {
    local h
    for h in "${HOSTS[@]}"; do
        lab_ns_exists "$(ns "$h")" && lab_die "lab '$LAB' is already (partly) up: namespace $(ns "$h") exists; run '$0 down' first"
    done
    # From here on, any failure (a failed command, lab_die, a signal) removes the half-built lab.
    trap up_failed EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    mkdir -p "$LAB_DIR"
    chmod 755 "$LAB_DIR"
    : >"$LAB_DIR/.floe-lab"

    for h in "${HOSTS[@]}"; do
        lab_ns_add "$(ns "$h")"
        ip netns exec "$(ns "$h")" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    done
    local sw client router fe se1 se2 srv1 srv2
    sw=$(ns sw) client=$(ns client) router=$(ns router) fe=$(ns fe)
    se1=$(ns se1) se2=$(ns se2) srv1=$(ns srv1) srv2=$(ns srv2)

    lab_bridge "$sw" br-fe
    lab_bridge "$sw" br-be

    # MACs: 02:00:<a.b.c.d in hex> of the host's address on that link.
    lab_veth "$client" eth0 "$router" eth-client 02:00:c6:33:64:0a 02:00:c6:33:64:01
    lab_veth "$router" eth-fe "$sw" router-fe 02:00:0a:0a:28:03
    lab_veth "$fe" eth0 "$sw" fe 02:00:0a:0a:28:32
    lab_veth "$se1" eth0 "$sw" se1-fe 02:00:0a:0a:28:0c
    lab_veth "$se2" eth0 "$sw" se2-fe 02:00:0a:0a:28:0d
    lab_veth "$se1" eth1 "$sw" se1-be 02:00:0a:0a:0a:0c
    lab_veth "$se2" eth1 "$sw" se2-be 02:00:0a:0a:0a:0d
    lab_veth "$srv1" eth0 "$sw" srv1 02:00:0a:0a:0a:15
    lab_veth "$srv2" eth0 "$sw" srv2 02:00:0a:0a:0a:16
    for h in router-fe fe se1-fe se2-fe; do ip -n "$sw" link set "$h" master br-fe; done
    for h in se1-be se2-be srv1 srv2; do ip -n "$sw" link set "$h" master br-be; done

    ip -n "$client" addr add 198.51.100.10/24 dev eth0
    ip -n "$client" route add default via 198.51.100.1

    ip -n "$router" addr add 198.51.100.1/24 dev eth-client
    ip -n "$router" addr add 10.10.40.3/24 dev eth-fe
    ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1
    router_route add

    ip -n "$fe" addr add 10.10.40.50/24 dev eth0
    ip -n "$fe" route add default via 10.10.40.3

    ip -n "$se1" addr add 10.10.40.12/24 dev eth0
    ip -n "$se1" addr add 10.10.10.12/24 dev eth1
    ip -n "$se2" addr add 10.10.40.13/24 dev eth0
    ip -n "$se2" addr add 10.10.10.13/24 dev eth1

    ip -n "$srv1" addr add 10.10.10.21/24 dev eth0
    ip -n "$srv1" route add default via 10.10.10.11
    ip -n "$srv2" addr add 10.10.10.22/24 dev eth0
    ip -n "$srv2" route add default via 10.10.10.11

    for h in "${SERVERS[@]}"; do
        lab_nginx_write_conf "$LAB_DIR/$h" "$h"
        server_start "$h"
    done
    trap - EXIT INT TERM
    lab_log "lab '$LAB' is up (namespaces $LAB-{${HOSTS[*]}}; files in $LAB_DIR)"
}

do_status() {
    local h absent=0 pid
    for h in "${HOSTS[@]}"; do
        if lab_ns_exists "$(ns "$h")"; then
            echo "== $(ns "$h")"
            ip -n "$(ns "$h")" -br addr show | grep -v '^lo ' || true
            ip -n "$(ns "$h")" route show | sed 's/^/   route: /'
        else
            echo "== $(ns "$h"): absent"
            absent=1
        fi
    done
    for h in "${SERVERS[@]}"; do
        if pid=$(cat "$LAB_DIR/$h/nginx.master.pid" 2>/dev/null) && lab_pid_alive "$pid"; then
            echo "nginx $h: running (pid $pid)"
        else
            echo "nginx $h: stopped"
        fi
    done
    return "$absent"
}

cmd=${1:-}
case $cmd in
    up | down | status | server-stop | server-start | router-route) lab_require_root ;;
esac
case $cmd in
    up)
        lab_require_tools ip nginx setsid timeout sysctl truncate
        do_up
        ;;
    down) do_down ;;
    status) do_status ;;
    server-stop)
        [[ $# -eq 2 ]] || usage
        server_stop "$2"
        ;;
    server-start)
        [[ $# -eq 2 ]] || usage
        server_start "$2"
        ;;
    router-route)
        [[ $# -eq 2 ]] || usage
        router_route "$2"
        ;;
    dir) echo "$LAB_DIR" ;;
    *) usage ;;
esac
