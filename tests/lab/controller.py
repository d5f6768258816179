"""Helpers of the controller and CLI tests (stdlib only, root).

- ControllerNs: a network namespace of its own (name from $FLOE_LAB) with only `lo` up, so
  that the controller, curl and the floe CLI talk over the namespace's loopback and nothing
  reaches the host's network. Removed on exit and at interpreter exit.
- Controller: `floe-controller --listen 127.0.0.1:PORT --db FILE` inside that namespace;
  start, SIGKILL, restart; api() sends one REST request with curl and returns (status, JSON).
- floe(): runs the `floe` CLI inside the namespace.

Binaries come from $FLOE_CONTROLLER_BIN and $FLOE_CLI (ctest sets them); missing is an error,
never a skip.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from lab import LabError, run, wait_until

ADMIN_PASSWORD = "lab-admin-secret"
PORT = 9443


def binary(var: str) -> str:
    path = os.environ.get(var, "")
    if not path:
        raise LabError(f"{var} is not set (ctest sets it; by hand e.g. "
                       f"{var}=build/dev/apps/{'floe-controller' if 'CONTROLLER' in var else 'floe'})")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise LabError(f"{var}={path} is not an executable file")
    return path


def require_environment() -> None:
    if os.geteuid() != 0:
        raise LabError("the controller tests need root (a network namespace of their own)")
    if shutil.which("curl") is None:
        raise LabError("missing tool: curl")
    binary("FLOE_CONTROLLER_BIN")
    binary("FLOE_CLI")


_namespaces: list[str] = []
_processes: list[subprocess.Popen] = []


def _cleanup() -> None:
    for p in list(_processes):
        if p.poll() is None:
            p.kill()
            p.wait()
    for ns in list(_namespaces):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        _namespaces.remove(ns)


atexit.register(_cleanup)


class ControllerNs:
    """A namespace with lo up; `name` defaults to $FLOE_LAB-ctl<pid>."""

    def __init__(self, suffix: str = "ctl"):
        prefix = os.environ.get("FLOE_LAB", "floet")
        self.name = f"{prefix}-{suffix}{os.getpid()}"

    def __enter__(self) -> "ControllerNs":
        run(["ip", "netns", "add", self.name])
        _namespaces.append(self.name)
        run(["ip", "-n", self.name, "link", "set", "lo", "up"])
        return self

    def __exit__(self, *exc) -> None:
        run(["ip", "netns", "del", self.name], check=False)
        if self.name in _namespaces:
            _namespaces.remove(self.name)

    def exec(self, *cmd, timeout: float = 20, check: bool = True, input: str | None = None,
             env: dict | None = None) -> subprocess.CompletedProcess:
        return run(["ip", "netns", "exec", self.name, *cmd], timeout=timeout, check=check,
                   input=input, env=env)


class Controller:
    """floe-controller in `ns` with its database in a temporary directory."""

    def __init__(self, ns: ControllerNs, port: int = PORT, tls: tuple[str, str] | None = None,
                 admin_password: str | None = ADMIN_PASSWORD, db_dir: str | None = None,
                 extra_args: tuple = ()):
        self.ns = ns
        self.extra_args = tuple(extra_args)
        self.port = port
        self.tls = tls
        self.admin_password = admin_password
        self._tmp = None if db_dir else tempfile.TemporaryDirectory(prefix="floe-ctl-")
        self.db = str(Path(db_dir or self._tmp.name) / "floe.db")
        self.proc: subprocess.Popen | None = None
        self.stdout = ""

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> "Controller":
        cmd = ["ip", "netns", "exec", self.ns.name, binary("FLOE_CONTROLLER_BIN"),
               "--listen", f"127.0.0.1:{self.port}", "--db", self.db]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        cmd += list(self.extra_args)
        env = dict(os.environ)
        env.pop("FLOE_ADMIN_PASSWORD", None)
        if self.admin_password is not None:
            env["FLOE_ADMIN_PASSWORD"] = self.admin_password
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        _processes.append(self.proc)
        if not wait_until(lambda: self.api("GET", "/api/vrfcontext", auth=False)[0] == 401, 10):
            self.kill()
            raise LabError(f"floe-controller did not answer on {self.url}: "
                           f"{self.proc.stderr.read() if self.proc.stderr else ''}")
        return self

    def kill(self, sig: int = signal.SIGKILL) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        out, _ = self.proc.communicate()
        self.stdout += out or ""
        _processes.remove(self.proc)
        self.proc = None
        return rc

    def __enter__(self) -> "Controller":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill(signal.SIGTERM)
        if self._tmp:
            self._tmp.cleanup()

    def api(self, method: str, path: str, body=None, auth: bool | tuple = True,
            headers: list[str] | None = None) -> tuple[int, object]:
        """One request with curl; (HTTP status, parsed JSON or None). Status 0: no answer."""
        cmd = ["curl", "-s", "-k", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
               "-X", method]
        if auth is True:
            cmd += ["-u", f"admin:{self.admin_password}"]
        elif isinstance(auth, tuple):
            cmd += ["-u", f"{auth[0]}:{auth[1]}"]
        for h in headers or []:
            cmd += ["-H", h]
        if body is not None:
            cmd += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
        cp = self.ns.exec(*cmd, self.url + path, check=False, timeout=15,
                          input=None if body is None else json.dumps(body))
        text, _, code = cp.stdout.rpartition("\n")
        status = int(code) if code.strip().isdigit() else 0
        try:
            data = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            data = text
        return status, data

    def find(self, type_: str, name: str) -> dict | None:
        status, data = self.api("GET", f"/api/{type_}?name={name.replace(' ', '%20')}")
        if status != 200:
            raise LabError(f"GET /api/{type_}?name={name}: {status} {data}")
        return data["results"][0] if data["count"] else None

    def all(self, type_: str) -> list[dict]:
        status, data = self.api("GET", f"/api/{type_}?page_size=1000")
        if status != 200:
            raise LabError(f"GET /api/{type_}: {status} {data}")
        return data["results"]

    def floe(self, *args, input: str | None = None, timeout: float = 60,
             user: str = "admin", password: str | None = None) -> subprocess.CompletedProcess:
        """The floe CLI against this controller (script mode when input is given)."""
        env = dict(os.environ)
        env["FLOE_USER"] = user
        env["FLOE_PASSWORD"] = password if password is not None else self.admin_password
        return self.ns.exec(binary("FLOE_CLI"), "--controller", self.url, *args,
                            input=input if input is not None else "", check=False,
                            timeout=timeout, env=env)
