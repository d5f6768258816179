"""Helpers of the floe lab end-to-end tests (stdlib only, Python 3.11, root).

- OneArmedLab: context manager around lab/one-armed.sh up/down. The lab is torn down on
  exit, at interpreter exit (atexit) and on SIGTERM/SIGHUP, so no namespace or process
  outlives the tests.
- FloeSe: context manager running `floe-se --name SE --config FILE` inside a lab
  namespace; waits until `floe-se status` answers; SIGTERM (then SIGKILL) on exit.
- ns_exec, http_get, wait_until, net_state, floe_leftovers, KeepAliveProbe.

Every wait is bounded in time; every loop is bounded in count.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("FLOE_SOURCE_DIR") or HERE.parents[1])
LAB_SCRIPT = SOURCE_DIR / "lab" / "one-armed.sh"
ONE_ARMED_CONFIG = SOURCE_DIR / "lab" / "one-armed" / "floe.json"
TWO_ARMED_SCRIPT = SOURCE_DIR / "lab" / "two-armed.sh"
TWO_ARMED_CONFIG = SOURCE_DIR / "lab" / "two-armed" / "floe.json"
FLOE_PROTO = "199"  # route protocol number floe tags its routes with


class LabError(Exception):
    pass


def floe_se_binary() -> str:
    """Path of floe-se from $FLOE_SE. Missing or not executable is an error, never a skip."""
    path = os.environ.get("FLOE_SE", "")
    if not path:
        raise LabError("FLOE_SE is not set: point it at the floe-se binary "
                       "(ctest sets it; by hand: FLOE_SE=build/dev/apps/floe-se)")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise LabError(f"FLOE_SE={path} is not an executable file")
    return path


def require_environment() -> None:
    """Fail (not skip) when the tests cannot run here."""
    if os.geteuid() != 0:
        raise LabError("the lab tests need root (network namespaces)")
    missing = [t for t in ("ip", "nginx", "curl", "setsid") if shutil.which(t) is None]
    if missing:
        raise LabError(f"missing tools: {' '.join(missing)}")
    floe_se_binary()


def run(cmd, *, timeout: float = 10, check: bool = True, input: str | None = None,
        env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a command, capture text output; raise LabError with the output on failure."""
    try:
        cp = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                            timeout=timeout, input=input, env=env)
    except subprocess.TimeoutExpired as e:
        raise LabError(f"timed out after {timeout}s: {' '.join(map(str, cmd))}\n"
                       f"stdout: {e.stdout}\nstderr: {e.stderr}") from None
    if check and cp.returncode != 0:
        raise LabError(f"exit {cp.returncode}: {' '.join(map(str, cmd))}\n"
                       f"stdout: {cp.stdout}\nstderr: {cp.stderr}")
    return cp


def ns_exec(ns: str, *cmd, timeout: float = 10, check: bool = True,
            input: str | None = None) -> subprocess.CompletedProcess:
    return run(["ip", "netns", "exec", ns, *cmd], timeout=timeout, check=check, input=input)


def ip_json(ns: str, *args) -> list:
    out = run(["ip", "-n", ns, "-j", *args]).stdout.strip()
    return json.loads(out) if out else []


def http_get(ns: str, url: str, timeout: float = 2.0) -> str | None:
    """GET url with curl inside namespace ns; the body (stripped), or None on any failure."""
    cp = ns_exec(ns, "curl", "-s", "-f", "--max-time", str(timeout), url,
                 timeout=timeout + 5, check=False)
    return cp.stdout.strip() if cp.returncode == 0 else None


def wait_until(pred, timeout: float, interval: float = 0.1):
    """Call pred() until it returns something truthy or timeout seconds pass.
    Returns that value, or the last falsy value on timeout. Exceptions count as falsy."""
    deadline = time.monotonic() + timeout
    value = None
    while True:
        try:
            value = pred()
        except (LabError, ValueError, KeyError, IndexError, TypeError):
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --- kernel state of a namespace -----------------------------------------------------------

