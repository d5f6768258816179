#!/usr/bin/env bash
# floe controller demo: the one-armed topology of reference 1, configured the way a network
# engineer does it: floe-controller holds the configuration, the reference's CLI transcript and
# the rest of the setup are typed into `floe shell` (each command echoed), and floe-se runs
# managed by the controller and carries the traffic. A change saved in the shell reaches the SE
# at once. Non-interactive and bounded; everything is removed on exit.
#
# usage: lab/controller-demo.sh   (as root; binaries from build/release or build/dev, or
#                                   FLOE_SE, FLOE_CONTROLLER_BIN, FLOE_CLI; FLOE_LAB=prefix)
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
lab_require_root
lab_require_tools ip nginx curl python3 setsid timeout

find_bin() { # find_bin VAR NAME
    local var=$1 name=$2 c
    if [[ -z ${!var:-} ]]; then
        for c in "$REPO/build/release/apps/$name" "$REPO/build/dev/apps/$name"; do
            [[ -x $c ]] && printf -v "$var" '%s' "$c" && break
        done
    fi
    [[ -n ${!var:-} && -x ${!var} ]] || lab_die "$name not found: build it or set $var"
}
find_bin FLOE_SE floe-se
find_bin FLOE_CONTROLLER_BIN floe-controller
find_bin FLOE_CLI floe

export FLOE_LAB=${FLOE_LAB:-floec}
LAB_DIR=$("$HERE/one-armed.sh" dir)
CLIENT=$FLOE_LAB-client SE1=$FLOE_LAB-se1
export FLOE_RUN_DIR=$LAB_DIR/run FLOE_USER=admin FLOE_PASSWORD=demo-secret
export FLOE_CONTROLLER=http://127.0.0.1:8443  # the floe CLI's default controller URL
CTL_PID="" SE_PID=""

if [[ -t 1 ]]; then B=$'\e[1m' DIM=$'\e[2m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B="" DIM="" G="" R="" N=""; fi

cleanup() {
    local rc=$?
    trap - EXIT INT TERM ERR
    for pid in $SE_PID $CTL_PID; do
        lab_pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 100); do lab_pid_alive "$pid" || break; sleep 0.1; done
        lab_pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    if ((rc != 0)); then
        echo "${R}${B}The demo stopped with an error (exit $rc).${N}"
        for f in "$LAB_DIR/controller.log" "$LAB_DIR/floe-se.log"; do
            [[ -s $f ]] && { echo "$f:"; sed 's/^/    /' "$f"; }
        done
    fi
    "$HERE/one-armed.sh" down || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

STEP=0
section() { STEP=$((STEP + 1)); printf '\n%s== %d. %s ==%s\n' "$B" "$STEP" "$*" "$N"; }
say() { printf '%s\n' "$*" | fold -s -w 92; }
ok() { printf '%s✓ %s%s\n' "$G" "$*" "$N"; }
fail() { printf '%s✗ %s%s\n' "$R" "$*" "$N"; exit 1; }
in_se1() { ip netns exec "$SE1" "$@"; }
# shell LINE... : types the lines into `floe shell` (echoed with their prompt-less text)
shell() {
    local line
    for line in "$@"; do printf '%s  %s%s\n' "$B" "$line" "$N"; done
    local out rc=0
    out=$(printf '%s\n' "$@" | in_se1 "$FLOE_CLI" shell 2>&1) || rc=$?
    # The object tables the shell prints after each save are left out, the rest is shown.
    printf '%s\n' "$out" | grep -v -e '^+--' -e '^| ' | sed -e '/^$/d' -e 's/^/    /' || true
    return "$rc"
}
requests() { # requests N: which server answered each of N requests from the client
    for _ in $(seq 1 "$1"); do
        ip netns exec "$CLIENT" curl -s --max-time 2 http://10.10.2.100/ || echo "(failed)"
    done | sort | uniq -c | sed 's/^/    /'
}

