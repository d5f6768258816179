"""floe-se's BGP speaker against BIRD 2 (Debian's bird2) in the same BGP lab, in the same run
(issue 10's benchmark; bench/README.md). Run through bench/bgp_vs_bird.sh.

Lab: tests/lab/bgp_lab.py (reference 2's addresses): the router 10.10.40.3 runs FRR (bgpd, bfdd,
zebra; tests/lab/frr.py) with one iBGP neighbour, 10.10.40.12, BFD 50/50/3; the speaker (floe-se
or bird) runs in the se1 namespace at 10.10.40.12, AS 1. Per round, floe then BIRD:

  withdraw-sigkill   SIGKILL of the speaker -> its /32 gone from the router's kernel table
  withdraw-sigstop   SIGSTOP of the speaker (only BFD can tell) -> the same
  establish          process start -> the router's bgpState Established
  1000-vips          process start -> all N /32s in the router's kernel table, and the CPU
                     time the speaker had used by then: seconds of utime+stime (/proc/PID/stat,
                     10 ms ticks) and ms of run time (/proc/PID/task/*/schedstat, ns); the
                     same CPU ms with one VIP (start -> its route at the router) for comparison
"""

from __future__ import annotations

import argparse
import ipaddress
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

from lab import FloeSe, LabError, ns_exec  # noqa: E402
from bgp_lab import BgpLab, frr_config  # noqa: E402
from frr import Frr, require_frr  # noqa: E402

SE_IP = "10.10.40.12"
ROUTER_IP = "10.10.40.3"
VIP = "10.10.50.100"
BFD_MS = (50, 50, 3)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def vips(count: int) -> list[str]:
    """`count` /32 addresses from 10.10.50.100 on (10.10.50.100 .. 10.10.54.99 for 1,000)."""
    base = int(ipaddress.IPv4Address(VIP))
    return [str(ipaddress.IPv4Address(base + i)) for i in range(count)]


def floe_document(addresses: list[str]) -> dict:
    """One SE, one L4 virtual service per VIP on a pool without health monitor (its servers
    count as up at once, so every VIP is advertised as soon as the session is Established)."""
    return {
        "serviceenginegroup": [{"name": "Default-Group",
                                "ha_mode": "HA_MODE_LEGACY_ACTIVE_STANDBY"}],
        "serviceengine": [{"name": "se1", "se_group_ref": "Default-Group",
                           "data_vnics": [{"if_name": "eth0", "ip": f"{SE_IP}/24"},
                                          {"if_name": "eth1", "ip": "10.10.10.12/24"}]}],
        "vrfcontext": [{"name": "global",
                        "static_routes": [{"route_id": "1", "prefix": "0.0.0.0/0",
                                           "next_hop": ROUTER_IP}],
                        "bgp_profile": {"local_as": 1, "ibgp": True,
                                        "peers": [{"peer_ip": ROUTER_IP,
                                                   "subnet": "10.10.40.0/24", "bfd": True,
                                                   "advertise_vip": True}]},
                        "bfd_profile": {"mintx": BFD_MS[0], "minrx": BFD_MS[1],
                                        "multi": BFD_MS[2]}}],
        "pool": [{"name": "web", "lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN",
                  "default_server_port": 80,
                  "servers": [{"ip": "10.10.10.21", "port": 80},
                              {"ip": "10.10.10.22", "port": 80}]}],
        "virtualservice": [{"name": f"vs{i}", "enabled": True,
                            "vip": [{"vip_id": "1", "ip_address": a}],
                            "services": [{"port": 80}], "pool_ref": "web",
                            "application_profile_ref": "System-L4-Application",
                            "se_group_ref": "Default-Group"}
                           for i, a in enumerate(addresses)],
    }


