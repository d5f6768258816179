#!/usr/bin/env bash
# floe demo, part 2: IP routing through the service engine (reference "Default Gateway (IP
# Routing on Avi SE)") in the two-armed topology, built from network namespaces. An
# active/standby pair is the back-end servers' default gateway and routes for them; an HTTP
# virtual service preserves the client's address; the active SE is killed and the servers keep
# their gateway. Then the router learns the VIP and the back-end network by BGP from floe
# (FRR as the router, BFD 50 ms x 3), and follows the new active SE when the first one dies.
# Non-interactive and bounded; everything it creates is removed on exit, also on failure.
#
# usage: lab/routing-demo.sh [--pause]   (as root; FLOE_SE=path/to/floe-se, FLOE_LAB=prefix)
#   --pause   wait for Enter between steps (only when stdin is a terminal)
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
# shellcheck source-path=SCRIPTDIR source=demo-lib.sh
source "$HERE/demo-lib.sh"

for arg in "$@"; do
    case $arg in
        --pause) PAUSE=1 ;;
        -h | --help) lab_usage "${BASH_SOURCE[0]}" 2>&1 ;;
        *) lab_die "unknown argument '$arg' (try --help)" ;;
    esac
done

lab_require_root
lab_require_tools ip nginx curl python3 setsid timeout nft vtysh
demo_find_floe_se "$REPO"

cd "$REPO"
export FLOE_LAB=${FLOE_LAB:-floe}
LAB_DIR=$("$HERE/two-armed.sh" dir)
CLIENT=$FLOE_LAB-client ROUTER=$FLOE_LAB-router FE=$FLOE_LAB-fe
SE1=$FLOE_LAB-se1 SE2=$FLOE_LAB-se2 SRV1=$FLOE_LAB-srv1
export FLOE_RUN_DIR=$LAB_DIR/run
ROUTED=$LAB_DIR/routing.json
BGP=$LAB_DIR/bgp.json
FRR_DIR=$LAB_DIR/frr
SE1_LOG=$LAB_DIR/floe-se1.log SE2_LOG=$LAB_DIR/floe-se2.log
SE1_PID="" SE2_PID="" PROBE_PID=""
BIN=/tmp/floe-demo-bin.$$
mkdir -p "$BIN"
ln -sf "$FLOE_SE" "$BIN/floe-se"
export PATH="$BIN:$PATH"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM ERR
    [[ -n $PROBE_PID ]] && lab_pid_alive "$PROBE_PID" && kill -KILL "$PROBE_PID" 2>/dev/null
    stop_quietly "$SE1_PID"
    stop_quietly "$SE2_PID"
    lab_frr_stop "$FRR_DIR"
    if ((rc != 0)); then
        echo "${R}${B}The demo stopped with an error (exit $rc).${N}"
        [[ -s $SE1_LOG ]] && { echo "floe-se (se1) log:"; tail -n 40 "$SE1_LOG" | sed 's/^/    /'; }
        [[ -s $SE2_LOG ]] && { echo "floe-se (se2) log:"; tail -n 40 "$SE2_LOG" | sed 's/^/    /'; }
    fi
    "$HERE/two-armed.sh" down || true
    rm -rf "$BIN"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_se() { # start_se N DOCUMENT : floe-se for seN in its namespace, in the background
    local n=$1 doc=$2 log
    log=$LAB_DIR/floe-se$n.log
    run "ip netns exec $FLOE_LAB-se$n floe-se --name se$n --config $doc >$log 2>&1 &"
    printf -v "SE${n}_PID" '%s' "$!"
}
kill_se() { # kill_se N SIGNAL
    local var="SE$1_PID"
    run "kill -$2 ${!var}"
    wait "${!var}" 2>/dev/null || true
    printf -v "$var" '%s' ""
}
holds() { [[ -n $(ip -n "$1" -o addr show to "$2/32") ]]; } # holds NS IP
mac_of() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }
neigh_mac() { ip -n "$1" neigh show "$2" | awk '{print $5}'; } # neigh_mac NS IP
neigh_is() { [[ $(neigh_mac "$1" "$2") == "$3" ]]; }
client_sees() { # client_sees URL : one answer through the router
    ip netns exec "$CLIENT" curl -s --max-time 2 "$1" >/dev/null
}
probe() { # probe HOST SECONDS : lab/probe.py in the client, output in $LAB_DIR/probe.out
    run "ip netns exec $CLIENT python3 lab/probe.py $1 --seconds $2 --interval-ms 10 >$LAB_DIR/probe.out &"
    PROBE_PID=$!
}
probe_result() { # waits for the probe, shows its output, sets OUTAGE (s)
    for _ in $(seq 1 200); do lab_pid_alive "$PROBE_PID" || break; sleep 0.1; done
    lab_pid_alive "$PROBE_PID" && fail "the probe did not finish"
    wait "$PROBE_PID" || fail "the probe failed"
    PROBE_PID=""
    run "cat $LAB_DIR/probe.out"
    OUTAGE=$(sed -n 's/^longest_outage_s=\([0-9.]*\) .*/\1/p' "$LAB_DIR/probe.out")
    [[ -n $OUTAGE ]] || fail "the probe reported no outage figure"
}
router_via() { # router_via PREFIX : the next hop of the router's BGP route, or nothing
    lab_vtysh "$ROUTER" "$FRR_DIR" -c "show ip route $1 json" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for routes in d.values():
    for r in routes:
        if r.get("protocol") == "bgp" and r.get("selected"):
            print(" ".join(h.get("ip", "") for h in r.get("nexthops", []) if h.get("active")))
' 2>/dev/null || true
}
router_via_is() { [[ $(router_via "$1") == "$2" ]]; }

