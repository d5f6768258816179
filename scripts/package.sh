#!/usr/bin/env bash
# Builds floe's Debian packages from this tree (the working tree, uncommitted changes
# included) with dpkg-buildpackage and debian/, then checks them with lintian (errors fail).
#
#   scripts/package.sh [OUT_DIR]      default OUT_DIR: build/deb
#
# Packages: floe-se always; floe-controller and floe when their sources exist
# (apps/floe_controller_main.cc, apps/floe_main.cc); otherwise the build profiles
# pkg.floe.nocontroller / pkg.floe.noshell leave them out. Needs the Build-Depends of
# debian/control (scripts/install-deps.sh installs them).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/build/deb}" && cd "${1:-$root/build/deb}" && pwd)
version=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
# A fixed source path, so a second build hits ccache.
src=$out/src/floe-$version
rm -rf "$out/src"
mkdir -p "$src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
   while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
   tar --null -T - -cf -) | tar -xf - -C "$src"

profiles=()
[[ -f $root/apps/floe_controller_main.cc ]] || profiles+=(pkg.floe.nocontroller)
[[ -f $root/apps/floe_main.cc ]] || profiles+=(pkg.floe.noshell)
args=(-us -uc -b)
if ((${#profiles[@]})); then
  args+=("-P$(IFS=,; echo "${profiles[*]}")")
  echo "package: leaving out ${profiles[*]} (their sources are not in the tree yet)"
fi
# debhelper points HOME into the build tree; keep ccache's cache where it is. Paths below
# the source copy are hashed relative to it, so a build from another clone hits the cache too.
if command -v ccache >/dev/null; then
  CCACHE_DIR=$(ccache -k cache_dir)
  CCACHE_BASEDIR=$src
  export CCACHE_DIR CCACHE_BASEDIR
fi
export DEB_BUILD_OPTIONS="parallel=${FLOE_JOBS:-2} ${DEB_BUILD_OPTIONS:-}"

rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
(cd "$src" && dpkg-buildpackage "${args[@]}") > "$out/build.log" 2>&1 || {
  tail -50 "$out/build.log" >&2
  echo "package: dpkg-buildpackage failed; full log: $out/build.log" >&2
  exit 1
}
# dpkg-buildpackage writes next to the source directory.
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"

echo "package: lintian"
lintian --fail-on error "$out"/*.changes
ls -1 "$out"/*.deb