def bird_config(addresses: list[str], log: Path) -> str:
    """BIRD 2: the same /32s as static (blackhole) routes exported to the iBGP peer with next
    hop self, BFD 50/50/3 on eth0, floe's (Avi's) default hold/keepalive 180/60. `direct`: BIRD
    takes an iBGP neighbour as multihop unless told, and would then ask for a multihop BFD
    session (RFC 5883), which FRR's single-hop peer ignores. BIRD waits `connect delay time`
    before its first connection attempt; 1 s is its minimum."""
    routes = "\n".join(f"  route {a}/32 blackhole;" for a in addresses)
    return f"""log "{log}" all;
router id {SE_IP};
protocol device {{ scan time 10; }}
protocol bfd {{
  interface "eth0" {{
    min rx interval {BFD_MS[1]} ms; min tx interval {BFD_MS[0]} ms; multiplier {BFD_MS[2]};
  }};
}}
protocol static vips {{
  ipv4;
{routes}
}}
protocol bgp uplink {{
  local {SE_IP} as 1;
  neighbor {ROUTER_IP} as 1;
  direct;
  hold time 180;
  keepalive time 60;
  connect delay time 1;
  connect retry time 5;
  bfd on;
  ipv4 {{ import none; export where proto = "vips"; next hop self; }};
}}
"""


class Speaker:
    """One speaker process in the se1 namespace; `pid` is the speaker's own pid (ip netns exec
    execs it). Subclasses say how to start it."""

    name = ""

    def __init__(self, lab: BgpLab):
        self.lab = lab
        self.proc: subprocess.Popen | None = None

    def start(self, addresses: list[str]) -> float:
        raise NotImplementedError

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)

    def cpu_sched_ms(self) -> float:
        """CPU time in ms, at ns resolution: the run time of /proc/PID/task/*/schedstat summed
        over the live threads (utime+stime counts in 10 ms ticks: too coarse for BIRD)."""
        total = 0
        for f in Path(f"/proc/{self.pid}/task").glob("*/schedstat"):
            try:
                total += int(f.read_text().split()[0])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
        return total / 1e6

    def signal(self, sig: int) -> None:
        if not self.alive():
            raise LabError(f"{self.name} exited with {self.proc.poll()}: {self.output()}")
        os.kill(self.pid, sig)

    def stop(self) -> None:
        """SIGCONT (it may be stopped), SIGTERM, bounded wait, SIGKILL."""
        if self.proc is None:
            return
        if self.alive():
            for sig in (signal.SIGCONT, signal.SIGTERM):
                os.kill(self.pid, sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def output(self) -> str:
        return ""


class FloeSpeaker(Speaker):
    name = "floe"

    def __init__(self, lab: BgpLab):
        super().__init__(lab)
        self.se: FloeSe | None = None

    def start(self, addresses: list[str]) -> float:
        path = self.lab.write_config(floe_document(addresses), "se1.json")
        self.se = FloeSe(self.lab, path, name="se1")
        t0 = time.monotonic()
        self.se.spawn()
        self.proc = self.se.proc
        return t0

    def stop(self) -> None:
        super().stop()
        if self.se is not None:
            self.se.terminate_quietly()  # forgets it in lab.py's emergency list

    def output(self) -> str:
        return self.se.log() if self.se else ""


class BirdSpeaker(Speaker):
    name = "bird"

    def __init__(self, lab: BgpLab):
        super().__init__(lab)
        self.dir = lab.dir / "bird"

    def start(self, addresses: list[str]) -> float:
        self.dir.mkdir(parents=True, exist_ok=True)
        conf = self.dir / "bird.conf"
        conf.write_text(bird_config(addresses, self.dir / "bird.log"))
        cmd = ["ip", "netns", "exec", self.lab.ns("se1"), "bird", "-f", "-c", str(conf),
               "-s", str(self.dir / "bird.ctl"), "-P", str(self.dir / "bird.pid")]
        with open(self.dir / "bird.out", "ab") as out:
            t0 = time.monotonic()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)
        return t0

    def output(self) -> str:
        text = ""
        for f in ("bird.out", "bird.log"):
            p = self.dir / f
            if p.exists():
                text += f"--- {p} ---\n" + p.read_text(errors="replace")[-3000:]
        return text


