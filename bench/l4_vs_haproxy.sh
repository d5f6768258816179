#!/usr/bin/env bash
# L4 throughput of floe against HAProxy 2.6 (mode tcp) in the one-armed lab.
#
# Builds the one-armed lab (lab/one-armed.sh, FLOE_LAB defaults to "bench" here), then runs
# floe-se and HAProxy in turn in namespace ${FLOE_LAB}-se1 with the same set-up: VIP
# 10.10.2.100:80, the lab's two nginx servers 10.10.20.21/.22:80, SNAT source 10.10.3.100,
# round robin, the same TCP health monitor (taken from the floe config: lab-tcp, 2 s), the
# same thread count and comparable timeouts (connect 3 s, idle 600 s, 16 KiB buffers, 3
# connect attempts). wrk in ${FLOE_LAB}-client loads http://10.10.2.100/ with keep-alive and
# with "Connection: close". Rounds alternate floe, haproxy, floe, haproxy, ... so that drift
# hits both; each measured run follows a short warm-up. Prints median req/s per proxy, the
# ratio floe/haproxy, errors, p50/p99 latency and the proxy's CPU use. It never fails on
# timings; it fails (and tears everything down) when the set-up does not work.
#
# usage: bench/l4_vs_haproxy.sh [options]
#   --threads N[,N...]  proxy threads: floe-se --workers N, HAProxy nbthread N (default 1)
#   --duration S        seconds per measured wrk run (default 10)
#   --warmup S          seconds of warm-up before each measured run (default 2)
#   --connections C     wrk connections (default 50; wrk always runs with -t 1)
#   --rounds R          rounds per proxy, alternating (default 3)
#   --modes LIST        keepalive,close (default both)
#   --only PROXY        floe or haproxy: run one side only (debugging the set-up)
#   --json FILE         also write the results as JSON to FILE
#   --keep-workdir      keep the temporary directory (configs, logs, raw wrk output)
#   --profile DIR       profile floe instead of comparing: floe only, 1 round, perf record
#                       (cpu-clock, call graphs) on floe-se during each measured run; data
#                       and flat reports (top symbols) go to DIR; figures are perturbed
#   -h, --help          this text
#
# environment: FLOE_SE   floe-se binary (default build/release/apps/floe-se, else
#                        build/dev/apps/floe-se)
#              FLOE_LAB  lab name (default "bench"; the lab must be ours: it is rebuilt)
#
# Needs root, ip, nginx, haproxy, wrk, curl, jq, python3. The machine has 2 cores: wrk,
# the proxy, both nginx and the router's forwarding share them, so absolute figures are
# low and noisy; read the ratio and the CPU columns (see bench/README.md).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=SCRIPTDIR/../lab/lib.sh
source "$ROOT/lab/lib.sh"

usage() {
    sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'
    exit "${1:-2}"
}
log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

THREADS=1 DURATION=10 WARMUP=2 CONNECTIONS=50 ROUNDS=3 MODES=keepalive,close ONLY="" JSON=""
KEEP=0 PROFILE_DIR=""
while (($#)); do
    case $1 in
        --threads) THREADS=${2:?}; shift 2 ;;
        --duration) DURATION=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --connections) CONNECTIONS=${2:?}; shift 2 ;;
        --rounds) ROUNDS=${2:?}; shift 2 ;;
        --modes) MODES=${2:?}; shift 2 ;;
        --only) ONLY=${2:?}; shift 2 ;;
        --json) JSON=${2:?}; shift 2 ;;
        --keep-workdir) KEEP=1; shift ;;
        --profile) PROFILE_DIR=${2:?}; shift 2 ;;
        -h | --help) usage 0 ;;
        *) log "unknown argument '$1'"; usage ;;
    esac
done
[[ $THREADS =~ ^[1-9][0-9]?(,[1-9][0-9]?)*$ ]] || die "--threads '$THREADS': N or N,N,... (1-99)"
[[ $DURATION =~ ^[1-9][0-9]{0,3}$ ]] || die "--duration '$DURATION': 1-9999 seconds"
[[ $WARMUP =~ ^[0-9]{1,3}$ ]] || die "--warmup '$WARMUP': 0-999 seconds"
[[ $CONNECTIONS =~ ^[1-9][0-9]{0,4}$ ]] || die "--connections '$CONNECTIONS': 1-99999"
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || die "--rounds '$ROUNDS': 1-99"
[[ $MODES =~ ^(keepalive|close)(,(keepalive|close))?$ ]] || die "--modes '$MODES': keepalive,close"
[[ -z $ONLY || $ONLY == floe || $ONLY == haproxy ]] || die "--only '$ONLY': floe or haproxy"
if [[ -n $PROFILE_DIR ]]; then
    [[ $ONLY != haproxy ]] || die "--profile profiles floe; it does not go with --only haproxy"
    ONLY=floe ROUNDS=1
    command -v perf >/dev/null || die "--profile needs perf (Debian: apt-get install linux-perf)"
    mkdir -p "$PROFILE_DIR"
    PROFILE_DIR=$(cd "$PROFILE_DIR" && pwd)
fi
IFS=, read -r -a THREAD_LIST <<<"$THREADS"
IFS=, read -r -a MODE_LIST <<<"$MODES"
PROXIES=(floe haproxy)
[[ -n $ONLY ]] && PROXIES=("$ONLY")

