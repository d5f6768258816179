#!/usr/bin/env bash
# HTTP/1.1 proxying of floe against HAProxy 2.6 (mode http) in the one-armed lab (issue 8).
#
# Builds the one-armed lab (lab/one-armed.sh, FLOE_LAB defaults to "bench" here), then runs
# floe-se and HAProxy in turn in namespace ${FLOE_LAB}-se1 with the same set-up: VIP
# 10.10.2.100:80 as an HTTP virtual service (floe: the System-HTTP application profile,
# connection multiplexing on; HAProxy: mode http, http-keep-alive, http-reuse safe, forwardfor),
# the lab's two nginx servers 10.10.20.21/.22:80, SNAT source 10.10.3.100, round robin, the same
# TCP health monitor (lab-tcp, 2 s), the same thread count and comparable timeouts (client
# header 10 s, keep-alive 30 s, server 60 s). wrk in ${FLOE_LAB}-client loads the VIP with
# keep-alive and a small response ("keepalive"), with "Connection: close" ("close") and with a
# 1 MiB response over keep-alive ("1mib"). Rounds alternate floe, haproxy, floe, haproxy, ...
# Then, per proxy, 10,000 idle keep-alive client connections (one request each) and the
# proxy's RSS before and with them ("idle"). Prints one line per figure: floe's value,
# HAProxy's, and the ratio floe/haproxy. It never fails on timings; it fails (and tears
# everything down) when the set-up does not work.
#
# usage: bench/http_vs_haproxy.sh [options]
#   --threads N[,N...]  proxy threads: floe-se --workers N, HAProxy nbthread N (default 1)
#   --duration S        seconds per measured wrk run (default 10)
#   --warmup S          seconds of warm-up before each measured run (default 2)
#   --connections C     wrk connections (default 50; wrk always runs with -t 1)
#   --rounds R          rounds per proxy, alternating (default 3)
#   --modes LIST        keepalive,close,1mib (default all three)
#   --idle N            idle keep-alive connections for the memory figure (default 10000; 0:
#                       skip)
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
# low and noisy; read the ratios and the CPU columns (see bench/README.md).
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

THREADS=1 DURATION=10 WARMUP=2 CONNECTIONS=50 ROUNDS=3 MODES=keepalive,close,1mib ONLY="" JSON=""
IDLE=10000
KEEP=0 PROFILE_DIR=""
while (($#)); do
    case $1 in
        --threads) THREADS=${2:?}; shift 2 ;;
        --duration) DURATION=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --connections) CONNECTIONS=${2:?}; shift 2 ;;
        --rounds) ROUNDS=${2:?}; shift 2 ;;
        --modes) MODES=${2:?}; shift 2 ;;
        --idle) IDLE=${2:?}; shift 2 ;;
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
[[ $MODES =~ ^(keepalive|close|1mib)(,(keepalive|close|1mib)){0,2}$ ]] ||
    die "--modes '$MODES': keepalive,close,1mib"
[[ $IDLE =~ ^[0-9]{1,5}$ ]] || die "--idle '$IDLE': 0-99999"
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
# 10,000 idle client connections need about 20,000 descriptors in each proxy (HAProxy asks
# for 2 per connection, floe-se caps connections at half its open files limit). Raise the
# limit if we may; else fit HAProxy's maxconn and the idle count to it, alike for both.
ulimit -Hn 200000 2>/dev/null && ulimit -Sn 200000 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n)
HAPROXY_MAXCONN=$(((FD_LIMIT - 600) / 2))
if ((IDLE > HAPROXY_MAXCONN - CONNECTIONS - 200)); then
    log "warning: open files limit $FD_LIMIT (hard limit not raisable here): idle connections $IDLE -> $((HAPROXY_MAXCONN - CONNECTIONS - 200))"
    IDLE=$((HAPROXY_MAXCONN - CONNECTIONS - 200))
fi
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

# The benchmarked floe service: the HTTP profile (multiplexing on).
BENCH_APPLICATION_PROFILE=System-HTTP
# shellcheck source=SCRIPTDIR/proxy-bench-lib.sh
source "$HERE/proxy-bench-lib.sh"

