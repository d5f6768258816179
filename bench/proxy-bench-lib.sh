# shellcheck shell=bash
# What bench/l4_vs_haproxy.sh and bench/http_vs_haproxy.sh share: the work directory and
# teardown, the checks both proxies must pass, floe-se's start and stop, and the health monitor
# both proxies copy. Source it after lab/lib.sh, once the script has set FLOE_LAB, SE1, CLIENT,
# VIP, SNAT, FLOATING, GATEWAY, SERVERS, FLOE_CONFIG_SRC, FLOE_SE, LAB_SH and
# BENCH_APPLICATION_PROFILE (the floe application profile of the benchmarked service:
# System-L4-Application or System-HTTP). It defines functions and the work directory, and
# installs the cleanup trap.

WORK=$(mktemp -d /tmp/floe-bench.XXXXXX)
chmod 755 "$WORK"
RESULTS=$WORK/results.tsv
PROXY_PID="" PROXY_KIND="" HAPROXY_ADDRS=0 LAB_OURS=0 WRK_PID="" PERF_PID=""

# --- teardown -----------------------------------------------------------------------------
haproxy_addrs_del() {
    ((HAPROXY_ADDRS)) || return 0
    ip -n "$SE1" link del haproxy0 2>/dev/null || true
    ip -n "$SE1" addr del "$FLOATING/32" dev eth0 2>/dev/null || true
    ip -n "$SE1" route del default via "$GATEWAY" 2>/dev/null || true
    HAPROXY_ADDRS=0
}