class Bench:
    def __init__(self, args):
        self.args = args
        self.lab = BgpLab(os.environ.get("FLOE_LAB") or "bench")
        self.router: Frr | None = None
        self.one_vip_cpu_ms = 0.0
        self.router_ns = self.lab.ns("router")

    # -- the router's view ----------------------------------------------------------------------
    def kernel_routes(self) -> set[str]:
        """/32 destinations the router's zebra installed from BGP."""
        out = ns_exec(self.router_ns, "ip", "-4", "route", "show", "proto", "bgp").stdout
        return {line.split()[0] for line in out.splitlines() if line.strip()}

    def has_vip_route(self) -> bool:
        out = ns_exec(self.router_ns, "ip", "-4", "route", "show", f"{VIP}/32").stdout
        return SE_IP in out

    def bgp_state(self) -> str:
        try:
            return self.router.neighbor_state(SE_IP)
        except (LabError, json.JSONDecodeError):
            return ""

    def bfd_up(self) -> bool:
        try:
            peers = self.router.json("show bfd peers json")
        except (LabError, json.JSONDecodeError):
            return False
        for p in peers:
            if p.get("peer") == SE_IP and p.get("status") == "up":
                return (p.get("remote-transmit-interval") == BFD_MS[0]
                        and p.get("remote-receive-interval") == BFD_MS[1])
        return False

    def wait(self, pred, timeout: float, what: str, sp: Speaker, interval: float = 0.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not sp.alive():
                raise LabError(f"{sp.name} exited while waiting for {what}\n{sp.output()}")
            if pred():
                return time.monotonic()
            if interval:
                time.sleep(interval)
        raise LabError(f"{sp.name}: no {what} within {timeout} s\n"
                       f"{self.router.vtysh('show ip bgp summary', 'show bfd peers brief')}\n"
                       f"{sp.output()}")

    def wait_router_idle(self) -> None:
        """Between measurements: the router holds no route from the speaker and no session."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not self.kernel_routes() and self.bgp_state() != "Established":
                return
            time.sleep(0.1)
        raise LabError("the router still holds the previous speaker's session or routes:\n"
                       + self.router.vtysh("show ip bgp summary"))

    # -- measurements ---------------------------------------------------------------------------
    def up_with_bfd(self, sp: Speaker) -> float:
        """Start `sp` with one VIP; wait for Established, the route and BFD Up at 50 ms. Returns
        the establishment time in ms; `one_vip_cpu_ms` is the speaker's CPU time once the
        route was at the router."""
        self.wait_router_idle()
        t0 = sp.start(vips(1))
        t1 = self.wait(lambda: self.bgp_state() == "Established", 30, "Established", sp)
        self.wait(self.has_vip_route, 20, "VIP route at the router", sp, 0.01)
        self.one_vip_cpu_ms = sp.cpu_sched_ms()
        self.wait(self.bfd_up, 20, "BFD up at 50 ms", sp, 0.1)
        return (t1 - t0) * 1000

    def withdrawal(self, sp: Speaker, sig: int) -> float:
        """ms from `sig` to the VIP's /32 gone from the router's kernel table (bounded: 5 s)."""
        t0 = time.monotonic()
        sp.signal(sig)
        while self.has_vip_route():
            if time.monotonic() - t0 > 5:
                raise LabError(f"{sp.name}: route still at the router 5 s after signal {sig}")
        return (time.monotonic() - t0) * 1000

    def many(self, sp: Speaker, count: int) -> tuple[float, float, float, float]:
        """Start `sp` with `count` VIPs: ms to Established, ms to all `count` /32s in the
        router's kernel table (polled without pause), CPU seconds (utime+stime) and CPU ms
        (schedstat) the speaker had used then."""
        self.wait_router_idle()
        want = {f"{a}" for a in vips(count)}
        t0 = sp.start(vips(count))
        te = self.wait(lambda: self.bgp_state() == "Established", 30, "Established", sp)
        t1 = self.wait(lambda: want <= self.kernel_routes(), 60,
                       f"all {count} routes at the router", sp)
        return (te - t0) * 1000, (t1 - t0) * 1000, sp.cpu_seconds(), sp.cpu_sched_ms()

    def round(self, sp: Speaker, results: dict) -> None:
        r = results.setdefault(sp.name, {})
        try:
            r.setdefault("establish_ms", []).append(self.up_with_bfd(sp))
            r.setdefault("one_vip_cpu_ms", []).append(self.one_vip_cpu_ms)
            r.setdefault("withdraw_sigkill_ms", []).append(self.withdrawal(sp, signal.SIGKILL))
        finally:
            sp.stop()
        try:
            r.setdefault("establish_ms", []).append(self.up_with_bfd(sp))
            r.setdefault("withdraw_sigstop_ms", []).append(self.withdrawal(sp, signal.SIGSTOP))
        finally:
            sp.stop()
        try:
            est, ms, cpu, cpu_ms = self.many(sp, self.args.vips)
            r.setdefault("vips_establish_ms", []).append(est)
            r.setdefault("vips_all_ms", []).append(ms)
            r.setdefault("vips_cpu_s", []).append(cpu)
            r.setdefault("vips_cpu_ms", []).append(cpu_ms)
        finally:
            sp.stop()

    def run(self) -> dict:
        require_frr()
        self.lab.up()
        results: dict = {}
        try:
            self.router = Frr(self.router_ns, self.lab.dir / "frr",
                              frr_config([{"ip": SE_IP, "bfd": True}], bfd_ms=BFD_MS))
            self.router.start()
            if self.args.frr_coalesce_ms is not None:
                # FRR sends its first UPDATEs and End-of-RIB to a new peer after the update
                # group's coalesce time (1 s by default); BIRD sends its routes only after that.
                self.router.vtysh("configure terminal", "router bgp 1",
                                  f"coalesce-time {self.args.frr_coalesce_ms}")
            speakers = [FloeSpeaker(self.lab), BirdSpeaker(self.lab)]
            if self.args.only:
                speakers = [s for s in speakers if s.name == self.args.only]
            for n in range(self.args.rounds):
                for sp in speakers:
                    print(f"round {n + 1}/{self.args.rounds}: {sp.name}", file=sys.stderr,
                          flush=True)
                    self.round(sp, results)
        finally:
            if self.router is not None:
                self.router.stop()
            self.lab.down()
        return results


FIGURES = (("withdraw_sigkill_ms", "withdrawal after SIGKILL, ms"),
           ("withdraw_sigstop_ms", "withdrawal after SIGSTOP (BFD 50x3), ms"),
           ("establish_ms", "session establishment, ms"),
           ("vips_establish_ms", "Established with the VIPs configured, ms"),
           ("vips_all_ms", "VIPs all at the router after start, ms"),
           ("vips_cpu_s", "CPU s (utime+stime, 10 ms ticks) used until then"),
           ("vips_cpu_ms", "CPU ms (schedstat) used until then"),
           ("one_vip_cpu_ms", "CPU ms (schedstat) with 1 VIP, start to route at the router"))


def report(results: dict, args) -> list[dict]:
    lines = []
    print(f"# medians over {args.rounds} rounds (establishment: 2 per round); lower is better; "
          f"ratio = floe/bird")
    for key, label in FIGURES:
        f = results.get("floe", {}).get(key, [])
        b = results.get("bird", {}).get(key, [])
        fm = statistics.median(f) if f else None
        bm = statistics.median(b) if b else None
        ratio = f"{fm / bm:.2f}" if fm is not None and bm else "n/a"
        name = key if key.startswith("one_") else key.replace("vips", f"{args.vips}_vips")
        fmt = (lambda v: "n/a" if v is None else f"{v:.2f}" if key.endswith("_s") else
               f"{v:.0f}")
        print(f"{name} floe={fmt(fm)} bird={fmt(bm)} ratio={ratio}   "
              f"({label}; floe {[round(x, 2) for x in f]} bird {[round(x, 2) for x in b]})")
        lines.append({"figure": name, "floe": fm, "bird": bm, "floe_rounds": f,
                      "bird_rounds": b})
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--vips", type=int, default=1000)
    ap.add_argument("--only", choices=("floe", "bird"))
    ap.add_argument("--frr-coalesce-ms", type=int, metavar="MS",
                    help="set the router's `coalesce-time` (FRR's default: 1000)")
    ap.add_argument("--json", help="write the figures and every round to this file")
    args = ap.parse_args()
    if not 1 <= args.rounds <= 50 or not 1 <= args.vips <= 20000:
        ap.error("--rounds 1..50, --vips 1..20000")
    if args.frr_coalesce_ms is not None and not 0 <= args.frr_coalesce_ms <= 4294967295:
        ap.error("--frr-coalesce-ms 0..4294967295")
    bench = Bench(args)
    results = bench.run()
    lines = report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": args.rounds, "vips": args.vips,
                                               "figures": lines}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except LabError as e:
        print(f"bgp_vs_bird: {e}", file=sys.stderr)
        sys.exit(1)
