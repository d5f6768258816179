#!/bin/sh
# verify-units.sh UNIT_DIR FLOE_SE [FLOE_CONTROLLER]: `systemd-analyze verify` on every unit
# of UNIT_DIR. The units name the installed paths (/usr/sbin/...); here they are pointed at
# the binaries just built. A binary whose target does not exist yet (FLOE_CONTROLLER empty)
# may be reported missing, and only that: any other complaint fails.
set -eu
unit_dir=$1 floe_se=$2 floe_controller=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for unit in "$unit_dir"/*.service; do
  name=$(basename "$unit")
  sed -e "s|/usr/sbin/floe-se |$floe_se |g" \
      ${floe_controller:+-e "s|/usr/sbin/floe-controller |$floe_controller |g"} \
      "$unit" > "$tmp/$name"
  out=$(systemd-analyze verify --man=no "$tmp/$name" 2>&1) || true
  # Lines about a unit that this machine (a container without systemd as PID 1) lacks
  # are not about our unit.
  problems=$(printf '%s\n' "$out" | grep -v -e '^$' -e 'Unit sysinit.target not found' || true)
  if [ -z "$floe_controller" ]; then
    problems=$(printf '%s\n' "$problems" |
      grep -v -e '^$' -e 'Command /usr/sbin/floe-controller is not executable' || true)
  fi
  if [ -n "$problems" ]; then
    echo "FAIL $name:"
    printf '%s\n' "$problems"
    status=1
  else
    echo "ok   $name"
  fi
done
exit $status