proxy_stop() { # proxy_stop : SIGTERM the running proxy, bounded wait, SIGKILL if needed
    [[ -n $PROXY_PID ]] || return 0
    local i
    if lab_pid_alive "$PROXY_PID"; then
        kill -TERM "$PROXY_PID" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            lab_pid_alive "$PROXY_PID" || break
            sleep 0.1
        done
        if lab_pid_alive "$PROXY_PID"; then
            log "warning: $PROXY_KIND (pid $PROXY_PID) still running 10 s after SIGTERM; SIGKILL"
            echo "$PROXY_KIND did not exit within 10 s of SIGTERM" >>"$WORK/problems"
            kill -KILL "$PROXY_PID" 2>/dev/null || true
        fi
    fi
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID=""
    [[ $PROXY_KIND == haproxy ]] && haproxy_addrs_del
    PROXY_KIND=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    [[ -n $WRK_PID ]] && lab_kill_pids "$WRK_PID"
    [[ -n $PERF_PID ]] && lab_kill_pids "$PERF_PID"
    proxy_stop
    haproxy_addrs_del
    ((LAB_OURS)) && "$LAB_SH" down
    if ((KEEP)); then log "work directory kept: $WORK"; else rm -rf -- "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- checks shared by both proxies --------------------------------------------------------
# se1_leftovers : print what of the service-engine set-up is still in se1 (nothing: clean).
se1_leftovers() {
    local a
    for a in "$FLOATING" "$VIP" "$SNAT"; do
        ip -n "$SE1" -4 -o addr show | grep -qw "inet $a" && echo "address $a"
    done
    ip -n "$SE1" -o link show floe0 >/dev/null 2>&1 && echo "link floe0"
    ip -n "$SE1" -o link show haproxy0 >/dev/null 2>&1 && echo "link haproxy0"
    [[ -n $(ip -n "$SE1" route show default) ]] && echo "default route"
    return 0
}

# vip_serves_both : a few requests through the VIP reach both servers (round robin works).
vip_serves_both() {
    local i seen=""
    for ((i = 0; i < 6; i++)); do
        seen+=$(ip netns exec "$CLIENT" curl -s --max-time 2 "http://$VIP/" 2>/dev/null || echo error)$'\n'
    done
    grep -qx srv1 <<<"$seen" && grep -qx srv2 <<<"$seen" && ! grep -qx error <<<"$seen"
}

# proc_cpu_ticks PID : user+system clock ticks of every thread of PID so far.
proc_cpu_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    stat=${stat##*) }   # fields after "(comm) ", comm may hold spaces
    read -r -a f <<<"$stat"
    echo $((f[11] + f[12]))   # utime, stime (fields 14, 15 of stat)
}

# --- floe ---------------------------------------------------------------------------------
write_floe_config() {
    # The lab's config, forced to round robin and the benchmarked application profile.
    jq --arg profile "$BENCH_APPLICATION_PROFILE" '
        .pool |= map(.lb_algorithm = "LB_ALGORITHM_ROUND_ROBIN")
        | .virtualservice |= map(.application_profile_ref = $profile)' \
        "$FLOE_CONFIG_SRC" >"$WORK/floe.json"
}

floe_start() { # floe_start THREADS TAG
    local threads=$1 tag=$2 i st=""
    local left
    left=$(se1_leftovers)
    [[ -z $left ]] || die "se1 is not clean before starting floe: ${left//$'\n'/, }"
    mkdir -p "$WORK/run"
    ip netns exec "$SE1" "$FLOE_SE" --name se1 --config "$WORK/floe.json" --workers "$threads" \
        --run-dir "$WORK/run" </dev/null >"$WORK/floe-$tag.log" 2>&1 &
    PROXY_PID=$! PROXY_KIND=floe
    for ((i = 0; i < 300; i++)); do # 30 s
        lab_pid_alive "$PROXY_PID" ||
            die "floe-se exited during start-up; its log ($WORK/floe-$tag.log):"$'\n'"$(tail -n 30 "$WORK/floe-$tag.log")"
        st=$("$FLOE_SE" status --name se1 --run-dir "$WORK/run" 2>/dev/null || true)
        if jq -e '([.virtualservices[]? | select(.name == "vs1" and .state == "UP")] | length == 1)
                  and ([.pools[]?.servers[]? | select(.state != "UP")] | length == 0)' \
            <<<"$st" >/dev/null 2>&1; then
            break
        fi
        sleep 0.1
    done
    ((i < 300)) || die "floe-se: vs1 not UP with every server UP after 30 s; last status: ${st:-none}; log: $(tail -n 20 "$WORK/floe-$tag.log")"
    printf '%s\n' "$st" >"$WORK/floe-$tag.status.json"
    for ((i = 0; i < 50; i++)); do # 10 s, the router may still hold a stale neighbour
        vip_serves_both && return 0
        sleep 0.2
    done
    die "floe-se reports vs1 UP but the VIP does not serve both srv1 and srv2 from the client"
}

floe_stop() {
    local tag=$1 left
    "$FLOE_SE" status --name se1 --run-dir "$WORK/run" >"$WORK/floe-$tag.status-end.json" 2>/dev/null || true
    proxy_stop
    left=$(se1_leftovers)
    if [[ -n $left ]]; then
        # floe must remove what it added on clean exit (DESIGN.md); record it, then clean up
        # by hand so that the next HAProxy round can run.
        log "warning: floe-se left in se1 after SIGTERM: ${left//$'\n'/, }"
        echo "floe-se left after SIGTERM: ${left//$'\n'/, }" >>"$WORK/problems"
        ip -n "$SE1" link del floe0 2>/dev/null || true
        local a
        for a in "$FLOATING" "$VIP" "$SNAT"; do
            ip -n "$SE1" -4 -o addr show | awk -v a="$a" '$4 ~ "^"a"/" {print $2, $4}' |
                while read -r dev pfx; do ip -n "$SE1" addr del "$pfx" dev "$dev" || true; done
        done
        ip -n "$SE1" route del default 2>/dev/null || true
    fi
}

# --- HAProxy ------------------------------------------------------------------------------
# The monitor of the floe config's pool, so that both proxies check alike (Avi's System-TCP
# defaults 10/4/2/2 when the pool names a monitor the document does not declare).
monitor_field() { # monitor_field FIELD DEFAULT
    local v=""
    [[ -r $WORK/floe.json ]] && v=$(jq -r --arg f "$1" '
        (.pool[0].health_monitor_refs[0] // "") as $m
        | ([.healthmonitor[]? | select(.name == $m)][0][$f]) // empty' "$WORK/floe.json")
    echo "${v:-$2}"
}

# --- HAProxy's addresses and start, wrk runs and their figures, one measurement -----------
haproxy_addrs_add() {
    local left
    left=$(se1_leftovers)
    [[ -z $left ]] || die "se1 is not clean before starting HAProxy: ${left//$'\n'/, }"
    HAPROXY_ADDRS=1
    # What floe-se holds itself: floating IP on eth0 (the router's next hop for VIP and
    # SNAT IP), VIP and SNAT IP as /32 on a port-less bridge (no dummy links on this
    # kernel), default route via the router.
    ip -n "$SE1" addr add "$FLOATING/32" dev eth0
    ip -n "$SE1" link add haproxy0 type bridge
    ip -n "$SE1" link set haproxy0 up
    ip -n "$SE1" addr add "$VIP/32" dev haproxy0
    ip -n "$SE1" addr add "$SNAT/32" dev haproxy0
    ip -n "$SE1" route add default via "$GATEWAY"
}

haproxy_start() { # haproxy_start THREADS TAG
    local threads=$1 tag=$2 i
    write_haproxy_config "$threads" "$WORK/haproxy-$tag.cfg"
    haproxy -c -q -f "$WORK/haproxy-$tag.cfg" || die "HAProxy rejects $WORK/haproxy-$tag.cfg"
    haproxy_addrs_add
    PROXY_KIND=haproxy
    ip netns exec "$SE1" haproxy -db -f "$WORK/haproxy-$tag.cfg" \
        </dev/null >"$WORK/haproxy-$tag.log" 2>&1 &
    PROXY_PID=$!
    for ((i = 0; i < 50; i++)); do # 10 s
        lab_pid_alive "$PROXY_PID" ||
            die "haproxy exited during start-up: $(tail -n 20 "$WORK/haproxy-$tag.log")"
        vip_serves_both && return 0
        sleep 0.2
    done
    die "HAProxy: the VIP does not serve both srv1 and srv2 from the client after 10 s"
}

# --- load ---------------------------------------------------------------------------------
# run_wrk MODE SECONDS OUTFILE [--latency]
run_wrk() {
    local mode=$1 secs=$2 out=$3 extra=()
    shift 3
    extra=("$@")
    local path=/
    [[ $mode == close ]] && extra+=(-H 'Connection: close')
    [[ $mode == 1mib ]] && path=/files/1m.bin
    # In the background and waited for, so that INT/TERM reach our trap at once.
    timeout -k 5 $((secs + 30)) ip netns exec "$CLIENT" \
        wrk -t 1 -c "$CONNECTIONS" -d "${secs}s" --timeout 5s "${extra[@]}" "http://$VIP$path" \
        >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID"
}

# parse_wrk FILE : rps requests non2xx connect read write timeout p50_ms p99_ms
parse_wrk() {
    awk '
        function ms(v,   n) {
            n = v + 0
            if (v ~ /us$/) return n / 1000
            if (v ~ /ms$/) return n
            if (v ~ /m$/) return n * 60000
            if (v ~ /s$/) return n * 1000
            return n
        }
        /^Requests\/sec:/ { rps = $2 }
        / requests in / { reqs = $1 }
        /Socket errors:/ { gsub(",", ""); c = $4; r = $6; w = $8; t = $10 }
        /Non-2xx or 3xx responses:/ { non = $NF }
        /Latency Distribution/ { dist = 1; next }
        dist && $1 == "50%" { p50 = ms($2) }
        dist && $1 == "99%" { p99 = ms($2); dist = 0 }
        END {
            if (rps == "") exit 1
            printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", rps, reqs, non, c, r, w, t,
                (p50 == "" ? "nan" : p50), (p99 == "" ? "nan" : p99)
        }' "$1"
}

# profile_start TAG / profile_stop TAG : perf record on the proxy during one measured run.
# cpu-clock because VMs often lack hardware counters; frame-pointer call graphs (kernel
# stacks are complete, user stacks as far as the build keeps frame pointers).
profile_start() {
    perf record -q -e cpu-clock -F 999 -g -p "$PROXY_PID" -o "$PROFILE_DIR/perf-$1.data" \
        >"$PROFILE_DIR/perf-$1.log" 2>&1 &
    PERF_PID=$!
    sleep 0.5
}
profile_stop() {
    local tag=$1 i
    kill -INT "$PERF_PID" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do lab_pid_alive "$PERF_PID" || break; sleep 0.1; done
    lab_pid_alive "$PERF_PID" && kill -KILL "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=""
    perf report -i "$PROFILE_DIR/perf-$tag.data" --no-children --sort dso,symbol --stdio \
        --percent-limit 0.5 -g none 2>/dev/null | grep -v '^$' | sed -e 's/[ -]*$//' \
        >"$PROFILE_DIR/report-$tag.txt" || true
    perf report -i "$PROFILE_DIR/perf-$tag.data" --children --sort symbol --stdio \
        --percent-limit 2 -g none 2>/dev/null | grep -v '^$' | sed -e 's/[ -]*$//' \
        >"$PROFILE_DIR/report-children-$tag.txt" || true
    log "profile $tag: top symbols (self time; full: $PROFILE_DIR/report-$tag.txt)"
    grep -v '^#' "$PROFILE_DIR/report-$tag.txt" | head -n 15 >&2 || true
    log "profile $tag: time per system call, inclusive (full: $PROFILE_DIR/report-children-$tag.txt)"
    grep -E '\] __x64_sys_' "$PROFILE_DIR/report-children-$tag.txt" | head -n 10 >&2 || true
}

# measure THREADS MODE PROXY ROUND
measure() {
    local threads=$1 mode=$2 proxy=$3 round=$4 tag="t$1-$2-$3-r$4" t0 t1 parsed cpu hz load
    if ((WARMUP > 0)); then
        run_wrk "$mode" "$WARMUP" "$WORK/wrk-$tag.warmup.txt" ||
            log "warning: warm-up wrk failed ($tag): $(tail -n 3 "$WORK/wrk-$tag.warmup.txt")"
    fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    [[ -n $PROFILE_DIR ]] && profile_start "$tag"
    t0=$(proc_cpu_ticks "$PROXY_PID")
    if ! run_wrk "$mode" "$DURATION" "$WORK/wrk-$tag.txt" --latency; then
        log "warning: wrk failed ($tag): $(tail -n 5 "$WORK/wrk-$tag.txt")"
    fi
    t1=$(proc_cpu_ticks "$PROXY_PID")
    [[ -n $PROFILE_DIR ]] && profile_stop "$tag"
    lab_pid_alive "$PROXY_PID" || die "$proxy died during the run $tag (log: $(tail -n 20 "$WORK/$proxy-t$threads-r$round.log"))"
    hz=$(getconf CLK_TCK)
    cpu=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$DURATION" 'BEGIN { printf "%.1f", 100 * d / hz / s }')
    if parsed=$(parse_wrk "$WORK/wrk-$tag.txt"); then
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$threads" "$mode" "$proxy" "$round" "$parsed" "$cpu" "$load" >>"$RESULTS"
        log "$(printf '%-8s t=%s %-9s round %s: %10s req/s, proxy CPU %s%%' "$proxy" "$threads" "$mode" "$round" "${parsed%%$'\t'*}" "$cpu")"
    else
        log "warning: no figures in wrk output ($tag): $(tail -n 5 "$WORK/wrk-$tag.txt")"
        echo "wrk gave no figures for $tag" >>"$WORK/problems"
    fi
}
