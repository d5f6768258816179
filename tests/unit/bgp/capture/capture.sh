#!/bin/sh
# Captures the messages FRR's bgpd sends to an eBGP peer, for the byte vectors in
# ../frr_capture_test.cc. Needs root and Debian's frr package (bgpd is started here with its
# own configuration, pid and socket paths, never as the system service). Not part of CI.
#   sudo tests/unit/bgp/capture/capture.sh /tmp/bgp-capture
set -eu
out=${1:?usage: capture.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
lab=${FLOE_LAB:-cap}
mkdir -p "$out"
bgpd=
cleanup() {
  if [ -n "$bgpd" ]; then
    kill "$bgpd" 2>/dev/null || true
    wait "$bgpd" 2>/dev/null || true
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
ip netns exec "$lab-h" python3 "$here/harness.py" "$out" &
harness=$!
sleep 0.5
ip netns exec "$lab-r" /usr/lib/frr/bgpd -f "$here/bgpd.conf" -i "$out/bgpd.pid" \
  -z "$out/zserv.api" --vty_socket "$out" -Z -S -n -l 10.255.0.1 >"$out/bgpd.log" 2>&1 &
bgpd=$!
wait "$harness"