write_haproxy_config() { # write_haproxy_config THREADS FILE
    local threads=$1 file=$2 inter rto rise fall
    inter=$(monitor_field send_interval 10) rto=$(monitor_field receive_timeout 4)
    rise=$(monitor_field successful_checks 2) fall=$(monitor_field failed_checks 2)
    cat >"$file" <<EOF
# generated by bench/http_vs_haproxy.sh: the HAProxy twin of floe's vs1 (System-HTTP)
global
    nbthread $threads
    maxconn $HAPROXY_MAXCONN
defaults
    mode http
    option http-keep-alive
    option forwardfor
    http-reuse safe
    option dontlognull
    retries 2
    option redispatch 1
    timeout connect 5s
    timeout client 30s
    timeout http-request 10s
    timeout http-keep-alive 30s
    timeout server 60s
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

# --- idle connections ----------------------------------------------------------------------
# The idle clients: lab/idle-clients.py in the client namespace (N keep-alive connections, one
# GET each, "ready N", held until its stdin closes).

# proxy_rss_kib : resident memory of the proxy process (all its threads share it), KiB.
proxy_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$PROXY_PID/status" 2>/dev/null || echo 0; }

# measure_idle PROXY : RSS before and with $IDLE idle keep-alive client connections.
measure_idle() {
    local proxy=$1 before after line fifo=$WORK/idle.fifo
    ((IDLE > 0)) || return 0
    sleep 1
    before=$(proxy_rss_kib)
    rm -f "$fifo"; mkfifo "$fifo"
    ip netns exec "$CLIENT" python3 "$ROOT/lab/idle-clients.py" "$VIP" "$IDLE" <"$fifo" >"$WORK/idle-$proxy.out" 2>&1 &
    local pid=$!
    exec {hold}>"$fifo"
    for ((i = 0; i < 600; i++)); do
        grep -q '^ready' "$WORK/idle-$proxy.out" 2>/dev/null && break
        lab_pid_alive "$pid" || break
        sleep 0.1
    done
    sleep 1
    after=$(proxy_rss_kib)
    line=$(cat "$WORK/idle-$proxy.out")
    exec {hold}>&-
    wait "$pid" 2>/dev/null || true
    if [[ $line != ready* ]]; then
        log "warning: idle connections for $proxy: $line"
        echo "idle connections for $proxy: $line" >>"$WORK/problems"
        return 0
    fi
    printf '%s\t%s\t%s\t%s\n' "$proxy" "$before" "$after" "${line#ready }" >>"$WORK/idle.tsv"
    log "$proxy: RSS ${before} KiB idle, ${after} KiB with ${line#ready } idle keep-alive connections"
}

# --- main ---------------------------------------------------------------------------------
log "lab '$FLOE_LAB': rebuilding it (work directory $WORK)"
"$LAB_SH" down
LAB_OURS=1
"$LAB_SH" up
for srv in srv1 srv2; do # the 1 MiB response
    head -c 1048576 /dev/urandom >"/tmp/floe-lab-$FLOE_LAB/$srv/www/files/1m.bin"
    chmod 644 "/tmp/floe-lab-$FLOE_LAB/$srv/www/files/1m.bin"
done
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
            ((round == 1)) && measure_idle "$proxy"
            if [[ $proxy == floe ]]; then floe_stop "$tag"; else proxy_stop; fi
        done
    done
done
ELAPSED=$(($(date +%s) - START))

python3 - "$RESULTS" "$WORK/idle.tsv" "${JSON:-}" <<'PY'
import csv, json, math, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
out = {"runs": rows, "figures": []}
def med(vals):
    vals = [v for v in vals if not math.isnan(v)]
    return statistics.median(vals) if vals else float("nan")
def line(name, f, h, unit, better):
    r = f / h if h and not math.isnan(f) and not math.isnan(h) else float("nan")
    print(f"{name:<34} floe {f:>10.1f}  haproxy {h:>10.1f}  {unit:<8} ratio {r:5.2f}  ({better})")
    out["figures"].append({"figure": name, "floe": f, "haproxy": h, "unit": unit, "ratio": r})
print()
for t in sorted({r["threads"] for r in rows}):
    for mode in ("keepalive", "close", "1mib"):
        sel = {p: [r for r in rows if r["threads"] == t and r["mode"] == mode and r["proxy"] == p]
               for p in ("floe", "haproxy")}
        if not sel["floe"] or not sel["haproxy"]:
            continue
        for key, unit, better in (("rps", "req/s", "higher is better"),
                                  ("p50_ms", "ms", "lower is better"),
                                  ("p99_ms", "ms", "lower is better"),
                                  ("cpu_pct", "% CPU", "of the proxy")):
            f = med([float(r[key]) for r in sel["floe"]])
            h = med([float(r[key]) for r in sel["haproxy"]])
            line(f"threads {t} {mode} {key}", f, h, unit, better)
try:
    idle = {r[0]: r for r in csv.reader(open(sys.argv[2]), delimiter="\t")}
except OSError:
    idle = {}
if "floe" in idle and "haproxy" in idle:
    per = {p: (int(idle[p][2]) - int(idle[p][1])) / max(1, int(idle[p][3])) * 1024
           for p in ("floe", "haproxy")}
    line(f"idle {idle['floe'][3]} conns RSS", float(idle["floe"][2]), float(idle["haproxy"][2]),
         "KiB", "lower is better")
    line("idle bytes per connection", per["floe"], per["haproxy"], "B", "lower is better")
if sys.argv[3]:
    json.dump(out, open(sys.argv[3], "w"), indent=2)
PY
[[ -s $WORK/problems ]] && { log "problems seen during the run:"; cat "$WORK/problems" >&2; }
true