lab_require_root
lab_require_tools ip nginx haproxy wrk curl jq python3 timeout
export FLOE_LAB=${FLOE_LAB:-bench}
LAB_SH=$ROOT/lab/one-armed.sh
SE1=$FLOE_LAB-se1 CLIENT=$FLOE_LAB-client
VIP=10.10.2.100 SNAT=10.10.3.100 FLOATING=10.10.1.100 GATEWAY=10.10.1.1
SERVERS=(10.10.20.21 10.10.20.22)
FLOE_CONFIG_SRC=$ROOT/lab/one-armed/floe.json

if [[ $ONLY != haproxy ]]; then
    if [[ -n ${FLOE_SE:-} ]]; then
        [[ -x $FLOE_SE ]] || die "FLOE_SE=$FLOE_SE is not an executable file"
    else
        for c in "$ROOT/build/release/apps/floe-se" "$ROOT/build/dev/apps/floe-se"; do
            [[ -x $c ]] && { FLOE_SE=$c; break; }
        done
    fi
    [[ -n ${FLOE_SE:-} && -x $FLOE_SE ]] ||
        die "floe-se not found (FLOE_SE='${FLOE_SE:-}'; looked in build/release/apps and build/dev/apps): build it with 'cmake --preset release && cmake --build --preset release --target floe-se', or set FLOE_SE, or run with --only haproxy"
    [[ -r $FLOE_CONFIG_SRC ]] || die "missing $FLOE_CONFIG_SRC"
fi

# The benchmarked floe service: the L4 profile (no HTTP processing).
BENCH_APPLICATION_PROFILE=System-L4-Application
# shellcheck source=SCRIPTDIR/proxy-bench-lib.sh
source "$HERE/proxy-bench-lib.sh"

write_haproxy_config() { # write_haproxy_config THREADS FILE
    local threads=$1 file=$2 inter rto rise fall
    inter=$(monitor_field send_interval 10) rto=$(monitor_field receive_timeout 4)
    rise=$(monitor_field successful_checks 2) fall=$(monitor_field failed_checks 2)
    cat >"$file" <<EOF
# generated by bench/l4_vs_haproxy.sh: the HAProxy twin of floe's vs1 (System-L4-Application)
global
    nbthread $threads
    maxconn 8000
    tune.bufsize 16384
defaults
    mode tcp
    option dontlognull
    retries 2
    option redispatch 1
    timeout connect 3s
    timeout client 600s
    timeout server 600s
    timeout check ${rto}s
frontend vs1
    bind $VIP:80
    default_backend web
backend web
    balance roundrobin
    server srv1 ${SERVERS[0]}:80 source $SNAT check inter ${inter}s rise $rise fall $fall
    server srv2 ${SERVERS[1]}:80 source $SNAT check inter ${inter}s rise $rise fall $fall
EOF
}

# haproxy_addrs_add, haproxy_start, run_wrk, parse_wrk, profile_start/stop, measure: in proxy-bench-lib.sh

# --- main ---------------------------------------------------------------------------------
log "lab '$FLOE_LAB': rebuilding it (work directory $WORK)"
"$LAB_SH" down
LAB_OURS=1
"$LAB_SH" up
# Same for both proxies, for the Connection: close runs: wrk closes first, so the client
# holds a TIME_WAIT per request; without reuse and a wide port range it runs out of ports
# within seconds and measures its own SYN retries instead of the proxy.
for ns in "$CLIENT" "$SE1"; do
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 64999"
done
ip netns exec "$CLIENT" sysctl -qw net.ipv4.tcp_tw_reuse=1
if [[ -r $FLOE_CONFIG_SRC ]]; then write_floe_config; fi # HAProxy takes its monitor from it too

printf 'threads\tmode\tproxy\tround\trps\trequests\tnon2xx\tconnect\tread\twrite\ttimeout\tp50_ms\tp99_ms\tcpu_pct\tload1\n' >"$RESULTS"
: >"$WORK/problems"
START=$(date +%s)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$LOAD0" 'BEGIN { exit !(l > 1.0) }' &&
    log "warning: load average $LOAD0 before the first run: something else uses the CPUs; figures will be noisy"
for threads in "${THREAD_LIST[@]}"; do
    for ((round = 1; round <= ROUNDS; round++)); do
        for proxy in "${PROXIES[@]}"; do
            tag="t$threads-r$round"
            log "round $round/$ROUNDS, threads $threads: $proxy"
            "${proxy}_start" "$threads" "$tag"
            for mode in "${MODE_LIST[@]}"; do
                measure "$threads" "$mode" "$proxy" "$round"
            done
            if [[ $proxy == floe ]]; then floe_stop "$tag"; else proxy_stop; fi
        done
    done
done
ELAPSED=$(($(date +%s) - START))

python3 "$HERE/summarize.py" "$RESULTS" \
    --problems "$WORK/problems" --json "${JSON:-}" \
    --meta "threads=$THREADS" "duration_s=$DURATION" "warmup_s=$WARMUP" \
    "connections=$CONNECTIONS" "rounds=$ROUNDS" "floe_se=${FLOE_SE:-}" \
    "haproxy=$(haproxy -v | head -n 1)" "wrk_threads=1" "cores=$(nproc)" \
    "kernel=$(uname -r)" "elapsed_s=$ELAPSED" "load1_at_start=$LOAD0"
