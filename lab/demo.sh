#!/usr/bin/env bash
# floe demo: the one-armed static-route topology of the reference "Static Route Support for
# VIP and SNAT IP Reachability", built from network namespaces, with floe-se as the service
# engine. Narrates each step and shows the real commands and their output. Non-interactive
# and bounded; everything it creates is removed on exit, also on failure or Ctrl-C.
#
# usage: lab/demo.sh [--pause]      (as root; FLOE_SE=path/to/floe-se, FLOE_LAB=prefix)
#   --pause   wait for Enter between steps (only when stdin is a terminal)
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

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

if [[ -z ${FLOE_SE:-} ]]; then
    for candidate in "$REPO/build/release/apps/floe-se" "$REPO/build/dev/apps/floe-se"; do
        [[ -x $candidate ]] && FLOE_SE=$candidate && break
    done
fi
[[ -n ${FLOE_SE:-} && -x ${FLOE_SE:-} ]] ||
    lab_die "floe-se not found: build it (cmake --preset dev && cmake --build --preset dev --target floe-se) or set FLOE_SE"
FLOE_SE=$(cd "$(dirname "$FLOE_SE")" && pwd)/$(basename "$FLOE_SE")

cd "$REPO"
export FLOE_LAB=${FLOE_LAB:-floe}
LAB_DIR=$("$HERE/one-armed.sh" dir)
CLIENT=$FLOE_LAB-client ROUTER=$FLOE_LAB-router SE1=$FLOE_LAB-se1
# floe-se's control socket and lock live here (instead of /run/floe) so the demo never meets
# another floe-se; `floe-se status` finds it through the same variable.
export FLOE_RUN_DIR=$LAB_DIR/run
CONFIG=$LAB_DIR/se1.json
SE_LOG=$LAB_DIR/floe-se.log
SE_PID=""
# The commands we show call floe-se by name.
mkdir -p "/tmp/floe-demo-bin.$$"
ln -sf "$FLOE_SE" "/tmp/floe-demo-bin.$$/floe-se"
export PATH="/tmp/floe-demo-bin.$$:$PATH"

if [[ -t 1 ]]; then
    B=$'\e[1m' DIM=$'\e[2m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
    B="" DIM="" G="" R="" N=""
fi

cleanup() {
    local rc=$?
    trap - EXIT INT TERM ERR
    if [[ -n $SE_PID ]] && lab_pid_alive "$SE_PID"; then
        echo "${DIM}(stopping floe-se)${N}"
        kill -TERM "$SE_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do lab_pid_alive "$SE_PID" || break; sleep 0.1; done
        lab_pid_alive "$SE_PID" && kill -KILL "$SE_PID" 2>/dev/null
    fi
    if ((rc != 0)); then
        echo "${R}${B}The demo stopped with an error (exit $rc).${N}"
        [[ -s $SE_LOG ]] && { echo "floe-se log:"; sed 's/^/    /' "$SE_LOG"; }
    fi
    "$HERE/one-armed.sh" down || true
    rm -rf "/tmp/floe-demo-bin.$$"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- presentation helpers ---------------------------------------------------------------------

STEP=0
section() {
    STEP=$((STEP + 1))
    printf '\n%s== %d. %s ==%s\n' "$B" "$STEP" "$*" "$N"
}
say() { printf '%s\n' "$*" | fold -s -w 92; }
run() { # run 'COMMAND LINE': echo it with "$ ", then run it
    printf '%s$ %s%s\n' "$B" "$1" "$N"
    eval "$1"
}
ok() { printf '%s✓ %s%s\n' "$G" "$*" "$N"; }
fail() {
    printf '%s✗ %s%s\n' "$R" "$*" "$N"
    exit 1
}
pause() {
    if ((PAUSE)) && [[ -t 0 ]]; then
        read -r -p "${DIM}-- press Enter to continue --${N}" _ || true
    fi
}
status_json() { floe-se status --name se1; }
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
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# wait_for SECONDS DESCRIPTION COMMAND... : poll COMMAND every 0.2 s until it succeeds
wait_for() {
    local secs=$1 what=$2 i
    shift 2
    for ((i = 0; i < secs * 5; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    fail "$what: not reached within ${secs}s"
}
requests() { # requests N : the command line of N requests from the client to the VIP
    echo "for i in \$(seq $1); do ip netns exec $CLIENT curl -s --max-time 2 http://10.10.2.100/ || echo '(failed)'; done"
}

# --- the demo -------------------------------------------------------------------------------

printf '%sfloe demo: a one-armed load balancer reached through static routes%s\n' "$B" "$N"
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

section "Removing the lab"
run "lab/one-armed.sh down"
ns_left=$(ip netns list | grep -c "^$FLOE_LAB-" || true)
((ns_left == 0)) || fail "$ns_left namespaces left"
ok "no namespace, process or file of the demo is left"
echo
say "Done. The configuration is lab/one-armed/floe.json; the end-to-end tests that check all of this are in tests/lab/ (ctest -L lab)."
