"""End-to-end: the HTTP/1.1 reverse proxy of issue 8 in the one-armed lab (needs root and
FLOE_SE; missing either is an error, never a skip).

vs1 (VIP:80) uses an HTTP application profile in front of the two nginx servers. Extra
virtual services on the same VIP reach servers that misbehave on purpose: :8081 a port
nothing listens on (502), :8082 a listener that never answers (504), :8083 a tiny WebSocket-
style server (101, then echo). Checked: a GET through the VIP with X-Forwarded-For at the
server, keep-alive and server-connection reuse (counters and nginx's connection numbers),
multiplexing off, pipelined requests answered in order, request smuggling answered 400 and
closed, 503 with both servers stopped, 502, 504, slowloris closed after
client_header_timeout while others are served, an Upgrade tunnelled after 101, and a 256 MiB
download and upload streamed with the SE's memory bounded. vs-monitored (:8084) has a
HEALTH_MONITOR_HTTP pool: a 200 with the expected string is UP, a maintenance code DISABLED,
a refused port DOWN. vs-closing (:8086) reaches a server that closes a kept connection
when the next request arrives: floe resends the GET once; pooled connections the servers
closed while idle are dropped, never used.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import time
import unittest

from lab import (FloeSe, LabError, OneArmedLab, find_named, http_get, load_config,
                 require_environment, run, server_states, vs_state, wait_until)

VIP = "10.10.2.100"
CLIENT_IP = "198.51.100.10"
URL = f"http://{VIP}/"
READY_TIMEOUT = 15
HEADER_TIMEOUT_MS = 1000
SERVER_TIMEOUT_MS = 1500

# Runs in the client namespace: connects to argv[1]:argv[2], sends each hex chunk of argv[4:]
# (reading what comes back for argv[3] seconds between chunks; sending stops once the peer
# closed), then reads until the peer closes or 4 s of silence; prints {"data": hex,
# "closed": bool, "error": str}.
_RAW = r"""
import json, socket, sys, time
host, port, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
out = {"data": "", "closed": False, "error": ""}
got = b""
def read_for(seconds):
    global got
    end = time.time() + seconds
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            b = s.recv(65536)
        except socket.timeout:
            return
        if not b:
            out["closed"] = True
            return
        got += b
try:
    s = socket.create_connection((host, port), timeout=3)
    for i, chunk in enumerate(sys.argv[4:]):
        if i and pause:
            read_for(pause)
        if out["closed"]:
            break
        s.sendall(bytes.fromhex(chunk))
    if not out["closed"]:
        read_for(4)
except OSError as e:
    out["error"] = str(e)
out["data"] = got.hex()
print(json.dumps(out))
"""

# Runs in a server namespace: accepts on argv[1] and never answers (504 test).
_SILENT = r"""
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c)
"""

# Runs in a server namespace: answers an Upgrade request with 101, then echoes every byte.
_UPGRADE = r"""
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
def serve(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = c.recv(4096)
        if not b:
            return
        buf += b
    head, _, rest = buf.partition(b"\r\n\r\n")
    if b"upgrade: websocket" not in head.lower():
        c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\n\r\n")
    if rest:
        c.sendall(rest)
    while True:
        b = c.recv(4096)
        if not b:
            return
        c.sendall(b)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


# Runs in a server namespace: answers every request with 503 "under maintenance" and closes.
_MAINTENANCE = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept()
    try:
        c.settimeout(2); c.recv(4096)
        c.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 18\r\n\r\n"
                  b"under maintenance\n")
    except OSError:
        pass
    c.close()
