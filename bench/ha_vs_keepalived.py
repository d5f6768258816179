"""The HA pair's failover outages, floe against keepalived (VRRPv3) + HAProxy, in the same lab and
the same run. See bench/README.md ("ha_vs_keepalived.sh") and the usage in ha_vs_keepalived.sh.

Each (case, side, round) gets a fresh one-armed lab. The client's probe opens a new HTTP
connection to the VIP every 10 ms; the outage of a case is the longest gap between two
successful requests. Never fails on timings; fails when a set-up does not work.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from lab import FloeSe, LabError, OneArmedLab, ns_exec, wait_until  # noqa: E402
from ha_test import Probe, ha_state, pair_config  # noqa: E402
from one_armed_test import VIP  # noqa: E402

SE_IP = {"se1": "10.10.1.11", "se2": "10.10.1.12"}
CASES = ("sigkill", "linkdown", "stop", "switchover")


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def served(lab: OneArmedLab, timeout: float = 15) -> bool:
    return wait_until(lambda: ns_exec(lab.client, "curl", "-s", "-f", "-m", "1", f"http://{VIP}/",
                                      check=False).returncode == 0, timeout, 0.2)


# --- floe -------------------------------------------------------------------------------------

class FloePair:
    def __init__(self, lab: OneArmedLab, interval_ms: int, count: int):
        self.lab = lab
        config = lab.write_config(pair_config(lab, interval_ms, count), "pair.json")
        self.se = {n: FloeSe(lab, config, name=n) for n in ("se1", "se2")}

    def start(self) -> None:
        for se in self.se.values():
            se.start()
        if not wait_until(lambda: ha_state(self.se["se1"]) == "ACTIVE" and
                          ha_state(self.se["se2"]) == "STANDBY", 10, 0.1):
            raise LabError("floe pair: se1 ACTIVE, se2 STANDBY not reached\n" +
                           self.se["se1"].log() + self.se["se2"].log())

    def fail(self, case: str) -> None:
        se1 = self.se["se1"]
        if case == "sigkill":
            se1.kill()
        elif case == "linkdown":
            ns_exec(self.lab.se1, "ip", "link", "set", "eth0", "down")
        elif case == "stop":
            se1.stop()
        elif case == "switchover":
            subprocess.run([se1.binary, "switchover", "--name", "se1", "--run-dir",
                            str(se1.run_dir)], check=True, capture_output=True, timeout=10)

    def took_over(self) -> bool:
        return ha_state(self.se["se2"]) == "ACTIVE"

    def close(self) -> None:
        for se in self.se.values():
            se.terminate_quietly()


# --- keepalived + HAProxy ---------------------------------------------------------------------

KEEPALIVED_CONF = """global_defs {{
    router_id {name}
    vrrp_version 3
    vrrp_garp_master_delay 0
    vrrp_garp_master_repeat 3
}}
vrrp_instance floe_lab {{
    state BACKUP
    nopreempt
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int {advert}
    unicast_src_ip {src}
    unicast_peer {{
        {peer}
    }}
    virtual_ipaddress {{
        10.10.1.100/24 dev eth0
        10.10.2.100/32 dev eth0
        10.10.3.100/32 dev eth0
    }}
}}
"""

HAPROXY_CONF = """global
    pidfile {dir}/haproxy.pid
defaults
    mode tcp
    timeout connect 3s
    timeout client 600s
    timeout server 600s
listen vs1
    bind 10.10.2.100:80 transparent
    balance roundrobin
    source 10.10.3.100
    server srv1 10.10.20.21:80
    server srv2 10.10.20.22:80