def net_state(ns: str) -> dict:
    """Addresses, links, routes (all tables) and policy rules of ns, as comparable sets."""
    links, addrs = set(), set()
    for link in ip_json(ns, "addr", "show"):
        links.add(link["ifname"])
        for a in link.get("addr_info", []):
            addrs.add((link["ifname"], f'{a["local"]}/{a["prefixlen"]}', a.get("label", "")))
    routes = {json.dumps(r, sort_keys=True) for r in ip_json(ns, "route", "show", "table", "all")}
    rules = {json.dumps(r, sort_keys=True) for r in ip_json(ns, "rule", "show")}
    return {"links": links, "addresses": addrs, "routes": routes, "rules": rules}


def diff_state(before: dict, after: dict) -> list[str]:
    out = []
    for key in before:
        for item in sorted(map(str, after[key] - before[key])):
            out.append(f"{key}: added {item}")
        for item in sorted(map(str, before[key] - after[key])):
            out.append(f"{key}: removed {item}")
    return out


def floe_leftovers(ns: str) -> list[str]:
    """Everything in ns that floe would have created: floe0, floe-labelled addresses,
    proto 199 routes (any table). Empty list = clean."""
    out = []
    for link in ip_json(ns, "addr", "show"):
        if link["ifname"] == "floe0":
            out.append("device floe0")
        for a in link.get("addr_info", []):
            if "floe" in a.get("label", ""):
                out.append(f'address {a["local"]}/{a["prefixlen"]} dev {link["ifname"]} '
                           f'label {a["label"]}')
    for r in ip_json(ns, "route", "show", "table", "all", "proto", FLOE_PROTO):
        out.append(f"route {json.dumps(r, sort_keys=True)}")
    return out


def link_mac(ns: str, dev: str) -> str:
    return ip_json(ns, "link", "show", "dev", dev)[0]["address"]


# --- the lab --------------------------------------------------------------------------------

_active_labs: list["OneArmedLab"] = []
_active_ses: list["FloeSe"] = []
_handlers_installed = False


def _emergency_cleanup() -> None:
    for se in list(_active_ses):
        se.terminate_quietly()
    for lab in list(_active_labs):
        lab.down()


def _on_fatal_signal(signum, _frame) -> None:
    _emergency_cleanup()
    os._exit(128 + signum)


def _install_handlers() -> None:
    global _handlers_installed
    if _handlers_installed:
        return
    atexit.register(_emergency_cleanup)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _on_fatal_signal)
        # SIGINT stays KeyboardInterrupt: it unwinds through the context managers, and
        # atexit catches whatever is left.
    _handlers_installed = True


class OneArmedLab:
    """lab/one-armed.sh topology with namespace prefix `name` (default $FLOE_LAB or floet)."""

    HOSTS = ("client", "router", "se1", "se2", "srv1", "srv2", "sw")
    SCRIPT = LAB_SCRIPT

    def __init__(self, name: str | None = None):
        self.name = name or os.environ.get("FLOE_LAB") or "floet"
        self.dir = Path(f"/tmp/floe-lab-{self.name}")
        self.env = dict(os.environ, FLOE_LAB=self.name)
        self.up_ = False
        for h in self.HOSTS:
            setattr(self, h, f"{self.name}-{h}")

    def ns(self, host: str) -> str:
        return f"{self.name}-{host}"

    def script(self, *args, timeout: float = 60) -> subprocess.CompletedProcess:
        return run([self.SCRIPT, *args], timeout=timeout, env=self.env)

    def up(self) -> None:
        _install_handlers()
        self.script("down")  # leftovers of an earlier, killed run
        _active_labs.append(self)
        self.up_ = True
        self.script("up")

    def down(self) -> None:
        if not self.up_:
            return
        try:
            self.script("down")
        finally:
            self.up_ = False
            if self in _active_labs:
                _active_labs.remove(self)

    def __enter__(self) -> "OneArmedLab":
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    # back-end servers
    def server_stop(self, srv: str) -> None:
        self.script("server-stop", srv)

    def server_start(self, srv: str) -> None:
        self.script("server-start", srv)

    def access_log(self, srv: str) -> list[str]:
        path = self.dir / srv / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def clear_access_logs(self) -> None:
        for srv in ("srv1", "srv2"):
            # nginx opened the file with O_APPEND: truncating in place is safe.
            with open(self.dir / srv / "access.log", "w"):
                pass

    def write_config(self, doc: dict, name: str = "floe.json") -> Path:
        path = self.dir / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, path)  # atomic: a reload never reads half a file
        return path


