# shellcheck shell=bash
# Presentation helpers of the lab demos (source it after lib.sh): numbered sections, narration
# folded to 92 columns, commands echoed before they run, checks that end the demo on failure.
# PAUSE=1 waits for Enter between steps when stdin is a terminal.

if [[ -t 1 ]]; then
    B=$'\e[1m' DIM=$'\e[2m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
    B="" DIM="" G="" R="" N=""
fi
PAUSE=${PAUSE:-0}
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
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
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
stop_quietly() { # stop_quietly PID : SIGTERM, up to 10 s, then SIGKILL
    local pid=$1
    [[ -n $pid ]] && lab_pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do lab_pid_alive "$pid" || break; sleep 0.1; done
    lab_pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    return 0
}
# demo_find_floe_se REPO : sets FLOE_SE to an absolute path (env, else a build of the tree)
demo_find_floe_se() {
    local candidate
    if [[ -z ${FLOE_SE:-} ]]; then
        for candidate in "$1/build/release/apps/floe-se" "$1/build/dev/apps/floe-se"; do
            [[ -x $candidate ]] && FLOE_SE=$candidate && break
        done
    fi
    [[ -n ${FLOE_SE:-} && -x ${FLOE_SE:-} ]] ||
        lab_die "floe-se not found: build it (cmake --preset dev && cmake --build --preset dev --target floe-se) or set FLOE_SE"
    FLOE_SE=$(cd "$(dirname "$FLOE_SE")" && pwd)/$(basename "$FLOE_SE")
}
status_json() { floe-se status --name "${1:-se1}"; }
ha_is() { # ha_is SE STATE : that SE's floe-se reports that ha_state
    [[ $(status_json "$1" | /usr/bin/python3 -c 'import json,sys
print(json.load(sys.stdin).get("ha_state", "?"))') == "$2" ]]
}
vs_on_is() { # vs_on_is SE NAME STATE
    [[ $(status_json "$1" | /usr/bin/python3 -c 'import json,sys
st=json.load(sys.stdin)
print(next((v["state"] for v in st["virtualservices"] if v["name"]==sys.argv[1]), "?"))' "$2") == "$3" ]]
}
server_up_on() { # server_up_on SE IP : that pool server is UP in that SE's status
    [[ $(status_json "$1" | /usr/bin/python3 -c 'import json,sys
st=json.load(sys.stdin)
print(next((s["state"] for p in st["pools"] for s in p["servers"] if s["ip"]==sys.argv[1]), "?"))' "$2") == UP ]]
}
