#!/usr/bin/env bash
# One-armed lab with static routes (reference "Static Route Support for VIP and SNAT IP
# Reachability", DESIGN.md "Lab topologies"), built from network namespaces only:
#
#   client 198.51.100.10 ── router ── 10.10.1.0/24 (bridge) ── se1 .11, se2 .12 (floating .100)
#                                 └── 10.10.20.0/24 (bridge) ── srv1 .21, srv2 .22 (nginx :80)
#
#   router: 198.51.100.1, 10.10.1.1, 10.10.20.1, ip_forward=1,
#           10.10.2.100/32 via 10.10.1.100 (VIP), 10.10.3.100/32 via 10.10.1.100 (SNAT IP)
#
# IPv6 beside it (documentation prefix 2001:db8::/32, same plan): client 2001:db8:100::10/64,
# router 2001:db8:100::1, 2001:db8:1::1, 2001:db8:20::1 (forwarding=1), se1 2001:db8:1::11/64,
# se2 2001:db8:1::12/64, srv1 2001:db8:20::21, srv2 2001:db8:20::22 (nginx [::]:80 too).
# Link-local addresses exist (neighbour discovery needs them); the kernel does no DAD in the
# lab (accept_dad=0, nodad). The router has no IPv6 route to a VIP: a test adds what it needs.
#
# Namespaces are named ${FLOE_LAB}-client, -router, -se1, -se2, -srv1, -srv2, -sw (the two
# bridges); FLOE_LAB defaults to "floe". Nothing is connected to the host's network.
#
# usage: lab/one-armed.sh up | down | status | server-stop srvN | server-start srvN | dir
#        lab/one-armed.sh ha-link up|down
#
# ha-link (opt-in, after `up`): a second network shared by se1 and se2 only, 10.10.9.0/24
# (bridge br-ha in -sw; se1 eth1 .11, se2 eth1 .12), a second HA heartbeat path. Cut one side
# with `ip -n ${FLOE_LAB}-sw link set se1-ha down`. `down` removes it again.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

LAB=${FLOE_LAB:-floe}
[[ $LAB =~ ^[a-z][a-z0-9-]{0,30}$ ]] || lab_die "FLOE_LAB='$LAB': use 1-31 of [a-z0-9-], starting with a letter"
LAB_DIR=/tmp/floe-lab-$LAB
HOSTS=(client router se1 se2 srv1 srv2 sw)
SERVERS=(srv1 srv2)

ns() { printf '%s-%s' "$LAB" "$1"; }
srv_ip() { case $1 in srv1) echo 10.10.20.21 ;; srv2) echo 10.10.20.22 ;; *) return 1 ;; esac; }
srv_ip6() { case $1 in srv1) echo 2001:db8:20::21 ;; srv2) echo 2001:db8:20::22 ;; *) return 1 ;; esac; }

usage() { lab_usage "${BASH_SOURCE[0]}"; }

do_down() { lab_topology_down; }

server_start() {
    local ip ip6
    ip=$(srv_ip "$1") || lab_die "unknown server '$1' (srv1 or srv2)"
    ip6=$(srv_ip6 "$1")
    lab_topology_server_start "$1" "$ip" "$ip6"
}

server_stop() {
    local h=$1
    srv_ip "$h" >/dev/null || lab_die "unknown server '$h' (srv1 or srv2)"
    lab_nginx_stop "$LAB_DIR/$h"
}