# --- the demo ---------------------------------------------------------------------------------

printf '%sfloe demo: IP routing through an active/standby pair, client addresses kept, BGP with BFD%s\n' "$B" "$N"
say "Everything runs in network namespaces named $FLOE_LAB-*; nothing touches this machine's own network. \"floe-se\" below is $FLOE_SE."
"$HERE/two-armed.sh" down >/dev/null 2>&1 || true

section "The lab: reference 2's two-armed topology"
cat <<'EOT'
    client 198.51.100.10
       |
    router 198.51.100.1 | 10.10.40.3        route 10.10.10.0/24 via 10.10.40.11
       |
    front-end 10.10.40.0/24 --- se1 eth0 .12, se2 eth0 .13, floating IP .11; fe .50
    back-end  10.10.10.0/24 --- se1 eth1 .12, se2 eth1 .13, floating IP .11
                           '--- srv1 .21, srv2 .22 (nginx), default gateway 10.10.10.11
EOT
run "lab/two-armed.sh up"
say "The servers' only way out is their default gateway 10.10.10.11, the SE group's floating IP on the back-end network. Nobody holds it yet, so srv1 cannot reach the client:"
run "ip -n $SRV1 route show"
run "ip netns exec $SRV1 ping -c 1 -W 1 198.51.100.10 || echo '(no answer)'"
pause

section "The configuration: enable_routing, floating IPs on both networks, preserve_client_ip"
say "The document of lab/two-armed/floe.json, the reference's steps as one file: legacy active/standby HA, enable_routing, one floating IP on each network (10.10.10.11 is the servers' gateway; 10.10.40.11 is the router's next hop for the back-end network, as the reference asks when no BGP peer is configured), and a default route via the router. Added here: the heartbeat secret and fast heartbeats (100 ms x 3), and an HTTP virtual service on VIP 10.10.40.100 whose application profile has preserve_client_ip (which needs connection multiplexing off: each client connection gets a server connection from the client's own address)."
python3 - "$HERE/two-armed/floe.json" "$ROUTED" <<'EOT'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["serviceenginegroup"][0].update({"ha_heartbeat_secret": "demo-pair-secret",
                                     "dp_hb_frequency": 100, "dp_hb_timeout_count": 3})
doc["applicationprofile"] = [{"name": "http-client-ip", "type": "APPLICATION_PROFILE_TYPE_HTTP",
                              "preserve_client_ip": True,
                              "http_profile": {"connection_multiplexing_enabled": False}}]
doc["virtualservice"][0]["application_profile_ref"] = "http-client-ip"
json.dump(doc, open(sys.argv[2], "w"), indent=2)
EOT
run "cat $ROUTED"
run "floe-se check --config $ROUTED --name se1"
pause

