#!/usr/bin/env bash
# floe demo: the one-armed static-route topology of the reference "Static Route Support for
# VIP and SNAT IP Reachability", built from network namespaces, with floe-se as the service
# engine: first se1 alone, then se1 and se2 as a legacy active/standby pair, with se1 killed
# while a client probe measures the outage. Narrates each step and shows the real commands and
# their output. Non-interactive and bounded; everything it creates is removed on exit, also on
# failure or Ctrl-C.
#
# usage: lab/demo.sh [--pause]      (as root; FLOE_SE=path/to/floe-se, FLOE_LAB=prefix)
#   --pause   wait for Enter between steps (only when stdin is a terminal)
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
# shellcheck source-path=SCRIPTDIR source=demo-lib.sh
source "$HERE/demo-lib.sh"

PAUSE=0
for arg in "$@"; do
    case $arg in
        --pause) PAUSE=1 ;;
        -h | --help)
            sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'
            exit 0
            ;;
        *) lab_die "unknown argument '$arg' (try --help)" ;;
    esac
done

lab_require_root
lab_require_tools ip nginx curl python3 setsid timeout

demo_find_floe_se "$REPO"

cd "$REPO"
export FLOE_LAB=${FLOE_LAB:-floe}
LAB_DIR=$("$HERE/one-armed.sh" dir)
CLIENT=$FLOE_LAB-client ROUTER=$FLOE_LAB-router SE1=$FLOE_LAB-se1 SE2=$FLOE_LAB-se2
# floe-se's control socket and lock live here (instead of /run/floe) so the demo never meets
# another floe-se; `floe-se status` finds it through the same variable.
export FLOE_RUN_DIR=$LAB_DIR/run
CONFIG=$LAB_DIR/se1.json
SE_LOG=$LAB_DIR/floe-se.log
SE_PID=""
# The HA part: the pair's document, se2's floe-se, and the client's outage probe.
PAIR=$LAB_DIR/pair.json
SE2_LOG=$LAB_DIR/floe-se2.log
SE2_PID=""
PROBE_PID=""
# The commands we show call floe-se by name.
mkdir -p "/tmp/floe-demo-bin.$$"
ln -sf "$FLOE_SE" "/tmp/floe-demo-bin.$$/floe-se"
export PATH="/tmp/floe-demo-bin.$$:$PATH"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM ERR
    if [[ -n $PROBE_PID ]] && lab_pid_alive "$PROBE_PID"; then
        kill -KILL "$PROBE_PID" 2>/dev/null || true
    fi
    if [[ -n $SE_PID$SE2_PID ]]; then
        echo "${DIM}(stopping floe-se)${N}"
        stop_quietly "$SE_PID"
        stop_quietly "$SE2_PID"
    fi
    if ((rc != 0)); then
        echo "${R}${B}The demo stopped with an error (exit $rc).${N}"
        [[ -s $SE_LOG ]] && { echo "floe-se (se1) log:"; sed 's/^/    /' "$SE_LOG"; }
        [[ -s $SE2_LOG ]] && { echo "floe-se (se2) log:"; sed 's/^/    /' "$SE2_LOG"; }
    fi
    "$HERE/one-armed.sh" down || true
    rm -rf "/tmp/floe-demo-bin.$$"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- presentation helpers ---------------------------------------------------------------------