do_up() {
    local h
    lab_topology_begin
    local sw client router se1 se2 srv1 srv2
    sw=$(ns sw) client=$(ns client) router=$(ns router)
    se1=$(ns se1) se2=$(ns se2) srv1=$(ns srv1) srv2=$(ns srv2)

    # Segments: bridges in the switch namespace.
    lab_bridge "$sw" br-se
    lab_bridge "$sw" br-srv

    # Links. MACs are fixed, locally administered, and end in the host's last address octet,
    # so ARP tables are easy to read: 02:00:<a.b.c.d in hex>.
    lab_veth "$client" eth0 "$router" eth-client 02:00:c6:33:64:0a 02:00:c6:33:64:01
    lab_veth "$router" eth-se "$sw" router-se 02:00:0a:0a:01:01
    lab_veth "$se1" eth0 "$sw" se1 02:00:0a:0a:01:0b
    lab_veth "$se2" eth0 "$sw" se2 02:00:0a:0a:01:0c
    lab_veth "$router" eth-srv "$sw" router-srv 02:00:0a:0a:14:01
    lab_veth "$srv1" eth0 "$sw" srv1 02:00:0a:0a:14:15
    lab_veth "$srv2" eth0 "$sw" srv2 02:00:0a:0a:14:16
    for h in router-se se1 se2; do ip -n "$sw" link set "$h" master br-se; done
    for h in router-srv srv1 srv2; do ip -n "$sw" link set "$h" master br-srv; done

    # Client.
    ip -n "$client" addr add 198.51.100.10/24 dev eth0
    ip -n "$client" route add default via 198.51.100.1

    # Router: three interfaces, forwarding, and the two static routes reference 1 asks for
    # (VIP and SNAT IP are in no SE subnet; they are reached via the SE group's floating IP).
    ip -n "$router" addr add 198.51.100.1/24 dev eth-client
    ip -n "$router" addr add 10.10.1.1/24 dev eth-se
    ip -n "$router" addr add 10.10.20.1/24 dev eth-srv
    ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$router" route add 10.10.2.100/32 via 10.10.1.100 dev eth-se
    ip -n "$router" route add 10.10.3.100/32 via 10.10.1.100 dev eth-se

    # Service engines: interface address only. No default route: floe-se installs it from
    # the config's vrfcontext static route.
    ip -n "$se1" addr add 10.10.1.11/24 dev eth0
    ip -n "$se2" addr add 10.10.1.12/24 dev eth0

    # Back-end servers.
    ip -n "$srv1" addr add 10.10.20.21/24 dev eth0
    ip -n "$srv1" route add default via 10.10.20.1
    ip -n "$srv2" addr add 10.10.20.22/24 dev eth0
    ip -n "$srv2" route add default via 10.10.20.1

    # The same plan in IPv6 (documentation prefix), nodad: usable at once.
    ip -n "$client" addr add 2001:db8:100::10/64 dev eth0 nodad
    ip -n "$client" -6 route add default via 2001:db8:100::1
    ip -n "$router" addr add 2001:db8:100::1/64 dev eth-client nodad
    ip -n "$router" addr add 2001:db8:1::1/64 dev eth-se nodad
    ip -n "$router" addr add 2001:db8:20::1/64 dev eth-srv nodad
    ip netns exec "$router" sysctl -qw net.ipv6.conf.all.forwarding=1
    ip -n "$se1" addr add 2001:db8:1::11/64 dev eth0 nodad
    ip -n "$se2" addr add 2001:db8:1::12/64 dev eth0 nodad
    ip -n "$srv1" addr add 2001:db8:20::21/64 dev eth0 nodad
    ip -n "$srv1" -6 route add default via 2001:db8:20::1
    ip -n "$srv2" addr add 2001:db8:20::22/64 dev eth0 nodad
    ip -n "$srv2" -6 route add default via 2001:db8:20::1

    for h in "${SERVERS[@]}"; do
        lab_nginx_write_conf "$LAB_DIR/$h" "$h"
        # ... and on IPv6 too ([::]:80, IPv6 only, beside the IPv4 0.0.0.0:80).
        sed -i 's/^\( *\)listen 80 default_server;$/&\n\1listen [::]:80 default_server;/' "$LAB_DIR/$h/nginx.conf"
        grep -qF 'listen [::]:80' "$LAB_DIR/$h/nginx.conf" || lab_die "$h: nginx.conf has no 'listen 80 default_server;' to add IPv6 to"
        server_start "$h"
    done
    lab_topology_end
}

do_status() { lab_topology_status -6; }

# The HA pair's second heartbeat network (see the usage text). Idempotent both ways.
ha_link() {
    local sw se1 se2
    sw=$(ns sw) se1=$(ns se1) se2=$(ns se2)
    lab_ns_exists "$sw" || lab_die "lab $LAB is not up"
    case $1 in
        up)
            ip -n "$sw" link show br-ha >/dev/null 2>&1 && return 0
            lab_bridge "$sw" br-ha
            lab_veth "$se1" eth1 "$sw" se1-ha 02:00:0a:0a:09:0b
            lab_veth "$se2" eth1 "$sw" se2-ha 02:00:0a:0a:09:0c
            ip -n "$sw" link set se1-ha master br-ha
            ip -n "$sw" link set se2-ha master br-ha
            ip -n "$se1" addr add 10.10.9.11/24 dev eth1
            ip -n "$se2" addr add 10.10.9.12/24 dev eth1
            ;;
        down)
            ip -n "$sw" link del se1-ha 2>/dev/null || true
            ip -n "$sw" link del se2-ha 2>/dev/null || true
            ip -n "$sw" link del br-ha 2>/dev/null || true
            ;;
        *) usage ;;
    esac
}

cmd=${1:-}
case $cmd in
    ha-link) lab_require_root ;;
esac
case $cmd in
    up | down | status | server-stop | server-start) lab_require_root ;;
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
    ha-link)
        [[ $# -eq 2 ]] || usage
        ha_link "$2"
        ;;
    dir) echo "$LAB_DIR" ;;
    *) usage ;;
esac