section "Lab: client, router, se1, two nginx servers (reference 1, one-armed)"
"$HERE/one-armed.sh" down >/dev/null 2>&1 || true
"$HERE/one-armed.sh" up >/dev/null
mkdir -p "$FLOE_RUN_DIR"
ok "namespaces up (prefix $FLOE_LAB)"

section "Start floe-controller (on se1's loopback: its management address in this lab)"
say "\$ FLOE_ADMIN_PASSWORD=… floe-controller --listen 127.0.0.1:8443 --db $LAB_DIR/floe.db"
rm -f "$LAB_DIR"/floe.db*
FLOE_ADMIN_PASSWORD=$FLOE_PASSWORD setsid ip netns exec "$SE1" "$FLOE_CONTROLLER_BIN" \
    --listen 127.0.0.1:8443 --db "$LAB_DIR/floe.db" >"$LAB_DIR/controller.log" 2>&1 &
CTL_PID=$!
for _ in $(seq 1 50); do in_se1 curl -s -o /dev/null "$FLOE_CONTROLLER/api/pool" && break; sleep 0.1; done
ok "controller up; built-in SE group: $(in_se1 "$FLOE_CLI" show serviceenginegroup |
    python3 -c 'import json,sys; print(", ".join(o["name"] for o in json.load(sys.stdin)))')"

section "Reference 1's CLI transcript, typed into floe shell"
shell "configure serviceenginegroup SE group 1" "ha_mode ha_mode_legacy_active_standby" \
    "floating_intf_ip 10.10.1.100" "save" || fail "the reference transcript was refused"
ok "SE group 1: legacy HA, floating IP 10.10.1.100"

section "The SE, its default route, the pool and the virtual service (VIP and SNAT IP outside every SE subnet)"
shell "configure serviceengine se1" "se_group_ref \"SE group 1\"" \
    "data_vnics if_name eth0 ip 10.10.1.11/24" "save" "save" \
    "configure vrfcontext global" "static_routes route_id 1 prefix 0.0.0.0/0 next_hop 10.10.1.1" \
    "save" "save" \
    "configure pool web" "lb_algorithm lb_algorithm_round_robin" "health_monitor_refs System-TCP" \
    "servers ip 10.10.20.21 port 80" "save" "servers ip 10.10.20.22 port 80" "save" "save" \
    "configure virtualservice vs1" "vip vip_id 1 ip_address 10.10.2.100" "save" \
    "services port 80" "save" "snat_ip 10.10.3.100" "pool_ref web" \
    "application_profile_ref System-L4-Application" "se_group_ref \"SE group 1\"" "save" ||
    fail "the controller refused the setup"
ok "saved; the router has 10.10.2.100/32 and 10.10.3.100/32 via the floating IP 10.10.1.100"

section "floe-se runs managed by the controller"
say "\$ floe-se --name se1 --controller $FLOE_CONTROLLER"
setsid ip netns exec "$SE1" "$FLOE_SE" --name se1 --controller "$FLOE_CONTROLLER" \
    --run-dir "$FLOE_RUN_DIR" >"$LAB_DIR/floe-se.log" 2>&1 &
SE_PID=$!
for _ in $(seq 1 150); do
    ip netns exec "$CLIENT" curl -s --max-time 1 -o /dev/null http://10.10.2.100/ && break
    sleep 0.2
done
ip netns exec "$CLIENT" curl -s --max-time 1 -o /dev/null http://10.10.2.100/ || fail "vs1 does not answer"
ok "vs1 answers on 10.10.2.100; 8 requests from the client:"
requests 8

section "A change saved in the shell reaches the SE at once: take srv2 out"
t0=$EPOCHREALTIME
shell "configure pool web" "servers ip 10.10.20.22" "no enabled" "save" "save" || fail "refused"
sleep 0.5
ok "saved $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s ago; 8 requests:"
requests 8

section "The controller goes away; the SE keeps serving"
kill -KILL "$CTL_PID"; wait "$CTL_PID" 2>/dev/null || true; CTL_PID=""
requests 4
ok "traffic flows without the controller"