class TwoArmedLab(OneArmedLab):
    """lab/two-armed.sh (reference 2: front-end 10.10.40.0/24, back-end 10.10.10.0/24 directly
    attached to the SEs, servers' default gateway the floating IP 10.10.10.11)."""

    HOSTS = ("client", "router", "fe", "se1", "se2", "srv1", "srv2", "sw")
    SCRIPT = TWO_ARMED_SCRIPT

    def router_route(self, action: str) -> None:
        """'add' or 'del' the router's static route 10.10.10.0/24 via 10.10.40.11."""
        self.script("router-route", action)


def load_config() -> dict:
    return json.loads(ONE_ARMED_CONFIG.read_text())


def load_two_armed_config() -> dict:
    return json.loads(TWO_ARMED_CONFIG.read_text())


# --- floe-se ----------------------------------------------------------------------------------

class FloeSeError(LabError):
    pass


class FloeSe:
    """`ip netns exec NS floe-se --name NAME --config FILE --run-dir DIR` as a child process.

    Output (stdout+stderr) goes to a log file in the lab directory; it is printed to stderr
    when the `with` block fails. On exit: SIGTERM, bounded wait, then SIGKILL."""

    _count = 0

    def __init__(self, lab: OneArmedLab, config: Path, name: str = "se1",
                 ns: str | None = None, start_timeout: float = 15, stop_timeout: float = 10,
                 extra_args: tuple = ()):
        self.binary = floe_se_binary()
        self.lab, self.config, self.name = lab, Path(config), name
        self.ns = ns or lab.ns(name)
        self.run_dir = lab.dir / "run"
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.extra_args = tuple(extra_args)
        FloeSe._count += 1
        self.log_path = lab.dir / f"floe-se-{name}-{FloeSe._count}.log"
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None

    # process control
    def command(self) -> list[str]:
        return ["ip", "netns", "exec", self.ns, self.binary, "--name", self.name,
                "--config", str(self.config), "--run-dir", str(self.run_dir),
                *self.extra_args]

    def spawn(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # ip netns exec execs floe-se: the child's pid is floe-se's pid.
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        _active_ses.append(self)
        self.returncode = None

    def start(self) -> "FloeSe":
        self.spawn()
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                self._forget()
                self.returncode = self.proc.returncode
                raise FloeSeError(f"floe-se exited with {self.returncode} during start\n"
                                  f"{self.log()}")
            try:
                self.status()
                return self
            except LabError:
                pass
            if time.monotonic() >= deadline:
                self.terminate_quietly()
                raise FloeSeError(f"`floe-se status --name {self.name}` gave no JSON within "
                                  f"{self.start_timeout}s of start\n{self.log()}")
            time.sleep(0.1)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if not self.alive():
            raise FloeSeError(f"floe-se is not running (exit {self.proc.poll()})\n{self.log()}")
        self.proc.send_signal(sig)

    def reload(self) -> None:
        self.signal(signal.SIGHUP)

    def wait(self, timeout: float) -> int | None:
        try:
            self.returncode = self.proc.wait(timeout=timeout)
            self._forget()
            return self.returncode
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> int:
        """SIGTERM and wait; returns the exit code. Raises if floe-se needed a SIGKILL."""
        if not self.alive():
            self._forget()
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        rc = self.wait(self.stop_timeout)
        if rc is None:
            self.kill()
            raise FloeSeError(f"floe-se did not exit within {self.stop_timeout}s of SIGTERM "
                              f"(killed)\n{self.log()}")
        return rc

    def kill(self) -> int:
        if self.alive():
            self.proc.kill()
        rc = self.wait(10)
        if rc is None:
            raise FloeSeError("floe-se survived SIGKILL for 10 s")
        return rc

    def terminate_quietly(self) -> None:
        if self.proc is None:
            return
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        self._forget()

    def _forget(self) -> None:
        if self in _active_ses:
            _active_ses.remove(self)

    # observation
    def status_cmd(self) -> list[str]:
        return [self.binary, "status", "--name", self.name, "--run-dir", str(self.run_dir)]

    def status(self) -> dict:
        cp = run(self.status_cmd(), timeout=5, check=False)
        if cp.returncode != 0:
            raise LabError(f"floe-se status exit {cp.returncode}: {cp.stderr.strip()}")
        try:
            doc = json.loads(cp.stdout)
        except json.JSONDecodeError as e:
            raise LabError(f"floe-se status printed no JSON ({e}): {cp.stdout[:500]!r}") from None
        if not isinstance(doc, dict):
            raise LabError(f"floe-se status JSON is not an object: {cp.stdout[:500]!r}")
        return doc

    def log(self) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            text = ""
        return f"--- {self.log_path} ---\n{text}--- end of log ---"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> "FloeSe":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            print(self.log(), file=sys.stderr)
        self.terminate_quietly()


# --- status helpers ---------------------------------------------------------------------------

def find_named(items, name: str) -> dict | None:
    for item in items or []:
        if item.get("name") == name:
            return item
    return None


def vs_state(status: dict, vs: str) -> str | None:
    v = find_named(status.get("virtualservices"), vs)
    return v.get("state") if v else None


def server_states(status: dict, pool: str) -> dict[str, str]:
    p = find_named(status.get("pools"), pool)
    return {s["ip"]: s.get("state") for s in (p or {}).get("servers", [])}


def run_floe_se_once(lab: OneArmedLab, config: Path, name: str = "se1",
                     timeout: float = 15) -> subprocess.CompletedProcess:
    """floe-se expected to exit by itself (invalid document, host mismatch): bounded run."""
    cmd = ["ip", "netns", "exec", lab.ns(name), floe_se_binary(), "--name", name,
           "--config", str(config), "--run-dir", str(lab.dir / "run")]
    (lab.dir / "run").mkdir(parents=True, exist_ok=True)
    return run(cmd, timeout=timeout, check=False)


# --- a long-lived client connection -------------------------------------------------------------

_PROBE = r"""
import json, socket, sys, time
host, port, duration, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
t0 = time.time()
def emit(**kw):
    kw["t"] = time.time()
    print(json.dumps(kw), flush=True)
try:
    s = socket.create_connection((host, port), timeout=3)
except OSError as e:
    emit(event="error", error="connect: %s" % e); sys.exit(1)
s.settimeout(3)
emit(event="connected", local=list(s.getsockname()))
f = s.makefile("rb")
n = 0
while time.time() - t0 < duration and n < 10000:
    n += 1
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: keep-alive\r\n\r\n")
        status = f.readline()
        length = None
        while True:
            line = f.readline()
            if not line:
                raise OSError("connection closed by peer")
            if line in (b"\r\n", b"\n"):
                break
            k, _, v = line.decode("latin-1").partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip())
        body = f.read(length or 0).decode("latin-1").strip()
        if not status.startswith(b"HTTP/1.1 200"):
            raise OSError("bad status %r" % status)
        emit(event="response", n=n, body=body)
    except (OSError, ValueError) as e:
        emit(event="error", n=n, error=str(e)); sys.exit(1)
    time.sleep(interval)
emit(event="done", n=n)
"""


class KeepAliveProbe:
    """One TCP connection from ns to host:port doing an HTTP/1.1 keep-alive request every
    `interval` seconds for `duration` seconds (a separate process in the namespace)."""

    def __init__(self, ns: str, host: str, port: int, duration: float, interval: float = 0.2):
        self.duration = duration
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", _PROBE, host, str(port),
             str(duration), str(interval)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self) -> list[dict]:
        try:
            out, err = self.proc.communicate(timeout=self.duration + 15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=5)
            raise LabError(f"keep-alive probe hung\n{out}\n{err}") from None
        events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        if not events:
            raise LabError(f"keep-alive probe printed nothing; stderr: {err}")
        return events

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def __enter__(self) -> "KeepAliveProbe":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