section "se1 and se2 start: se1 is active"
start_se 1 "$ROUTED"
wait_for 20 "se1 ACTIVE" ha_is se1 ACTIVE
wait_for 20 "vs1 UP on se1" vs_on_is se1 vs1 UP
start_se 2 "$ROUTED"
wait_for 20 "se2 STANDBY" ha_is se2 STANDBY
ok "se1 ACTIVE, se2 STANDBY"
say "The active SE holds both floating IPs and the VIP, and forwards between its data interfaces (per-interface forwarding flags, which floe records before it changes them and puts back when it stops). The standby holds nothing and does not forward:"
run "ip -n $SE1 -br addr show"
run "ip netns exec $SE1 sysctl net.ipv4.conf.eth0.forwarding net.ipv4.conf.eth1.forwarding"
run "ip netns exec $SE2 sysctl net.ipv4.conf.eth0.forwarding net.ipv4.conf.eth1.forwarding"
holds "$SE1" 10.10.10.11 || fail "se1 does not hold 10.10.10.11"
holds "$SE2" 10.10.10.11 && fail "se2 holds 10.10.10.11 while standby"
say "For preserve_client_ip, the servers' replies (addressed to the client, routed to the SE as their gateway) must reach floe's sockets instead of being forwarded: an nftables table of floe's own marks packets that belong to a local transparent socket, and a policy-routing rule sends marked packets to the local table. Everything is tagged as floe's:"
run "ip netns exec $SE1 nft list table inet floe"
run "ip -n $SE1 rule show"
pause

section "The servers see the client's own address"
run "for i in 1 2 3 4; do ip netns exec $CLIENT curl -s --max-time 2 http://10.10.40.100/; done"
run "tail -n 2 $LAB_DIR/srv1/access.log $LAB_DIR/srv2/access.log"
grep -q '^198\.51\.100\.10 ' "$LAB_DIR/srv1/access.log" "$LAB_DIR/srv2/access.log" ||
    fail "no access-log line from the client's address 198.51.100.10"
ok "the servers logged 198.51.100.10, the client, not an address of the SE"
pause

section "Routed traffic through the SE"
say "srv1 reaches the client through its gateway, the active SE; the front-end host fe reaches srv1 by its own address (the router sends 10.10.10.0/24 to 10.10.40.11):"
run "ip netns exec $SRV1 ping -c 2 -W 1 198.51.100.10"
run "ip netns exec $FE curl -s --max-time 2 http://10.10.10.21/"
ok "routed both ways through se1"
pause

section "se1 dies: se2 becomes the servers' gateway"
say "A probe in the client opens a connection to the VIP every 10 ms for 5 s; se1 is killed with SIGKILL meanwhile. se2 hears no heartbeat for 3 x 100 ms, takes both floating IPs and the VIP, turns forwarding on and sends gratuitous ARP on both networks, so the router and the servers move their ARP entries to se2 without any change on either."
se2_be_mac=$(mac_of "$SE2" eth1)
probe 10.10.40.100 5
sleep 1
kill_se 1 KILL
t0=$EPOCHREALTIME
wait_for 10 "se2 ACTIVE" ha_is se2 ACTIVE
ok "se2 ACTIVE $(since "$t0") s after se1 was killed"
probe_result
ok "longest outage the client saw: ${OUTAGE} s"
say "srv1's ARP entry for its gateway 10.10.10.11 now names se2's back-end MAC ($se2_be_mac), and srv1 still reaches the client, nothing changed on the server:"
ip netns exec "$SRV1" ping -c 1 -W 1 10.10.10.11 >/dev/null 2>&1 || true
run "ip -n $SRV1 neigh show 10.10.10.11"
neigh_is "$SRV1" 10.10.10.11 "$se2_be_mac" || fail "srv1's gateway is not se2's MAC"
run "ip netns exec $SRV1 ping -c 2 -W 1 198.51.100.10"
pause

section "se2 stops cleanly: the host is as it was"
kill_se 2 TERM
run "ip netns exec $SE2 sysctl net.ipv4.conf.eth0.forwarding net.ipv4.conf.eth1.forwarding"
run "ip netns exec $SE2 nft list tables"
run "ip -n $SE2 rule show"
[[ -z $(ip netns exec "$SE2" nft list tables) ]] || fail "an nft table is left in se2"
ok "forwarding off again, no nft table, no floe rule"
pause

