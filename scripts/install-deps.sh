#!/usr/bin/env bash
# Installs every Debian 12 package floe's build, tests, lab demo and benchmarks need.
# Idempotent: packages already installed are left alone; apt runs only when one is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git ccache
  libasio-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  node-llhttp  # llhttp's C sources under /usr/share/llhttp, built by src/http
  libnl-3-dev libnl-route-3-dev libssl-dev
  libnftables-dev  # preserve_client_ip return path (src/net/transparent.cc)
  libcpp-httplib-dev libsqlite3-dev libreadline-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 clang-tidy-14 libclang-rt-14-dev lld-14
  # lab, tests, demo, benchmarks
  iproute2 iputils-ping iputils-arping procps psmisc curl python3 nftables iperf3
  nginx-light haproxy wrk keepalived
  frr  # zebra, bgpd, bfdd as the lab's BGP router (tests/lab/frr.py)
  bird2  # BIRD, the BGP speaker bench/bgp_vs_bird.sh compares floe with
  # operations: promtool and the lab's Prometheus, man pages, Debian packages
  prometheus scdoc debhelper lintian fakeroot
)

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: run as root (it calls apt-get)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The packaged nginx, haproxy, prometheus, keepalived, frr and bird (bird2) services are not used: the lab starts its own.
for svc in nginx haproxy prometheus keepalived frr bird; do
  systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
