#!/bin/sh
# Captures FRR bfdd's control packets for ../frr_capture_test.cc. Needs root and Debian's frr
# package (bfdd runs here with its own configuration, pid and socket paths, as user frr, never
# as the system service). Not part of CI.
#   sudo tests/unit/bfd/capture/capture.sh /tmp/bfd-capture
set -eu
out=${1:?usage: capture.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
lab=${FLOE_LAB:-cap}
mkdir -p "$out"
chmod 777 "$out"  # bfdd drops to user frr and writes its pid and sockets here
bfdd=
cleanup() {
  if [ -n "$bfdd" ]; then
    kill "$bfdd" 2>/dev/null || true
    wait "$bfdd" 2>/dev/null || true
  fi
  ip netns del "$lab-r" 2>/dev/null || true
  ip netns del "$lab-h" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$lab-r"
ip netns add "$lab-h"
ip link add "$lab-vr" type veth peer name "$lab-vh"
ip link set "$lab-vr" netns "$lab-r"
ip link set "$lab-vh" netns "$lab-h"
ip -n "$lab-r" addr add 10.255.0.1/30 dev "$lab-vr"
ip -n "$lab-h" addr add 10.255.0.2/30 dev "$lab-vh"
ip -n "$lab-r" link set "$lab-vr" up
ip -n "$lab-h" link set "$lab-vh" up
ip -n "$lab-r" link set lo up
ip netns exec "$lab-h" python3 "$here/peer.py" "$out" &
peer=$!
sleep 0.3
ip netns exec "$lab-r" /usr/lib/frr/bfdd -f "$here/bfdd.conf" -i "$out/bfdd.pid" \
  -z "$out/zserv.api" --vty_socket "$out" --bfdctl "$out/bfdd.sock" -u frr -g frr \
  >"$out/bfdd.log" 2>&1 &
bfdd=$!
wait "$peer"