section "BGP: the router learns the VIP and the back-end network from floe"
say "The reference's second option: no static route on the router, no floating IP on the front-end; the SEs peer with the router (iBGP, AS 1, router 10.10.40.3, BFD), the active SE advertises the VIP and, with advertise_backend_networks, 10.10.10.0/24. The VIP here, 10.10.50.100, is in no subnet at all: only BGP makes it reachable. The router is FRR (bgpd, bfdd, zebra), with BFD at 50 ms x 3."
run "lab/two-armed.sh router-route del"
cat >"$LAB_DIR/frr.conf" <<'EOT'
frr defaults traditional
hostname router
log stdout informational
!
bfd
 profile floe
  transmit-interval 50
  receive-interval 50
  detect-multiplier 3
!
router bgp 1
 bgp router-id 10.10.40.3
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor 10.10.40.12 remote-as 1
 neighbor 10.10.40.12 bfd profile floe
 neighbor 10.10.40.13 remote-as 1
 neighbor 10.10.40.13 bfd profile floe
!
EOT
run "cat $LAB_DIR/frr.conf"
lab_frr_start "$ROUTER" "$FRR_DIR" "$LAB_DIR/frr.conf"
ok "FRR runs in $ROUTER"
python3 - "$ROUTED" "$BGP" <<'EOT'
import json, sys
doc = json.load(open(sys.argv[1]))
group = doc["serviceenginegroup"][0]
group["floating_intf_ip"] = ["10.10.10.11"]
group["advertise_backend_networks"] = True
vrf = doc["vrfcontext"][0]
vrf["bgp_profile"] = {"local_as": 1, "ibgp": True,
                      "peers": [{"peer_ip": "10.10.40.3", "subnet": "10.10.40.0/24",
                                 "bfd": True, "advertise_vip": True}]}
vrf["bfd_profile"] = {"mintx": 50, "minrx": 50, "multi": 3}
doc["virtualservice"][0]["vip"] = [{"vip_id": "1", "ip_address": "10.10.50.100"}]
json.dump(doc, open(sys.argv[2], "w"), indent=2)
EOT
say "What changed in the document (the bgp_profile is the reference transcript's):"
run "diff -u <(python3 -m json.tool $ROUTED) <(python3 -m json.tool $BGP) || true"
start_se 1 "$BGP"
wait_for 20 "se1 ACTIVE" ha_is se1 ACTIVE
start_se 2 "$BGP"
wait_for 20 "se2 STANDBY" ha_is se2 STANDBY
wait_for 30 "the router's route to the VIP via se1" router_via_is 10.10.50.100/32 10.10.40.12
wait_for 30 "the router's route to 10.10.10.0/24 via se1" router_via_is 10.10.10.0/24 10.10.40.12
ok "the router learnt 10.10.50.100/32 and 10.10.10.0/24 from se1"
run "lab_vtysh $ROUTER $FRR_DIR -c 'show ip bgp'"
run "lab_vtysh $ROUTER $FRR_DIR -c 'show bfd peers brief'"
run "floe-se status --name se1 | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[\"bgp_peers\"], indent=2))'"
run "ip netns exec $CLIENT curl -s --max-time 2 http://10.10.50.100/"
pause

section "se1 dies: BFD tells the router, which follows se2"
say "se1 is killed again. The router's BFD session with se1 goes Down after 3 x 50 ms, which takes the BGP session and se1's routes down at once; se2, active after 300 ms of silent heartbeats, advertises the same routes."
probe 10.10.50.100 5
sleep 1
kill_se 1 KILL
t0=$EPOCHREALTIME
wait_for 10 "the router's route to the VIP via se2" router_via_is 10.10.50.100/32 10.10.40.13
ok "the router's route to 10.10.50.100 moved to se2 (10.10.40.13) $(since "$t0") s after se1 was killed"
probe_result
ok "longest outage the client saw: ${OUTAGE} s"
run "lab_vtysh $ROUTER $FRR_DIR -c 'show ip bgp'"
pause

section "Removing the lab"
kill_se 2 TERM
lab_frr_stop "$FRR_DIR"
run "lab/two-armed.sh down"
ns_left=$(ip netns list | grep -c "^$FLOE_LAB-" || true)
((ns_left == 0)) || fail "$ns_left namespaces left"
ok "no namespace, process or file of the demo is left"
echo
say "Done. docs/routing.md explains IP routing and preserve_client_ip (what to configure on the router and the servers, what floe changes on the SE host), docs/bgp.md the BGP speaker and the router's side; the tests behind this demo are tests/lab/routing_test.py and tests/lab/bgp_test.py."
