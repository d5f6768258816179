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

usage() { lab_usage "${BASH_SOURCE[0]}"; }

do_down() { lab_topology_down; }

server_start() {
    local ip
    ip=$(srv_ip "$1") || lab_die "unknown server '$1' (srv1 or srv2)"
    lab_topology_server_start "$1" "$ip"
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

do_up() {
    local h
    lab_topology_begin
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
    lab_topology_end
}

do_status() { lab_topology_status -4; }

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