heard_peer() { # heard_peer SE : that SE has received valid heartbeats from its peer
    status_json "$1" | /usr/bin/python3 -c 'import json,sys
sys.exit(0 if json.load(sys.stdin)["ha"]["counters"]["received"] > 0 else 1)'
}
router_mac() { # the router's ARP entry (MAC) for the floating IP, or nothing
    ip -n "$ROUTER" neigh show 10.10.1.100 dev eth-se | awk '{print $3}'
}
router_has_mac() { [[ $(router_mac) == "$1" ]]; }
holds_floating() { [[ -n $(ip -n "$1" -o addr show to 10.10.1.100/32) ]]; }
server_is() { # server_is IP STATE : that pool server has that state in floe-se's status
    [[ $(status_json | /usr/bin/python3 -c 'import json,sys
st=json.load(sys.stdin)
print(next((s["state"] for p in st["pools"] for s in p["servers"] if s["ip"]==sys.argv[1]), "?"))' "$1") == "$2" ]]
}
vs_is() { # vs_is NAME STATE
    [[ $(status_json | /usr/bin/python3 -c 'import json,sys
st=json.load(sys.stdin)
print(next((v["state"] for v in st["virtualservices"] if v["name"]==sys.argv[1]), "?"))' "$1") == "$2" ]]
}
requests() { # requests N : the command line of N requests from the client to the VIP
    echo "for i in \$(seq $1); do ip netns exec $CLIENT curl -s --max-time 2 http://10.10.2.100/ || echo '(failed)'; done"
}

# --- the demo -------------------------------------------------------------------------------

printf '%sfloe demo: a one-armed load balancer reached through static routes, then an active/standby pair%s\n' "$B" "$N"
say "Everything below runs in network namespaces named $FLOE_LAB-*; none of it touches this machine's own network. \"floe-se\" below is $FLOE_SE."

if [[ -e /run/netns/$CLIENT || -e $LAB_DIR/.floe-lab ]]; then
    say "(an earlier lab '$FLOE_LAB' is still there; removing it first)"
    "$HERE/one-armed.sh" down
fi

section "The lab"
cat <<'EOF'
    client 198.51.100.10
       |
    router  198.51.100.1 | 10.10.1.1 | 10.10.20.1
       |                              |
    10.10.1.0/24 (SE segment)       10.10.20.0/24 (server segment)
       |-- se1 eth0 10.10.1.11        |-- srv1 10.10.20.21 (nginx)
       |-- se2 eth0 10.10.1.12        |-- srv2 10.10.20.22 (nginx)
       '-- floating IP 10.10.1.100

    VIP 10.10.2.100 and SNAT IP 10.10.3.100 are in none of these subnets.
EOF
run "lab/one-armed.sh up"
say "The router knows the VIP and the SNAT IP only through two static routes, both pointing at the SE group's floating IP 10.10.1.100 - exactly what the reference asks of the next-hop router. Nobody holds 10.10.1.100 yet:"
run "ip -n $ROUTER route show"
say "The SE host has only its own interface address, and no default route yet:"
run "ip -n $SE1 -br addr show"
run "ip -n $SE1 route show"
pause

section "The configuration document"
say "One SE group in legacy active/standby HA mode with floating IP 10.10.1.100 (recommended even with a single SE, so a second one can join later without touching the router), the SE's default route via the router, a TCP health monitor (every 2 s, 1 s timeout, down after 2 failures), a round-robin pool of the two nginx servers, and virtual service vs1 on VIP 10.10.2.100:80 with SNAT IP 10.10.3.100."
cp "$HERE/one-armed/floe.json" "$CONFIG"
run "cat $CONFIG"
say "floe-se can check a document without running it; it also says which routes the router needs:"
run "floe-se check --config $CONFIG --name se1"
pause

section "Starting floe-se in se1"
run "ip netns exec $SE1 floe-se --name se1 --config $CONFIG >$SE_LOG 2>&1 &"
SE_PID=$!
wait_for 20 "floe-se answering status" status_json
wait_for 20 "vs1 UP" vs_is vs1 UP
wait_for 20 "srv1 UP" server_is 10.10.20.21 UP
wait_for 20 "srv2 UP" server_is 10.10.20.22 UP
ok "floe-se runs (pid $SE_PID); vs1 is UP, and both servers passed their first health check"
say "Its status, in full once. The control socket is a file (here in $FLOE_RUN_DIR, set through FLOE_RUN_DIR so the demo never meets another floe-se), so this runs from the host's namespace:"
run "floe-se status --name se1"
pause

section "What floe applied on se1"
say "The floating IP is in the SE segment's subnet, so floe puts it on eth0, where the kernel answers ARP for it. VIP and SNAT IP are outside every attached subnet, so they go as /32 on floe0, a device that does not answer ARP: the router reaches them only through its static routes. Every address floe adds carries the label IFNAME:floe, so it can be found and removed, and has a 6-second lifetime that floe-se keeps refreshing: if the process dies, the addresses vanish by themselves instead of fighting a new active SE:"
run "ip -n $SE1 addr show"
say "The SE's static route from the vrfcontext, installed with protocol 199:"
run "ip -n $SE1 route show proto 199"
pause

section "Traffic from the client through the VIP"
say "Ten requests from the client to http://10.10.2.100/. Each nginx answers with its own name. Each of floe-se's worker threads takes the pool's servers in turn (round robin), so both servers share the requests:"
run "$(requests 10)"
say "On the router, the route to the VIP resolves to the floating IP, and the router's ARP entry for 10.10.1.100 is se1's eth0 MAC:"
run "ip -n $ROUTER route get 10.10.2.100"
run "ip -n $ROUTER neigh show 10.10.1.100"
run "ip -n $SE1 -br link show eth0"
router_mac=$(ip -n "$ROUTER" neigh show 10.10.1.100 dev eth-se | awk '{print $3}')
se1_mac=$(ip -n "$SE1" -br link show eth0 | awk '{print $3}')
[[ $router_mac == "$se1_mac" ]] || fail "router's ARP entry ($router_mac) is not se1's eth0 ($se1_mac)"
ok "10.10.1.100 is at $se1_mac: se1"
pause

section "The servers see the SNAT IP"
say "The first field of each access-log line is the client address nginx saw. Every request reached the servers from the SNAT IP 10.10.3.100, so the servers' replies go back to the router, which sends them to the floating IP - through the SE:"
run "tail -n 5 $LAB_DIR/srv1/access.log $LAB_DIR/srv2/access.log"
others=$(cut -d' ' -f1 "$LAB_DIR/srv1/access.log" "$LAB_DIR/srv2/access.log" | grep -v -x -c '10.10.3.100' || true)
((others == 0)) || fail "$others access-log lines from another source than 10.10.3.100"
ok "every request came from 10.10.3.100"
run "floe-se status --name se1 | lab/status-summary.py"
pause

section "A server fails"
say "Stop nginx on srv1. The health monitor probes every 2 s and needs 2 failures in a row, so floe marks srv1 DOWN within about 5 s; meanwhile a connection that finds srv1 refusing is retried on the next server."
run "lab/one-armed.sh server-stop srv1"
t0=$EPOCHREALTIME
wait_for 15 "srv1 DOWN in status" server_is 10.10.20.21 DOWN
ok "floe-se marked srv1 DOWN $(since "$t0") s after nginx stopped"
run "floe-se status --name se1 | lab/status-summary.py"
say "All new connections go to srv2:"
run "$(requests 6)"
pause

section "The server comes back"
run "lab/one-armed.sh server-start srv1"
t0=$EPOCHREALTIME
wait_for 15 "srv1 UP in status" server_is 10.10.20.21 UP
ok "floe-se marked srv1 UP again $(since "$t0") s after nginx started"
run "floe-se status --name se1 | lab/status-summary.py"
run "$(requests 6)"
pause

section "Clean shutdown"
say "SIGTERM: floe-se closes its listeners, withdraws every address and route it added, deletes floe0, and exits 0."
run "kill -TERM $SE_PID"
rc=0
for _ in $(seq 1 100); do lab_pid_alive "$SE_PID" || break; sleep 0.1; done
lab_pid_alive "$SE_PID" && fail "floe-se still running 10 s after SIGTERM"
wait "$SE_PID" || rc=$?
SE_PID=""
[[ $rc -eq 0 ]] || fail "floe-se exited with $rc"
ok "floe-se exited with 0"
say "se1 is back to what its owner configured: its own address, no floe0, no floe route:"
run "ip -n $SE1 -br addr show"
run "ip -n $SE1 route show"
run "ip -n $SE1 route show proto 199"
if ip -n "$SE1" link show floe0 >/dev/null 2>&1 || [[ -n $(ip -n "$SE1" route show table all proto 199) ]] ||
    [[ -n $(ip -n "$SE1" addr show label '*:floe') ]]; then
    fail "floe left something behind in se1"
fi
ok "nothing of floe's is left in se1"
say "And the VIP no longer answers:"
run "ip netns exec $CLIENT curl -s --max-time 2 http://10.10.2.100/ || echo \"(no answer, curl exit \$?)\""
pause

section "A second SE joins: the HA pair"
say "So far se1 was alone. Now se2 joins the same SE group as its standby. The document is the same one with two additions: se2 itself (eth0, 10.10.1.12/24, in Default-Group), and, in the group, the secret that signs the heartbeats (ha_heartbeat_secret) and the heartbeat timers written out at floe's defaults: one heartbeat every dp_hb_frequency = 100 ms, and the peer is dead after dp_hb_timeout_count = 10 intervals with nothing valid heard, so about 1 s. The router is not touched: its static routes already point at the floating IP 10.10.1.100, which belongs to whichever SE is active."
/usr/bin/python3 - "$CONFIG" "$PAIR" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["serviceengine"].append({"name": "se2", "se_group_ref": "Default-Group",
                             "data_vnics": [{"if_name": "eth0", "ip": "10.10.1.12/24"}]})
group = doc["serviceenginegroup"][0]
group.update({"ha_heartbeat_secret": "demo-pair-secret", "dp_hb_frequency": 100,
              "dp_hb_timeout_count": 10})
json.dump(doc, open(sys.argv[2], "w"), indent=2)
EOF
say "What changed against se1's document (both printed the same way, so only the additions show):"
run "diff -u <(python3 -m json.tool $CONFIG) <(python3 -m json.tool $PAIR) || true"
run "floe-se check --config $PAIR --name se2"
pause

section "Starting the pair: se1 active, se2 standby"
say "Both SEs run the same document. Each starts as standby and listens for its peer's heartbeats (UDP, on eth0, to the peer's 10.10.1.x address) before it claims anything. se1 starts first: it hears no active peer for 10 intervals, so it becomes ACTIVE and adds the floating IP, the VIP and the SNAT IP, as before."
run "ip netns exec $SE1 floe-se --name se1 --config $PAIR >$SE_LOG 2>&1 &"
SE_PID=$!
wait_for 20 "se1 ACTIVE" ha_is se1 ACTIVE
wait_for 20 "vs1 UP on se1" vs_is vs1 UP
ok "se1 is ACTIVE"
say "Then se2 starts. It hears se1's heartbeats saying ACTIVE, so it stays STANDBY: it holds none of the group's addresses, yet it keeps vs1's listener bound and health-monitors the pool, so it is ready to carry traffic the moment it takes over."
run "ip netns exec $SE2 floe-se --name se2 --config $PAIR >$SE2_LOG 2>&1 &"
SE2_PID=$!
wait_for 20 "se2 answering status" status_json se2
wait_for 20 "se2 hearing se1's heartbeats" heard_peer se2
wait_for 20 "se2 STANDBY" ha_is se2 STANDBY
wait_for 20 "srv1 UP on se2" server_up_on se2 10.10.20.21
wait_for 20 "srv2 UP on se2" server_up_on se2 10.10.20.22
ha_is se1 ACTIVE || fail "se1 is no longer ACTIVE after se2 joined"
ok "se1 ACTIVE, se2 STANDBY, and se2 sees both servers UP"
say "Each SE's ha_state is on the first line of its summary. se2 lists the group's addresses it would hold as STANDBY: known, but not in its kernel:"
run "floe-se status --name se1 | lab/status-summary.py"
run "floe-se status --name se2 | lab/status-summary.py"
say "se2's view of the pair: its heartbeat paths, the peer's state as last heard, and the heartbeat counters (nothing with a bad signature, nothing replayed):"
run "floe-se status --name se2 | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[\"ha\"], indent=2))'"
say "Only se1 has the floating IP; se2 has just its own address:"
run "ip -n $SE1 -br addr show dev eth0"
run "ip -n $SE2 -br addr show"
holds_floating "$SE1" || fail "se1 does not hold 10.10.1.100"
holds_floating "$SE2" && fail "se2 holds 10.10.1.100 while standby"
ok "10.10.1.100 is on se1 only"
say "Traffic goes through se1, and the router's ARP entry for the floating IP is se1's eth0 MAC:"
run "$(requests 4)"
run "ip -n $ROUTER neigh show 10.10.1.100"
run "ip -n $SE1 -br link show eth0"
run "ip -n $SE2 -br link show eth0"
se1_mac=$(ip -n "$SE1" -br link show eth0 | awk '{print $3}')
se2_mac=$(ip -n "$SE2" -br link show eth0 | awk '{print $3}')
router_has_mac "$se1_mac" || fail "router's ARP entry for 10.10.1.100 ($(router_mac)) is not se1's eth0 ($se1_mac)"
ok "the router sends the VIP's traffic to $se1_mac: se1"
pause

section "se1 fails: se2 takes over"
say "A probe in the client opens a new TCP connection to the VIP every 10 ms and sends an HTTP request on it, for 6 s; it counts the connections that get an answer and reports the longest time without one. This is the outage a client opening new connections sees. (Connections open on se1 at that moment are lost: legacy HA does not carry connection state over.)"
say "While it runs, se1 is killed with SIGKILL: the worst case, no goodbye heartbeat, no clean-up. se2 hears nothing for 10 intervals (about 1 s), becomes ACTIVE, adds the floating IP, the VIP and the SNAT IP, and sends gratuitous ARP for the floating IP, so the router moves its ARP entry to se2's MAC."
run "ip netns exec $CLIENT python3 lab/probe.py 10.10.2.100 --seconds 6 --interval-ms 10 >$LAB_DIR/probe.out &"
PROBE_PID=$!
sleep 1.5
run "kill -KILL $SE_PID"
t0=$EPOCHREALTIME
wait "$SE_PID" 2>/dev/null || true
SE_PID=""
wait_for 10 "se2 ACTIVE after se1 was killed" ha_is se2 ACTIVE
ok "se2 is ACTIVE $(since "$t0") s after se1 was killed"
wait_for 10 "the router's ARP entry moving to se2" router_has_mac "$se2_mac"
ok "the router's ARP entry for 10.10.1.100 moved to $se2_mac: se2"
for _ in $(seq 1 150); do lab_pid_alive "$PROBE_PID" || break; sleep 0.1; done
lab_pid_alive "$PROBE_PID" && fail "the probe did not finish within 15 s"
wait "$PROBE_PID" || fail "the probe failed"
PROBE_PID=""
say "What the client saw:"
run "cat $LAB_DIR/probe.out"
outage=$(sed -n 's/^longest_outage_s=\([0-9.]*\) .*/\1/p' "$LAB_DIR/probe.out")
served_after=$(awk '/^longest time/ { sub(/.* to /, ""); print ($1 + 0 < 6.0) }' "$LAB_DIR/probe.out")
[[ -n $outage && $served_after == 1 ]] || fail "the client was not served again after the takeover"
awk -v o="$outage" 'BEGIN { exit !(o < 3.0) }' || fail "longest outage ${outage} s (expected about 1.1 s)"
ok "longest outage the client saw: ${outage} s (se2 waits 10 heartbeat intervals of 100 ms from the last heartbeat it heard, then claims the addresses)"
say "The router's ARP entry now shows se2's MAC, and se2 holds the floating IP, the VIP and the SNAT IP:"
run "ip -n $ROUTER neigh show 10.10.1.100"
run "ip -n $SE2 -br link show eth0"
run "ip -n $SE2 -br addr show"
run "floe-se status --name se2 | lab/status-summary.py"
holds_floating "$SE2" || fail "se2 does not hold 10.10.1.100"
say "New connections are served by se2:"
run "$(requests 4)"
say "Nothing removed se1's addresses - its process was killed - but each carries a 6-second lifetime that only a live floe-se renews, so the kernel drops them by itself; a hung or dead SE never keeps answering for the floating IP:"
wait_for 15 "se1's floating IP expiring" bash -c "! ip -n $SE1 -o addr show to 10.10.1.100/32 | grep -q ."
run "ip -n $SE1 -br addr show"
ok "se1 holds nothing of the group's any more"
say "No automatic failback: a restarted se1 would hear se2 active and join as standby."
pause

section "se2 shuts down cleanly"
run "kill -TERM $SE2_PID"
rc=0
for _ in $(seq 1 100); do lab_pid_alive "$SE2_PID" || break; sleep 0.1; done
lab_pid_alive "$SE2_PID" && fail "se2's floe-se still running 10 s after SIGTERM"
wait "$SE2_PID" || rc=$?
SE2_PID=""
[[ $rc -eq 0 ]] || fail "se2's floe-se exited with $rc"
ok "se2's floe-se exited with 0"
pause

section "Removing the lab"
run "lab/one-armed.sh down"
ns_left=$(ip netns list | grep -c "^$FLOE_LAB-" || true)
((ns_left == 0)) || fail "$ns_left namespaces left"
ok "no namespace, process or file of the demo is left"
echo
say "Done. The single-SE configuration is lab/one-armed/floe.json (the pair's is that one plus se2, the heartbeat secret and timers, as shown above); docs/ha-protocol.md explains the heartbeats, and the end-to-end tests that check all of this are in tests/lab/ (ctest -L lab; the HA pair: tests/lab/ha_test.py)."