"""


# Runs in a server namespace: answers the first request of each connection (keep-alive), then
# closes the connection without answering when the next request arrives, as a server whose
# keep-alive timeout ended just as the proxy reused the connection.
_ONE_PER_CONNECTION = r"""
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
def serve(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = c.recv(4096)
        if not b:
            c.close(); return
        buf += b
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfirst\n")
    c.recv(4096)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def setUpModule():
    require_environment()


def raw(lab: OneArmedLab, chunks: list[bytes], port: int = 80, pause: float = 0.0,
        timeout: float = 20) -> dict:
    cp = run(["ip", "netns", "exec", lab.client, "/usr/bin/python3", "-c", _RAW, VIP, str(port),
              str(pause), *[c.hex() for c in chunks]], timeout=timeout)
    out = json.loads(cp.stdout)
    out["bytes"] = bytes.fromhex(out["data"])
    return out


def statuses(data: bytes) -> list[int]:
    """Status codes of the responses in `data`, in order (found by their status lines)."""
    return [int(m) for m in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", data)]


def http_doc() -> dict:
    doc = load_config()
    doc.setdefault("applicationprofile", []).append({
        "name": "lab-http",
        "type": "APPLICATION_PROFILE_TYPE_HTTP",
        "http_profile": {"connection_multiplexing_enabled": True,
                         "client_header_timeout": HEADER_TIMEOUT_MS,
                         "keepalive_timeout": 10000},
    })
    vs1 = doc["virtualservice"][0]
    vs1["application_profile_ref"] = "lab-http"
    doc["pool"][0]["server_timeout"] = SERVER_TIMEOUT_MS
    for name, port in (("refusing", 8081), ("silent", 8082), ("upgrade", 8083),
                       ("closing", 8086)):
        doc["pool"].append({"name": name, "lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN",
                            "server_timeout": SERVER_TIMEOUT_MS,
                            "servers": [{"ip": "10.10.20.21", "port": port}]})
        vs = copy.deepcopy(vs1)
        vs["name"] = f"vs-{name}"
        vs["services"] = [{"port": port}]
        vs["pool_ref"] = name
        doc["virtualservice"].append(vs)
    # The WebSocket tunnel of vs-upgrade ends after 5 s without a byte either way.
    doc.setdefault("networkprofile", []).append({
        "name": "short-idle", "profile": {"tcp_proxy_profile": {"idle_connection_timeout": 5}}})
    find_named(doc["virtualservice"], "vs-upgrade")["network_profile_ref"] = "short-idle"
    # HEALTH_MONITOR_HTTP: srv2's nginx answers 200 "srv2" (UP), srv1:8085 answers 503 (a
    # maintenance code: DISABLED), srv1:8081 refuses (DOWN).
    doc["healthmonitor"].append({
        "name": "lab-http", "type": "HEALTH_MONITOR_HTTP", "send_interval": 2,
        "receive_timeout": 1, "successful_checks": 1, "failed_checks": 1,
        "http_monitor": {"http_request": "GET / HTTP/1.1", "http_response_code": ["HTTP_2XX"],
                         "http_response": "srv", "maintenance_code": [503]}})
    doc["pool"].append({"name": "monitored", "lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN",
                        "health_monitor_refs": ["lab-http"],
                        "servers": [{"ip": "10.10.20.22", "port": 80},
                                    {"ip": "10.10.20.21", "port": 8085},
                                    {"ip": "10.10.20.21", "port": 8081}]})
    vs = copy.deepcopy(vs1)
    vs.update(name="vs-monitored", services=[{"port": 8084}], pool_ref="monitored")
    doc["virtualservice"].append(vs)
    return doc


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class HttpProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.helpers = []
        cls.addClassCleanup(cls._stop_helpers)
        for script, port in ((_SILENT, 8082), (_UPGRADE, 8083), (_MAINTENANCE, 8085),
                             (_ONE_PER_CONNECTION, 8086)):
            cls.helpers.append(subprocess.Popen(
                ["ip", "netns", "exec", cls.lab.srv1, "/usr/bin/python3", "-c", script,
                 str(port)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        cls.doc = http_doc()
        cls.config = cls.lab.write_config(cls.doc)
        cls.se = FloeSe(cls.lab, cls.config)
        cls.addClassCleanup(cls.se.terminate_quietly)
        cls.se.start()
        cls.wait_ready()

    @classmethod
    def _stop_helpers(cls):
        for p in cls.helpers:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)

    @classmethod
    def wait_ready(cls):
        ok = wait_until(lambda: vs_state(cls.se.status(), "vs1") == "UP" and
                        set(server_states(cls.se.status(), "web").values()) == {"UP"},
                        READY_TIMEOUT, 0.2)
        if not ok:
            raise LabError(f"vs1 not UP within {READY_TIMEOUT}s: {cls.se.log()}")

    def vs_http(self, name: str = "vs1") -> dict:
        vs = find_named(self.se.status()["virtualservices"], name)
        self.assertIsNotNone(vs)
        self.assertIn("http", vs, "an HTTP virtual service reports HTTP counters")
        return vs["http"]

    def access_lines(self) -> list[str]:
        """The servers' log lines of proxied requests (not the health monitors' probes)."""
        lines = self.lab.access_log("srv1") + self.lab.access_log("srv2")
        return [l for l in lines if l.endswith(f'"{CLIENT_IP}"')]

    def test_get_through_the_vip_with_x_forwarded_for(self):
        self.lab.clear_access_logs()
        body = http_get(self.lab.client, URL)
        self.assertIn(body, ("srv1", "srv2"))
        lines = self.lab.access_log("srv1") + self.lab.access_log("srv2")
        lines = [l for l in lines if not l.startswith("10.10.1.11 ")]  # health monitors
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].endswith(f'"{CLIENT_IP}"'), lines[0])
        self.assertTrue(lines[0].startswith("10.10.3.100 "), "from the SNAT IP: " + lines[0])
        self.assertNotIn("proxies it at L4", self.se.log_text())

    def test_keep_alive_both_sides_and_server_connection_reuse(self):
        before = self.vs_http()
        self.lab.clear_access_logs()
        n = 20
        req = b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"
        out = raw(self.lab, [req] * n + [b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n"],
                  pause=0.02)
        self.assertEqual(statuses(out["bytes"]), [200] * (n + 1))
        self.assertTrue(out["closed"], "closed after Connection: close")
        after = self.vs_http()
        self.assertEqual(after["requests"] - before["requests"], n + 1)
        self.assertGreaterEqual(after["server_connections_reused"] -
                                before["server_connections_reused"], n - 3)
        # nginx's $connection: the 21 requests came over at most one connection per server.
        conns = {(l.split(" ")[0], l.split(" ")[2]) for l in self.access_lines()}
        self.assertLessEqual(len(conns), 2, self.access_lines())

    def test_multiplexing_reuses_server_connections_across_clients(self):
        self.lab.clear_access_logs()
        for _ in range(20):
            self.assertIsNotNone(http_get(self.lab.client, URL))
        conns = {l.split(" ")[2] + l.split(" ")[1] for l in self.access_lines()}
        # 20 client connections; with multiplexing the servers see a handful (per worker and
        # server), never one per client.
        self.assertLessEqual(len(conns), 8, self.access_lines())

    def test_pipelined_requests_answered_in_order(self):
        reqs = (b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"
                b"GET /files/missing HTTP/1.1\r\nHost: vip\r\n\r\n"
                b"HEAD / HTTP/1.1\r\nHost: vip\r\n\r\n"
                b"GET /files/nothing HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n")
        out = raw(self.lab, [reqs])
        self.assertEqual(statuses(out["bytes"]), [200, 404, 200, 404])
        self.assertTrue(out["closed"])

    def test_smuggling_attempts_answered_400_and_closed(self):
        cases = {
            "CL+TE": b"POST / HTTP/1.1\r\nHost: vip\r\nContent-Length: 4\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "duplicate CL": b"POST / HTTP/1.1\r\nHost: vip\r\nContent-Length: 3\r\n"
                            b"Content-Length: 4\r\n\r\nabcd",
            "obs-fold": b"GET / HTTP/1.1\r\nHost: vip\r\nX-A: a\r\n b\r\n\r\n",
            "bare LF": b"GET / HTTP/1.1\nHost: vip\n\n",
        }
        before = self.vs_http()
        for name, req in cases.items():
            with self.subTest(name):
                out = raw(self.lab, [req])
                self.assertEqual(statuses(out["bytes"]), [400], out["bytes"][:200])
                self.assertTrue(out["closed"], f"{name}: connection closed after the 400")
        after = self.vs_http()
        self.assertGreaterEqual(after["parse_errors"] - before["parse_errors"], len(cases))

    def test_502_when_the_server_refuses(self):
        out = raw(self.lab, [b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"], port=8081)
        self.assertEqual(statuses(out["bytes"]), [502], out["bytes"][:300])
        self.assertIn(b"refused", out["bytes"])

    def test_504_when_the_server_never_answers(self):
        t0 = time.monotonic()
        out = raw(self.lab, [b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"], port=8082)
        took = time.monotonic() - t0
        self.assertEqual(statuses(out["bytes"]), [504], out["bytes"][:300])
        self.assertGreaterEqual(took, SERVER_TIMEOUT_MS / 1000 - 0.1)
        self.assertLess(took, SERVER_TIMEOUT_MS / 1000 + 2)
        self.assertGreaterEqual(self.vs_http("vs-silent")["server_timeouts"], 1)

    def test_slowloris_closed_after_client_header_timeout_others_served(self):
        slow = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "/usr/bin/python3", "-c", _RAW, VIP, "80",
             "0.3", *[c.hex() for c in (b"GET / HTTP/1.1\r\n", b"Host: vip\r\n", b"X-A: 1\r\n",
                                        b"X-B: 2\r\n", b"X-C: 3\r\n", b"X-D: 4\r\n",
                                        b"X-E: 5\r\n", b"X-F: 6\r\n")]],
            stdout=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        served = 0
        while slow.poll() is None and time.monotonic() - t0 < 1.0:
            served += http_get(self.lab.client, URL) is not None
        out = json.loads(slow.communicate(timeout=20)[0])
        data = bytes.fromhex(out["data"])
        self.assertGreater(served, 0, "other clients are served meanwhile")
        self.assertEqual(statuses(data), [408], data[:300])
        self.assertIn(b"client_header_timeout", data)

    def test_websocket_upgrade_tunnelled_after_101(self):
        req = (b"GET /chat HTTP/1.1\r\nHost: vip\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\n\r\n")
        out = raw(self.lab, [req, b"ping-1", b"ping-2"], port=8083, pause=0.3)
        data = out["bytes"]
        self.assertTrue(data.startswith(b"HTTP/1.1 101"), data[:200])
        self.assertTrue(data.endswith(b"ping-1ping-2"), data[-100:])

    def test_idle_websocket_tunnel_reset_after_idle_connection_timeout(self):
        req = (b"GET /chat HTTP/1.1\r\nHost: vip\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\n\r\n")
        t0 = time.monotonic()
        out = raw(self.lab, [req, b"late"], port=8083, pause=8)
        took = time.monotonic() - t0
        self.assertTrue(out["bytes"].startswith(b"HTTP/1.1 101"), out["bytes"][:100])
        self.assertTrue(out["closed"] or "reset" in out["error"].lower(), out)
        self.assertNotIn(b"late", out["bytes"], "the tunnel was gone before the late bytes")
        self.assertLess(took, 8, "ended by floe after 5-6 s, not by the client")

    def test_http_monitor_up_down_and_maintenance_disabled(self):
        def states():
            pool = find_named(self.se.status()["pools"], "monitored") or {}
            return {f"{x['ip']}:{x['port']}": (x["state"], x.get("reason", ""))
                    for x in pool.get("servers", [])}
        want = {"10.10.20.22:80": "UP", "10.10.20.21:8085": "DISABLED",
                "10.10.20.21:8081": "DOWN"}
        ok = wait_until(lambda: {k: v[0] for k, v in states().items()} == want, 10, 0.2)
        self.assertTrue(ok, states())
        got = states()
        self.assertIn("maintenance", got["10.10.20.21:8085"][1])
        self.assertEqual(got["10.10.20.22:80"][1], "HTTP 200")
        # Only the UP server takes requests.
        for _ in range(4):
            out = raw(self.lab, [b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n"],
                      port=8084)
            self.assertEqual(statuses(out["bytes"]), [200])
            self.assertTrue(out["bytes"].endswith(b"srv2\n"), out["bytes"][-20:])

    def test_pooled_connection_the_server_closed_is_retried_once(self):
        keep = b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"
        close = b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n"
        before = self.vs_http("vs-closing")
        # One client connection (one worker): the second request goes out on the server
        # connection the first one used; the server closes it without an answer, and floe
        # resends the GET once on a new connection.
        out = raw(self.lab, [keep, close], port=8086, pause=0.3)
        after = self.vs_http("vs-closing")
        self.assertEqual(statuses(out["bytes"]), [200, 200], out["bytes"])
        self.assertEqual(after["server_connections_reused"] - before["server_connections_reused"], 1)
        self.assertEqual(after["retries"] - before["retries"], 1)
        self.assertEqual(after["server_connections_opened"] - before["server_connections_opened"],
                         2)

    def test_pooled_connection_closed_while_idle_is_never_used(self):
        req = b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n"
        before = self.vs_http()
        for _ in range(6):  # both workers end up with pooled connections
            self.assertEqual(statuses(raw(self.lab, [req])["bytes"]), [200])
        # nginx's keep-alive is 120 s: stop it instead, so both servers close every connection
        # floe keeps; floe must see the FINs and not pick those connections.
        for srv in ("srv1", "srv2"):
            self.lab.server_stop(srv)
            self.lab.server_start(srv)
        time.sleep(0.5)
        for _ in range(6):
            self.assertEqual(statuses(raw(self.lab, [req])["bytes"]), [200])
        after = self.vs_http()
        self.assertEqual(after["retries"] - before["retries"], 0,
                         "a connection the server closed while idle is dropped, not retried on")
        self.assertEqual(after["local_responses"] - before["local_responses"], 0)

    def test_z_503_when_no_server_is_up(self):
        for srv in ("srv1", "srv2"):
            self.lab.server_stop(srv)
        try:
            self.assertTrue(wait_until(
                lambda: set(server_states(self.se.status(), "web").values()) == {"DOWN"}, 15))
            out = raw(self.lab, [b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"])
            self.assertEqual(statuses(out["bytes"]), [503], out["bytes"][:300])
            self.assertTrue(out["closed"])
        finally:
            for srv in ("srv1", "srv2"):
                self.lab.server_start(srv)
            self.wait_ready()

    def test_large_download_and_upload_stream_with_bounded_memory(self):
        size = 256 * 1024 * 1024
        for srv in ("srv1", "srv2"):
            path = self.lab.dir / srv / "www" / "files" / "huge.bin"
            if not path.exists():
                os.truncate(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644), size)
                os.chmod(path, 0o644)
        pid = self.se.proc.pid
        base = rss_kib(pid)
        peak = base
        dl = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "curl", "-s", "-o", "/dev/null", "-w",
             "%{http_code} %{size_download}", "--max-time", "60", f"{URL}files/huge.bin"],
            stdout=subprocess.PIPE, text=True)
        while dl.poll() is None:
            peak = max(peak, rss_kib(pid))
            time.sleep(0.05)
        code, got = dl.communicate()[0].split()
        self.assertEqual((code, int(got)), ("200", size))
        up = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "sh", "-c",
             f"head -c {size} /dev/zero | curl -s -o /dev/null -w '%{{http_code}}' "
             f"--max-time 60 -T - {URL}upload"],
            stdout=subprocess.PIPE, text=True)
        while up.poll() is None:
            peak = max(peak, rss_kib(pid))
            time.sleep(0.05)
        self.assertEqual(up.communicate()[0].strip(), "200")
        print(f"\nfloe-se RSS: {base} KiB before, peak {peak} KiB during 256 MiB down+up",
              flush=True)
        self.assertLess(peak - base, 32 * 1024, "streamed, never buffered whole")


class HttpMultiplexingOffTest(unittest.TestCase):
    """http_profile.connection_multiplexing_enabled false: one server connection per client
    connection, so the servers see as many connections as there were clients."""

    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        doc = http_doc()
        doc["applicationprofile"][-1]["http_profile"]["connection_multiplexing_enabled"] = False
        cls.se = FloeSe(cls.lab, cls.lab.write_config(doc))
        cls.addClassCleanup(cls.se.terminate_quietly)
        cls.se.start()
        if not wait_until(lambda: set(server_states(cls.se.status(), "web").values()) == {"UP"},
                          READY_TIMEOUT, 0.2):
            raise LabError(f"servers not UP: {cls.se.log()}")

    def test_one_server_connection_per_client_connection(self):
        self.lab.clear_access_logs()
        for _ in range(10):
            self.assertIsNotNone(http_get(self.lab.client, URL))
        lines = self.lab.access_log("srv1") + self.lab.access_log("srv2")
        lines = [l for l in lines if l.endswith(f'"{CLIENT_IP}"')]  # not the monitors' probes
        conns = {l.split(" ")[0] + l.split(" ")[1] + l.split(" ")[2] for l in lines}
        self.assertEqual(len(conns), 10, lines)
        vs = find_named(self.se.status()["virtualservices"], "vs1")
        self.assertEqual(vs["http"]["server_connections_reused"], 0)


if __name__ == "__main__":
    unittest.main()
