"""The BGP lab (reference 2's addressing) built in namespaces with lab/lib.sh's helpers:

  client 198.51.100.10 ── router 198.51.100.1 / 10.10.40.3 (FRR: zebra, bgpd, bfdd)
                                   │ front-end 10.10.40.0/24 (bridge in sw)
                          se1 .12, se2 .13   (fd00:40::/64: router ::3, se1 ::12, se2 ::13)
                                   │ back-end 10.10.10.0/24 (bridge in sw)
                          srv1 .21, srv2 .22 (nginx :80)

The client's IPv6 is 2001:db8:100::10/64 (router ::1). Namespaces are `$FLOE_LAB-bgp-<host>`;
files under /tmp/floe-lab-$FLOE_LAB-bgp. The router has no route to any VIP but what BGP gives
it. Torn down on exit, at interpreter exit and on SIGTERM (lab.py's handlers).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import lab
from lab import LabError, run

LIB = lab.SOURCE_DIR / "lab" / "lib.sh"


def sh(script: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return run(["bash", "-c", f"set -euo pipefail; LAB_TERM_WAIT=5; . {LIB}; {script}"],
               timeout=timeout)


class BgpLab:
    HOSTS = ("client", "router", "se1", "se2", "srv1", "srv2", "sw")
    SERVERS = {"srv1": "10.10.10.21", "srv2": "10.10.10.22"}

    def __init__(self, name: str | None = None):
        base = name or os.environ.get("FLOE_LAB") or "floet"
        self.name = f"{base}-bgp"
        self.dir = Path(f"/tmp/floe-lab-{self.name}")
        self.up_ = False

    def ns(self, host: str) -> str:
        return f"{self.name}-{host}"

    def up(self) -> None:
        lab._install_handlers()
        self.down(force=True)
        lab._active_labs.append(self)
        self.up_ = True
        self.dir.mkdir(parents=True, exist_ok=True)
        n = self.ns
        cmds = [f"lab_ns_add {n(h)}" for h in self.HOSTS]
        cmds += [f"lab_bridge {n('sw')} br40", f"lab_bridge {n('sw')} br10"]
        # client <-> router
        cmds += [f"lab_veth {n('client')} eth0 {n('router')} eth1"]
        # front-end
        for h in ("router", "se1", "se2"):
            cmds += [f"lab_veth {n(h)} eth0 {n('sw')} {h}-40",
                     f"ip -n {n('sw')} link set {h}-40 master br40"]
        for h in ("se1", "se2", "srv1", "srv2"):
            dev = "eth1" if h.startswith("se") else "eth0"
            cmds += [f"lab_veth {n(h)} {dev} {n('sw')} {h}-10",
                     f"ip -n {n('sw')} link set {h}-10 master br10"]
        for h in self.HOSTS:
            cmds += [f"ip netns exec {n(h)} sysctl -qw net.ipv6.conf.all.accept_dad=0 "
                     f"net.ipv6.conf.default.accept_dad=0"]
        addrs = [("client", "eth0", "198.51.100.10/24"), ("client", "eth0", "2001:db8:100::10/64"),
                 ("router", "eth1", "198.51.100.1/24"), ("router", "eth1", "2001:db8:100::1/64"),
                 ("router", "eth0", "10.10.40.3/24"), ("router", "eth0", "fd00:40::3/64"),
                 ("se1", "eth0", "10.10.40.12/24"), ("se1", "eth0", "fd00:40::12/64"),
                 ("se2", "eth0", "10.10.40.13/24"), ("se2", "eth0", "fd00:40::13/64"),
                 ("se1", "eth1", "10.10.10.12/24"), ("se2", "eth1", "10.10.10.13/24"),
                 ("srv1", "eth0", "10.10.10.21/24"), ("srv2", "eth0", "10.10.10.22/24")]
        for h, dev, a in addrs:
            extra = " nodad" if ":" in a else ""
            cmds += [f"ip -n {n(h)} addr add {a} dev {dev}{extra}"]
        cmds += [f"ip -n {n('client')} route add default via 198.51.100.1",
                 f"ip -n {n('client')} -6 route add default via 2001:db8:100::1",
                 f"ip netns exec {n('router')} sysctl -qw net.ipv4.ip_forward=1 "
                 f"net.ipv6.conf.all.forwarding=1"]
        for srv in self.SERVERS:
            d = self.dir / srv
            cmds += [f"lab_nginx_write_conf {d} {srv}", f"lab_nginx_start {n(srv)} {d}"]
        sh("; ".join(cmds))
        for srv, ip in self.SERVERS.items():
            sh(f"lab_wait_tcp {n(srv)} {ip} 80 10")

    def down(self, force: bool = False) -> None:
        if not (self.up_ or force):
            return
        try:
            cmds = []
            for srv in self.SERVERS:
                d = self.dir / srv
                cmds.append(f"[[ -d {d} ]] && lab_nginx_stop {d} || true")
            cmds += [f"lab_ns_del {self.ns(h)}" for h in self.HOSTS]
            sh("; ".join(cmds))
        finally:
            self.up_ = False
            if self in lab._active_labs:
                lab._active_labs.remove(self)

    def __enter__(self) -> "BgpLab":
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    def server_stop(self, srv: str) -> None:
        sh(f"lab_nginx_stop {self.dir / srv}")

    def server_start(self, srv: str) -> None:
        sh(f"lab_nginx_start {self.ns(srv)} {self.dir / srv}; "
           f"lab_wait_tcp {self.ns(srv)} {self.SERVERS[srv]} 80 10")

    def write_config(self, doc: dict, name: str = "floe.json") -> Path:
        path = self.dir / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, path)
        return path


def frr_config(neighbors: list[dict], local_as: int = 1, bfd_ms: tuple = (50, 50, 3),
               extra: str = "") -> str:
    """FRR configuration of the router: one `neighbor` per entry of `neighbors`
    ({ip, remote_as, bfd, password}); everything it learns is installed by zebra. One file for
    the three daemons: each skips the others' sections, so no section ends with `exit` (which
    would leave the configuration node of a daemon that skipped the section's opening line)."""
    lines = ["frr defaults traditional", "hostname router", "log stdout informational",
             "!", "bfd", " profile floe",
             f"  transmit-interval {bfd_ms[0]}", f"  receive-interval {bfd_ms[1]}",
             f"  detect-multiplier {bfd_ms[2]}", "!",
             f"router bgp {local_as}", " bgp router-id 10.10.40.3",
             " no bgp ebgp-requires-policy", " no bgp default ipv4-unicast",
             " timers bgp 3 9"]
    for nb in neighbors:
        ip = nb["ip"]
        lines.append(f" neighbor {ip} remote-as {nb.get('remote_as', local_as)}")
        lines.append(f" neighbor {ip} timers connect 1")
        if nb.get("bfd"):
            lines.append(f" neighbor {ip} bfd profile floe")
        if nb.get("password"):
            lines.append(f" neighbor {ip} password {nb['password']}")
    for afi in ("ipv4", "ipv6"):
        lines.append(f" address-family {afi} unicast")
        for nb in neighbors:
            if (":" in nb["ip"]) == (afi == "ipv6") or nb.get("both_families"):
                lines.append(f"  neighbor {nb['ip']} activate")
        lines.append(" exit-address-family")
    lines += ["!", extra, ""]
    return "\n".join(lines)
