#!/usr/bin/env bash
# CI step for the Debian packages: builds them (scripts/package.sh), installs them with dpkg
# into this machine, checks the installed files (floe-se check on the example config from
# /usr/sbin, systemd-analyze verify on the installed units, man pages), then purges them and
# checks that nothing of them is left. Root; refuses to touch a machine where a floe package
# is installed already.
#
#   scripts/package-test.sh [DEB_DIR]   with DEB_DIR: test the .debs in it, do not build
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [[ $(id -u) -ne 0 ]]; then
  echo "package-test: run as root (dpkg -i / --purge)" >&2
  exit 1
fi
pkgs_installed() {
  dpkg-query -W -f='${Package} ${Status}\n' floe-se floe-controller floe 2>/dev/null |
    awk '$NF != "not-installed" {print $1}'
}
if [[ -n $(pkgs_installed) ]]; then
  echo "package-test: floe packages are installed here already ($(pkgs_installed | xargs));" \
       "not touching them" >&2
  exit 1
fi

if [[ $# -ge 1 ]]; then
  debs=$(cd "$1" && pwd)
else
  debs=$root/build/deb
  "$root/scripts/package.sh" "$debs"
fi
mapfile -t files < <(ls "$debs"/*.deb | grep -v -- '-dbgsym_')
names=()
for f in "${files[@]}"; do names+=("$(dpkg-deb -f "$f" Package)"); done

failures=0
check() {  # check DESCRIPTION COMMAND...: run, report, count failures
  local what=$1
  shift
  if out=$("$@" 2>&1); then
    echo "ok   $what"
  else
    echo "FAIL $what"
    printf '%s\n' "$out" | sed 's/^/     /'
    failures=$((failures + 1))
  fi
}

purge() { dpkg --purge "${names[@]}" > /dev/null 2>&1 || true; }
trap purge EXIT

echo "package-test: dpkg -i ${names[*]}"
dpkg -i "${files[@]}"
# Everything the packages put on the machine, to check after the purge.
mapfile -t owned < <(for n in "${names[@]}"; do dpkg -L "$n"; done |
  grep -E '^/(etc/floe|etc/default/floe|usr/sbin/floe|usr/bin/floe|var/lib/floe|lib/systemd/system/floe|usr/lib/tmpfiles.d/floe|usr/share/man/.*/floe|usr/share/doc/floe)' |
  sort -u)

check "floe-se check --config /etc/floe/example.json" \
  /usr/sbin/floe-se check --config /etc/floe/example.json
check "/usr/sbin/floe-se --help" /usr/sbin/floe-se --help
check "/etc/floe/example.json is a conffile" \
  sh -c "dpkg-query -W -f='\${Conffiles}' floe-se | grep -q /etc/floe/example.json"
check "/var/lib/floe exists" test -d /var/lib/floe
check "/run/floe created by tmpfiles.d" test -d /run/floe
check "man floe-se and floe.json(5) installed" \
  sh -c "man -w floe-se >/dev/null && man -w 5 floe.json >/dev/null"
for unit in /lib/systemd/system/floe-se@.service /lib/systemd/system/floe-controller.service; do
  [[ -f $unit ]] || continue
  check "systemd-analyze verify $unit" \
    sh -c "out=\$(systemd-analyze verify '$unit' 2>&1 | grep -v 'Unit sysinit.target not found'); \
           [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
done

echo "package-test: dpkg --purge ${names[*]}"
dpkg --purge "${names[@]}"
trap - EXIT
left=()
for p in "${owned[@]}" /etc/floe /var/lib/floe /run/floe; do
  [[ -e $p ]] && left+=("$p")
done
if ((${#left[@]})); then
  echo "FAIL purge left: ${left[*]}"
  failures=$((failures + 1))
else
  echo "ok   purge left nothing (${#owned[@]} paths checked)"
fi
check "dpkg knows no floe package" sh -c "[ -z \"\$(dpkg-query -W -f='\${Package} \${Status}\n' \
  floe-se floe-controller floe 2>/dev/null | grep -v not-installed)\" ]"

if ((failures)); then
  echo "package-test: $failures check(s) failed"
  exit 1
fi
echo "package-test: all checks passed"
