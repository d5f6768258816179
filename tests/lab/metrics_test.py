"""End-to-end: `floe-se --metrics` scraped by a real Prometheus (Debian's prometheus) in the
SE's namespace, in the one-armed lab. Needs root, FLOE_SE, prometheus and promtool; missing
any is an error, never a skip.

Checks: the live /metrics text passes `promtool check metrics`; Prometheus scrapes floe-se
(target health "up"); a request through the VIP moves
floe_virtualservice_connections_total{virtualservice="vs1"} as Prometheus's query API sees
it; floe-se tells systemd READY=1 on $NOTIFY_SOCKET once its config is applied.
Every process and namespace it starts is gone at the end, also on failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import unittest
import urllib.parse

from lab import (FloeSe, LabError, floe_leftovers, OneArmedLab, http_get, load_config, ns_exec,
                 require_environment, run, server_states, vs_state, wait_until)

SE_IP = "10.10.1.11"
METRICS = f"{SE_IP}:9100"
PROM = f"{SE_IP}:9090"
VIP_URL = "http://10.10.2.100/"
QUERY = 'floe_virtualservice_connections_total{virtualservice="vs1"}'


def setUpModule():
    require_environment()
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            raise LabError(f"missing {tool}: apt-get install prometheus (scripts/install-deps.sh)")


class Prometheus:
    """prometheus in namespace `ns`, scraping `target` every second; config and TSDB in `dir`."""

    def __init__(self, ns: str, listen: str, target: str, dir_):
        self.ns, self.listen, self.dir = ns, listen, dir_
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: floe-se\n"
            f"    static_configs:\n      - targets: ['{target}']\n")
        self.log_path = self.dir / "prometheus.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, "prometheus",
                 f"--config.file={self.dir / 'prometheus.yml'}",
                 f"--storage.tsdb.path={self.dir / 'data'}",
                 f"--web.listen-address={self.listen}", "--storage.tsdb.retention.time=1h"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def api(self, path: str) -> dict:
        out = ns_exec(self.ns, "curl", "-s", "-f", "--max-time", "2",
                      f"http://{self.listen}{path}", timeout=8).stdout
        doc = json.loads(out)
        if doc.get("status") != "success":
            raise LabError(f"prometheus {path}: {out[:300]}")
        return doc["data"]

    def query(self, expr: str) -> float | None:
        result = self.api("/api/v1/query?query=" + urllib.parse.quote(expr))["result"]
        return float(result[0]["value"][1]) if result else None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


class MetricsScrape(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.config = cls.lab.write_config(load_config())
        # A NOTIFY_SOCKET as systemd's: a datagram socket floe-se writes READY=1 to.
        cls.notify_path = str(cls.lab.dir / "notify.sock")
        cls.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        cls.addClassCleanup(cls.notify.close)
        cls.notify.bind(cls.notify_path)
        cls.notify.settimeout(0.1)
        os.environ["NOTIFY_SOCKET"] = cls.notify_path
        try:
            cls.se = FloeSe(cls.lab, cls.config, extra_args=("--metrics", METRICS))
            cls.addClassCleanup(cls.se.terminate_quietly)
            cls.se.start()
        finally:
            del os.environ["NOTIFY_SOCKET"]
        ok = wait_until(lambda: vs_state(cls.se.status(), "vs1") == "UP" and
                        set(server_states(cls.se.status(), "web").values()) == {"UP"}, 15, 0.2)
        if not ok:
            raise LabError(f"vs1 not UP within 15 s\n{cls.se.log()}")
        cls.prom = Prometheus(cls.lab.se1, PROM, METRICS, cls.lab.dir / "prometheus")
        cls.addClassCleanup(cls.prom.stop)
        cls.prom.start()

    def notifications(self) -> list[str]:
        out = []
        for _ in range(100):
            try:
                out.append(self.notify.recv(4096).decode())
            except (socket.timeout, BlockingIOError):
                break
        return out

    def test_tells_systemd_ready_after_applying_its_config(self):
        messages = self.notifications()
        self.assertTrue(any(m.startswith("READY=1\n") for m in messages), messages)
        self.assertTrue(any("STATUS=serviceengine se1 applied" in m for m in messages), messages)

    def test_tells_systemd_reloading_then_ready_on_sighup(self):
        self.notifications()  # drain what start said
        self.se.reload()
        got = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(m.startswith("READY=1") for m in got):
            got += self.notifications()
        self.assertTrue(got and got[0].startswith("RELOADING=1"), got)
        self.assertTrue(any(m.startswith("READY=1") and "generation 2" in m for m in got), got)

    def test_live_text_passes_promtool(self):
        text = ns_exec(self.lab.se1, "curl", "-s", "-f", "--max-time", "3",
                       f"http://{METRICS}/metrics").stdout
        self.assertIn('floe_virtualservice_state{virtualservice="vs1",state="UP"} 1', text)
        self.assertIn('floe_server_state{pool="web",server="10.10.20.21:80",state="UP"} 1', text)
        self.assertIn("process_resident_memory_bytes ", text)
        # What the kernel holds, as floe-se status says it (not a sample written for the test).
        for address, device, role in (("10.10.1.100/32", "eth0", "floating"),
                                      ("10.10.2.100/32", "floe0", "vip"),
                                      ("10.10.3.100/32", "floe0", "snat")):
            self.assertIn(f'floe_se_address_installed{{address="{address}",device="{device}",'
                          f'role="{role}"}} 1', text)
        self.assertIn('floe_se_route_installed{prefix="0.0.0.0/0",next_hop="10.10.1.1"} 1', text)
        cp = run(["promtool", "check", "metrics"], input=text, check=False)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)

    def test_a_request_through_the_vip_moves_the_counter_prometheus_sees(self):
        def target_up():
            targets = self.prom.api("/api/v1/targets")["activeTargets"]
            return targets and targets[0]["health"] == "up"
        self.assertTrue(wait_until(target_up, 30, 0.5),
                        f"Prometheus never scraped floe-se\n{self.prom.log()}")
        wait_until(lambda: self.prom.query(QUERY) is not None, 15, 0.5)
        before = self.prom.query(QUERY)
        self.assertIsNotNone(before, f"no {QUERY} in Prometheus\n{self.prom.log()}")
        for _ in range(3):
            self.assertIsNotNone(http_get(self.lab.client, VIP_URL))
        moved = wait_until(lambda: (self.prom.query(QUERY) or 0) >= before + 3, 15, 0.5)
        self.assertTrue(moved, f"{QUERY} stayed at {self.prom.query(QUERY)} (before {before})")

    def test_refuses_a_metrics_address_it_cannot_listen_on_and_changes_nothing(self):
        cp = ns_exec(self.lab.se2, self.se.binary, "--name", "se2", "--config", str(self.config),
                     "--run-dir", str(self.lab.dir / "run2"), "--metrics", "10.10.1.99:9100",
                     timeout=15, check=False)
        self.assertEqual(cp.returncode, 1, cp.stdout + cp.stderr)
        self.assertIn("metrics 10.10.1.99:9100: cannot listen (", cp.stderr)
        self.assertEqual(floe_leftovers(self.lab.se2), [])


if __name__ == "__main__":
    unittest.main()