"""


class KeepalivedPair:
    """keepalived (VRRPv3, unicast peers, nopreempt, se1 priority 200, se2 100) owning the floating
    IP, VIP and SNAT IP; HAProxy (mode tcp, no health checks) on the VIP in each SE."""

    def __init__(self, lab: OneArmedLab, interval_ms: int):
        self.lab = lab
        self.advert = f"{interval_ms / 1000:.2f}"
        self.procs: dict[str, dict[str, subprocess.Popen]] = {}

    def dir(self, name: str) -> Path:
        d = self.lab.dir / f"keepalived-{name}"
        d.mkdir(exist_ok=True)
        return d

    def spawn(self, name: str, what: str, cmd: list[str]) -> None:
        d = self.dir(name)
        with open(d / f"{what}.log", "ab") as out:
            p = subprocess.Popen(["ip", "netns", "exec", self.lab.ns(name), *cmd],
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.procs.setdefault(name, {})[what] = p

    def start(self) -> None:
        for name, prio in (("se1", 200), ("se2", 100)):
            ns = self.lab.ns(name)
            d = self.dir(name)
            ns_exec(ns, "ip", "route", "replace", "default", "via", "10.10.1.1")
            peer = SE_IP["se2" if name == "se1" else "se1"]
            (d / "keepalived.conf").write_text(KEEPALIVED_CONF.format(
                name=name, priority=prio, advert=self.advert, src=SE_IP[name], peer=peer))
            (d / "haproxy.cfg").write_text(HAPROXY_CONF.format(dir=d))
            self.spawn(name, "haproxy", ["haproxy", "-W", "-db", "-f", str(d / "haproxy.cfg")])
            self.spawn(name, "keepalived", [
                "keepalived", "--dont-fork", "--log-console", "--log-detail", "--vrrp",
                "-f", str(d / "keepalived.conf"), "-p", str(d / "keepalived.pid"),
                "-r", str(d / "vrrp.pid"), "-c", str(d / "checkers.pid")])
            if name == "se1":
                # se1 first: with nopreempt both start BACKUP; se1 alone becomes MASTER.
                if not wait_until(lambda: self.holds("se1"), 10, 0.05):
                    raise LabError("keepalived: se1 never became MASTER\n" + self.logs())
        time.sleep(1.0)
        if self.holds("se2"):
            raise LabError("keepalived: both hold the floating IP\n" + self.logs())

    def holds(self, name: str) -> bool:
        out = ns_exec(self.lab.ns(name), "ip", "-4", "-o", "addr", "show", "dev", "eth0",
                      check=False).stdout
        return " 10.10.1.100/" in out

    def logs(self) -> str:
        text = ""
        for name in ("se1", "se2"):
            for f in sorted(self.dir(name).glob("*.log")):
                text += f"--- {f} ---\n{f.read_text(errors='replace')[-3000:]}\n"
        return text

    def fail(self, case: str) -> None:
        p = self.procs["se1"]
        if case == "sigkill":
            # The whole load balancer dies at once: every keepalived and HAProxy process in se1
            # (killing only keepalived's parent would let its VRRP child, which gets SIGTERM on
            # the parent's death, shut down cleanly with a priority-0 advert: a clean stop).
            pids = subprocess.run(["ip", "netns", "pids", self.lab.se1], capture_output=True,
                                  text=True, timeout=10, check=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for proc in p.values():
                proc.wait(10)
        elif case == "linkdown":
            ns_exec(self.lab.se1, "ip", "link", "set", "eth0", "down")
        elif case == "stop":  # keepalived's shutdown sends a priority-0 advert, then the proxy
            p["keepalived"].send_signal(signal.SIGTERM)
            p["keepalived"].wait(10)
            p["haproxy"].send_signal(signal.SIGUSR1)
        else:
            raise ValueError(case)

    def took_over(self) -> bool:
        return self.holds("se2")

    def close(self) -> None:
        for procs in self.procs.values():
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(5)


# --- the run ----------------------------------------------------------------------------------

def measure(side: str, case: str, args) -> float | None:
    lab = OneArmedLab(args.lab)
    pair = None
    try:
        lab.up()
        pair = (FloePair(lab, args.interval_ms, args.count) if side == "floe"
                else KeepalivedPair(lab, args.interval_ms))
        pair.start()
        if not served(lab):
            raise LabError(f"{side}: the VIP is not served after start")
        probe = Probe(lab, args.duration)
        time.sleep(1.0)
        pair.fail(case)
        outage = probe.longest_outage()
        if not pair.took_over():
            log(f"{side} {case}: se2 did not take over")
            return None
        return outage
    finally:
        if pair is not None:
            pair.close()
        lab.down()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interval-ms", type=int, default=50,
                    help="floe dp_hb_frequency and keepalived advert_int (default 50)")
    ap.add_argument("--count", type=int, default=3,
                    help="floe dp_hb_timeout_count (keepalived's is fixed at 3; default 3)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--duration", type=float, default=4.0, help="probe seconds per case")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--json")
    ap.add_argument("--lab", default=os.environ.get("FLOE_LAB") or "bench-ha")
    args = ap.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    for c in cases:
        if c not in CASES:
            ap.error(f"--cases: unknown case '{c}' (one of {', '.join(CASES)})")
    results: dict[str, dict[str, list[float | None]]] = {c: {"floe": [], "keepalived": []}
                                                          for c in cases}
    for r in range(args.rounds):
        for case in cases:
            for side in ("floe", "keepalived"):
                if side == "keepalived" and case == "switchover":
                    continue  # keepalived has no admin hand-over of a nopreempt instance
                outage = measure(side, case, args)
                results[case][side].append(outage)
                shown = "no takeover" if outage is None else f"{outage * 1000:.0f} ms"
                log(f"round {r + 1} {case:10} {side:10} {shown}")

    def med(xs):
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    print(f"HA failover outage (longest gap between new HTTP connections every 10 ms), "
          f"floe {args.interval_ms} ms x {args.count}, keepalived advert_int "
          f"{args.interval_ms / 1000:.2f} s x 3, median of {args.rounds} round(s)")
    print(f"{'case':12} {'floe ms':>9} {'keepalived ms':>14} {'floe/keepalived':>16}")
    for case in cases:
        f, k = med(results[case]["floe"]), med(results[case]["keepalived"])
        fs = "-" if f is None else f"{f * 1000:.0f}"
        ks = "n/a" if case == "switchover" else ("-" if k is None else f"{k * 1000:.0f}")
        ratio = f"{f / k:.2f}" if f is not None and k else "-"
        print(f"{case:12} {fs:>9} {ks:>14} {ratio:>16}")
    if args.json:
        Path(args.json).write_text(json.dumps({"interval_ms": args.interval_ms,
                                               "count": args.count, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
