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
