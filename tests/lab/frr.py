"""FRR (Debian's frr package: zebra, bgpd, bfdd) as the lab's router, inside one namespace.

Every daemon gets this test's own configuration file, pid file, zebra socket and vty socket
directory (never /etc/frr or the system service): `-f`, `-i`, `-z`, `--vty_socket`, and
bfdd's `--bfdctl`. Daemons drop to Debian's `frr` user as usual, so the lab directory is
handed to that user. `Frr.stop()` (also on `with` exit) kills exactly the pids it started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from lab import LabError, run

FRR_DIR = Path("/usr/lib/frr")
DAEMONS = ("zebra", "bfdd", "bgpd")


def require_frr() -> None:
    """Fail (not skip) without Debian's frr."""
    missing = [d for d in DAEMONS if not (FRR_DIR / d).exists()]
    if missing or not Path("/usr/bin/vtysh").exists():
        raise LabError(f"FRR is missing ({', '.join(missing) or 'vtysh'}): "
                       "apt-get install frr (scripts/install-deps.sh)")


class Frr:
    """zebra + bfdd + bgpd in namespace `ns`, files under `directory`."""

    def __init__(self, ns: str, directory: Path, config: str):
        self.ns = ns
        self.dir = Path(directory)
        self.config = config
        self.procs: dict[str, subprocess.Popen] = {}

    @property
    def zserv(self) -> Path:
        return self.dir / "zserv.api"

    def start(self) -> "Frr":
        require_frr()
        self.dir.mkdir(parents=True, exist_ok=True)
        conf = self.dir / "frr.conf"
        conf.write_text(self.config)
        shutil.chown(self.dir, "frr", "frr")
        shutil.chown(conf, "frr", "frr")
        os.chmod(self.dir, 0o775)
        for daemon in DAEMONS:
            args = [str(FRR_DIR / daemon), "-f", str(conf), "-i", str(self.dir / f"{daemon}.pid"),
                    "-z", str(self.zserv), "--vty_socket", str(self.dir), "--log", f"file:{self.dir / (daemon + '.log')}"]
            if daemon == "bfdd":
                args += ["--bfdctl", str(self.dir / "bfdd.sock")]
            log = open(self.dir / f"{daemon}.out", "ab")
            self.procs[daemon] = subprocess.Popen(["ip", "netns", "exec", self.ns, *args],
                                                  stdin=subprocess.DEVNULL, stdout=log,
                                                  stderr=subprocess.STDOUT,
                                                  start_new_session=True)
            log.close()
            if daemon == "zebra":
                self._wait(lambda: self.zserv.exists() and (self.dir / "zebra.vty").exists(),
                           10, "zebra's sockets")
            # bgpd registers its BFD sessions through zebra to bfdd once, at configuration
            # time: bfdd must be zebra's client by then.
            if daemon == "bfdd":
                self._wait(lambda: "bfd" in self.vtysh_raw("show zebra client summary",
                                                           check=False).stdout,
                           20, "bfdd connected to zebra")
        self._wait(lambda: self.vtysh_ok(), 15, "vtysh answering")
        return self

    def _wait(self, pred, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    out = (self.dir / f"{name}.out").read_text(errors="replace")
                    raise LabError(f"FRR {name} exited with {p.returncode}:\n{out}")
            if pred():
                return
            time.sleep(0.1)
        raise LabError(f"FRR: no {what} within {timeout}s")

    def vtysh_ok(self) -> bool:
        cp = self.vtysh_raw("show version", check=False)
        return cp.returncode == 0

    def vtysh_raw(self, *commands: str, check: bool = True) -> subprocess.CompletedProcess:
        args = ["ip", "netns", "exec", self.ns, "vtysh", "--vty_socket", str(self.dir)]
        for c in commands:
            args += ["-c", c]
        return run(args, timeout=15, check=check)

    def vtysh(self, *commands: str) -> str:
        return self.vtysh_raw(*commands).stdout

    def json(self, command: str):
        return json.loads(self.vtysh(command))

    def neighbor_state(self, peer: str) -> str:
        j = self.json(f"show ip bgp neighbors {peer} json")
        return j.get(peer, {}).get("bgpState", "")

    def routes(self, afi: str = "ip") -> dict:
        """prefix -> [next hops] of the best paths in `show ip bgp json` (or `show bgp ipv6`)."""
        cmd = "show ip bgp json" if afi == "ip" else "show bgp ipv6 unicast json"
        table = self.json(cmd).get("routes", {})
        out = {}
        for prefix, paths in table.items():
            hops = []
            for p in paths:
                for nh in p.get("nexthops", []):
                    hops.append(nh.get("ip", ""))
            out[prefix] = hops
        return out

    def stop(self) -> None:
        for name in reversed(DAEMONS):
            p = self.procs.get(name)
            if p is None or p.poll() is not None:
                continue
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        self.procs.clear()

    def __enter__(self) -> "Frr":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
