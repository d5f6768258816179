"""End-to-end: the HTTP/1.1 reverse proxy of issue 8 in the one-armed lab (needs root and
FLOE_SE; missing either is an error, never a skip).

vs1 (VIP:80) uses an HTTP application profile in front of the two nginx servers. Extra
virtual services on the same VIP reach servers that misbehave on purpose: :8081 a port
nothing listens on (502), :8082 a listener that never answers (504), :8083 a tiny WebSocket-
style server (101, then echo). Checked: a GET through the VIP with X-Forwarded-For at the
server, keep-alive and server-connection reuse (counters and nginx's connection numbers),
multiplexing off, pipelined requests answered in order, request smuggling answered 400 and
closed, 503 with both servers stopped, 502, 504, slowloris closed after
client_header_timeout while others are served, an Upgrade tunnelled after 101, and a 1 GiB
download and upload streamed with the SE's memory bounded. vs-monitored (:8084) has a
HEALTH_MONITOR_HTTP pool: a 200 with the expected string is UP, a maintenance code DISABLED,
a refused port DOWN. vs-closing (:8086) reaches a server that closes a kept connection
when the next request arrives: floe resends the GET once; pooled connections the servers
closed while idle are dropped, never used.

Issue 8's configuration surface: vs-uri (:8087), vs-hdr (:8088) and vs-ip (:8089) hash by URI,
by the X-User header and by the client address over the two nginx servers (the same URI or
header value always reaches the same server, different ones spread over both, per request on
one keep-alive connection; a request without the header goes where the client address sends
it). vs-echo-alt (:8090, xff_alternate_name X-Real-Client and via_enabled) and vs-echo
(:8092, defaults) reach an nginx on srv1:8091 that echoes the headers it received.
`Expect: 100-continue` (a PUT to that nginx over vs-echo) gets the server's 100 Continue
before the body is sent, and the whole body is stored; vs-body (:8093, client_body_timeout
1 s) answers a stalled body 408 while others are served; vs-sink (:8094) reaches a server that
counts every byte of the 1 GiB upload.

Issue 8's keep-alive efficiency: a small response reaches the client in one TCP segment (head
and body in one send), vs-ka (:8095, keepalive_timeout 1 s) closes an idle keep-alive
connection after its timer (counted in client_timeouts) but not while requests keep coming,
and 2,000 idle keep-alive connections cost floe-se under 2 KiB of RSS each.

Lingering close: vs-early (:8096) reaches a server that answers a 64 MiB upload at once with
Connection: close, vs-resetting (:8097) one that resets mid-upload (floe answers 502). A client
still uploading after floe's FIN reads the whole response without an error (its sends do not
fail: floe reads and discards them), floe closes at the client's EOF, and a client that keeps
sending past the 5 s bound between reads is still read, then closed 5 s after its last byte.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import time
import unittest

from lab import (SOURCE_DIR, FloeSe, LabError, OneArmedLab, find_named, http_get, load_config,
                 ns_exec, require_environment, run, server_states, vs_state, wait_until)

VIP = "10.10.2.100"
CLIENT_IP = "198.51.100.10"
URL = f"http://{VIP}/"
READY_TIMEOUT = 15
HEADER_TIMEOUT_MS = 1000
SERVER_TIMEOUT_MS = 1500
BODY_TIMEOUT_MS = 1000
KEEPALIVE_TIMEOUT_MS = 1000
ECHO_PORT = 8091
EXTRA_CLIENT_IPS = [f"198.51.100.{i}" for i in range(11, 19)]

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


# Runs in the client namespace: sends a PUT head for argv[3] with Expect: 100-continue, waits
# up to 3 s for an interim response before sending the argv[4] bytes of body (as curl does,
# but observable), then sends the body and reads the final response; prints {"interim": str,
# "before_body": bool, "final": hex, "sent": int, "error": str}.
_EXPECT = r"""
import json, socket, sys, time
host, port, path, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = socket.create_connection((host, port), timeout=3)
s.sendall(("PUT %s HTTP/1.1\r\nHost: vip\r\nContent-Length: %d\r\n"
           "Expect: 100-continue\r\nConnection: close\r\n\r\n" % (path, size)).encode())
got = b""
end = time.time() + 3
while b"\r\n\r\n" not in got and time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        b = s.recv(4096)
    except socket.timeout:
        break
    if not b:
        break
    got += b
interim, _, rest = got.partition(b"\r\n\r\n")
out = {"interim": interim.decode("latin-1"), "before_body": bool(interim), "error": ""}
s.settimeout(10)
chunk = b"x" * 65536
sent = 0
try:
    while sent < size:
        n = min(len(chunk), size - sent)
        s.sendall(chunk[:n])
        sent += n
except OSError as e:
    out["error"] = str(e)
out["sent"] = sent
final = rest
end = time.time() + 10
while time.time() < end:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    final += b
out["final"] = final.hex()
print(json.dumps(out))
"""


# Runs in a server namespace: reads requests with a Content-Length body (answering
# Expect: 100-continue first), counts the body bytes without keeping them, and answers 200
# with the count as the body.
_SINK = r"""
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
def serve(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = c.recv(65536)
        if not b:
            return
        buf += b
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"expect":
            c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    got = len(rest)
    scratch = bytearray(1 << 20)
    while got < length:
        n = c.recv_into(scratch, min(len(scratch), length - got))
        if n == 0:
            return
        got += n
    body = b"%d\n" % got
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
              % (len(body), body))
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


# Runs in a server namespace: on argv[1], reads a request head and answers at once with
# Connection: close and the body "early answer\n" while the request body is still coming, then
# reads and discards until the proxy closes. On argv[2], reads a request head and 64 KiB of its
# body, then resets the connection (SO_LINGER 0): floe answers that upload 502 mid-body.
_EARLY = r"""
import socket, struct, sys, threading
def listen(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    return s
def head(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = c.recv(65536)
        if not b:
            return None
        buf += b
    return buf
def early(c):
    if head(c) is None:
        return c.close()
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nearly answer\n")
    c.shutdown(socket.SHUT_WR)
    while c.recv(1 << 20):
        pass
    c.close()
def resetting(c):
    got = head(c)
    while got is not None and len(got) < 65536:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
def serve(s, handler):
    while True:
        c, _ = s.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()
a, b = listen(int(sys.argv[1])), listen(int(sys.argv[2]))
threading.Thread(target=serve, args=(b, resetting), daemon=True).start()
serve(a, early)
"""

# Runs in the client namespace: starts a 64 MiB upload to argv[1]:argv[2] (a POST with
# Content-Length, 64 KiB every 10 ms from a second thread) and reads the response until the
# proxy's FIN; goes on sending for argv[3] s after that (a client that looks at the response
# only when its part of the upload is done), then, with argv[4] "eof", shuts its sending side
# down, else just stops sending. Prints {"response": hex, "fin": bool, "sent_after": bytes sent
# after the FIN, "error": str} and holds the socket until stdin closes.
_UPLOAD = r"""
import json, socket, sys, threading, time
host, port, after, mode = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
out = {"response": "", "fin": False, "sent_after": 0, "error": ""}
s = socket.create_connection((host, port), timeout=10)
s.sendall(b"POST /upload HTTP/1.1\r\nHost: vip\r\nContent-Length: %d\r\n\r\n" % (64 << 20))
fin_at = [None]
stop = threading.Event()
def send():
    chunk, sent = b"u" * 65536, 0
    try:
        while not stop.is_set() and sent + len(chunk) <= 64 << 20:
            s.sendall(chunk)
            sent += len(chunk)
            if fin_at[0] is not None:
                out["sent_after"] += len(chunk)
            time.sleep(0.01)
    except OSError as e:
        out["error"] = "send: " + str(e)
sender = threading.Thread(target=send)
sender.start()
got = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            out["fin"] = True
            break
        got += b
except OSError as e:
    out["error"] = "recv: " + str(e)
fin_at[0] = time.monotonic()
time.sleep(after)
stop.set()
sender.join()
if mode == "eof" and not out["error"]:
    s.shutdown(socket.SHUT_WR)
out["response"] = got.hex()
print(json.dumps(out), flush=True)
sys.stdin.read()
"""


def setUpModule():
    require_environment()


# Runs in the client namespace: on one keep-alive connection to argv[1]:80, argv[2] GETs one
# after the other (each response read in full: nginx's "srvN\n" body); prints the TCP
# segments the client received for them (tcp_info.tcpi_segs_in, offset 140, after the first
# response) as {"segments": n, "responses": n}.
_SEGMENTS = r"""
import json, socket, struct, sys
s = socket.create_connection((sys.argv[1], 80), timeout=5)
def segs_in():
    return struct.unpack_from("I", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232), 140)[0]
def get():
    s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n")
    buf = b""
    while not (buf.endswith(b"srv1\n") or buf.endswith(b"srv2\n")):
        b = s.recv(4096)
        if not b:
            raise SystemExit("closed by the proxy")
        buf += b
get()
before = segs_in()
n = int(sys.argv[2])
for _ in range(n):
    get()
print(json.dumps({"segments": segs_in() - before, "responses": n}))
"""

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

    def add_vs(name: str, port: int, pool: str, profile: str = "lab-http") -> None:
        vs = copy.deepcopy(vs1)
        vs.update(name=name, services=[{"port": port}], pool_ref=pool,
                  application_profile_ref=profile)
        doc["virtualservice"].append(vs)

    # Consistent hashing by URI, by header and by client address over the two nginx servers.
    both = [{"ip": "10.10.20.21", "port": 80}, {"ip": "10.10.20.22", "port": 80}]
    for name, port, extra in (
            ("uri-hash", 8087, {"lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_URI"}),
            ("hdr-hash", 8088, {"lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER",
                                "lb_algorithm_consistent_hash_hdr": "X-User"}),
            ("ip-hash", 8089, {})):
        doc["pool"].append({"name": name, "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH",
                            "servers": copy.deepcopy(both), **extra})
        add_vs(f"vs-{name.split('-')[0]}", port, name)
    # Header names: an nginx on srv1:ECHO_PORT echoes what it received.
    doc["pool"].append({"name": "echo", "servers": [{"ip": "10.10.20.21", "port": ECHO_PORT}]})
    doc["applicationprofile"].append({
        "name": "lab-http-alt", "type": "APPLICATION_PROFILE_TYPE_HTTP",
        "http_profile": {"xff_alternate_name": "X-Real-Client", "via_enabled": True}})
    add_vs("vs-echo-alt", 8090, "echo", "lab-http-alt")
    add_vs("vs-echo", 8092, "echo")
    # A stalled request body: client_body_timeout, in front of the server that never answers
    # (so that only the body timer can end the request).
    doc["applicationprofile"].append({
        "name": "lab-http-body", "type": "APPLICATION_PROFILE_TYPE_HTTP",
        "http_profile": {"client_body_timeout": BODY_TIMEOUT_MS}})
    add_vs("vs-body", 8093, "silent", "lab-http-body")
    # The idle keep-alive timer: 1 s (the other services wait 10 s).
    doc["applicationprofile"].append({
        "name": "lab-http-ka", "type": "APPLICATION_PROFILE_TYPE_HTTP",
        "http_profile": {"keepalive_timeout": KEEPALIVE_TIMEOUT_MS}})
    add_vs("vs-ka", 8095, "web", "lab-http-ka")
    # Large uploads: a server that reads the whole body and says how much it got.
    doc["pool"].append({"name": "sink", "servers": [{"ip": "10.10.20.21", "port": 8094}]})
    add_vs("vs-sink", 8094, "sink")
    # Lingering close: a server that answers uploads early with Connection: close (:8096), one
    # that resets mid-upload (:8097, so floe answers 502 mid-body).
    for name, port in (("early", 8096), ("resetting", 8097)):
        doc["pool"].append({"name": name, "servers": [{"ip": "10.10.20.21", "port": port}]})
        add_vs(f"vs-{name}", port, name)
    return doc


def echo_nginx_conf(directory) -> str:
    """A one-process nginx answering every request with the forwarding headers it got, and
    storing PUT /upload/NAME under DIRECTORY/www (it reads the whole body before answering
    201, and sends 100 Continue first when asked)."""
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log notice;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    client_max_body_size 0;
    server {{
        listen {ECHO_PORT};
        location / {{
            default_type text/plain;
            return 200
                "xff=[$http_x_forwarded_for] alt=[$http_x_real_client] via=[$http_via]\\n";
        }}
        location /upload/ {{
            root {directory}/www;
            dav_methods PUT;
            create_full_put_path on;
        }}
    }}
}}
"""


def served_by(data: bytes) -> list[str]:
    """The bodies ("srv1"/"srv2") of the nginx responses in `data`, in order."""
    return [m.decode() for m in re.findall(rb"\r\n\r\n(srv[12])\n", data)]


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
                             (_ONE_PER_CONNECTION, 8086), (_SINK, 8094), (_EARLY, 8096)):
            cls.helpers.append(subprocess.Popen(
                ["ip", "netns", "exec", cls.lab.srv1, "/usr/bin/python3", "-c", script,
                 str(port), str(port + 1)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        echo_dir = cls.lab.dir / "echo-nginx"
        echo_dir.mkdir(exist_ok=True)
        (echo_dir / "nginx.conf").write_text(echo_nginx_conf(echo_dir))
        cls.helpers.append(subprocess.Popen(
            ["ip", "netns", "exec", cls.lab.srv1, "nginx", "-p", str(echo_dir), "-c",
             str(echo_dir / "nginx.conf")], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # More client addresses (in the lab's client subnet) for the source-address hash.
        for ip in EXTRA_CLIENT_IPS:
            run(["ip", "-n", cls.lab.client, "addr", "add", f"{ip}/24", "dev", "eth0"])
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

    def test_response_head_and_body_leave_in_one_segment(self):
        # A small response (nginx's head and 5-byte body, read together) goes to the client in
        # one send: one TCP segment per response, whose ACK rides on the next request. Sent
        # as two, the client would get two segments and ACK (and wake) twice per response.
        n = 40
        cp = run(["ip", "netns", "exec", self.lab.client, "/usr/bin/python3", "-c", _SEGMENTS,
                  VIP, str(n)], timeout=30)
        out = json.loads(cp.stdout)
        self.assertEqual(out["responses"], n)
        self.assertLessEqual(out["segments"], n + 2, out)

    def test_idle_keep_alive_connection_closed_after_keepalive_timeout(self):
        before = self.vs_http("vs-ka")
        req = b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"
        # Requests 0.6 s apart keep the connection (each one restarts the 1 s timer)...
        t0 = time.monotonic()
        out = raw(self.lab, [req, req, req], port=8095, pause=0.6)
        self.assertEqual(statuses(out["bytes"]), [200] * 3)
        # ... then, idle, it is closed (FIN, no response) about 1 s after the last response:
        # raw() reads for 4 s after the last request, so "closed" means the proxy closed it.
        self.assertTrue(out["closed"], "an idle keep-alive connection is closed")
        self.assertEqual(out["error"], "")
        self.assertLess(time.monotonic() - t0, 1.2 + 3.5, "closed well before raw()'s 4 s read")
        after = self.vs_http("vs-ka")
        self.assertEqual(after["client_timeouts"] - before["client_timeouts"], 1)
        self.assertEqual(after["requests"] - before["requests"], 3)

    def test_idle_keep_alive_connections_hold_little_memory(self):
        # Between requests a client connection holds its socket, its keep-alive deadline and
        # counters only (no parser, header copies or buffers): with 2,000 idle connections,
        # floe-se's RSS grows by less than 2,048 B per connection (it held 4.5 KB when every
        # connection kept its request state).
        n = 2000
        pid = self.se.proc.pid
        time.sleep(0.5)
        base = rss_kib(pid)
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "/usr/bin/python3",
             str(SOURCE_DIR / "lab" / "idle-clients.py"), VIP, str(n)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()  # bounded: every connect and recv has a 5 s timeout
            self.assertEqual(line.split(), ["ready", str(n)], proc.stderr.read() if
                             proc.poll() is not None else line)
            time.sleep(0.5)
            per_conn = (rss_kib(pid) - base) * 1024 / n
        finally:
            proc.stdin.close()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            proc.stdout.close()
            proc.stderr.close()
        print(f"\nfloe-se: {per_conn:.0f} B of RSS per idle keep-alive connection ({n})")
        self.assertLess(per_conn, 2048)

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
        self.assertIn(b"502 Bad Gateway: the server refused the connection", out["bytes"])

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
        size = 1024 * 1024 * 1024  # 1 GiB each way (issue 8)
        limit_s = 60
        for srv in ("srv1", "srv2"):
            path = self.lab.dir / srv / "www" / "files" / "huge-1g.bin"
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)
            os.ftruncate(fd, size)  # sparse: no disk space used
            os.close(fd)
            os.chmod(path, 0o644)
        pid = self.se.proc.pid
        base = rss_kib(pid)

        def watch(proc: subprocess.Popen, what: str) -> tuple[str, int, int, float]:
            """Samples floe-se's VmRSS every 20 ms until `proc` ends (bounded by limit_s)."""
            peak, samples, t0 = base, 0, time.monotonic()
            while proc.poll() is None and time.monotonic() - t0 < limit_s + 5:
                peak = max(peak, rss_kib(pid))
                samples += 1
                time.sleep(0.02)
            if proc.poll() is None:
                proc.kill()
            out = proc.communicate(timeout=10)[0]
            took = time.monotonic() - t0
            self.assertGreater(samples, 5, f"{what}: RSS sampled during the transfer")
            return out, peak, samples, took

        dl = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "curl", "-s", "-o", "/dev/null", "-w",
             "%{http_code} %{size_download}", "--max-time", str(limit_s),
             f"{URL}files/huge-1g.bin"], stdout=subprocess.PIPE, text=True)
        out, peak_dl, n_dl, t_dl = watch(dl, "download")
        code, got = out.split()
        self.assertEqual((code, int(got)), ("200", size))
        # The upload goes to a server that reads every byte (nginx's `return 200` answers
        # before the body and curl then stops sending), with Content-Length from a sparse file.
        upload = self.lab.dir / "upload-1g.bin"
        fd = os.open(upload, os.O_CREAT | os.O_WRONLY, 0o644)
        os.ftruncate(fd, size)
        os.close(fd)
        up = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "curl", "-s", "-w", " %{http_code}",
             "--max-time", str(limit_s), "-T", str(upload), f"http://{VIP}:8094/sink"],
            stdout=subprocess.PIPE, text=True)
        out, peak_up, n_up, t_up = watch(up, "upload")
        received, code = out.split()
        self.assertEqual((code, int(received)), ("200", size), "the server got every byte")
        print(f"\nfloe-se VmRSS: {base} KiB before; 1 GiB download {t_dl:.1f} s, peak "
              f"{peak_dl} KiB ({n_dl} samples); 1 GiB upload {t_up:.1f} s, peak {peak_up} KiB "
              f"({n_up} samples)", flush=True)
        # 32 MiB: room for the allocator, far below the 1 GiB a buffered body would take.
        self.assertLess(peak_dl - base, 32 * 1024, "download streamed, never buffered whole")
        self.assertLess(peak_up - base, 32 * 1024, "upload streamed, never buffered whole")

    # ---- consistent hashing (lb_algorithm_hash) ------------------------------------------------

    def one_connection(self, port: int, heads: list[str]) -> list[str]:
        """Sends the GET requests (request-target + extra field lines) one after another on
        one keep-alive connection; the server that answered each, in order."""
        reqs = [f"GET {h}\r\nHost: vip\r\n\r\n".encode() for h in heads]
        reqs[-1] = reqs[-1][:-2] + b"Connection: close\r\n\r\n"
        out = raw(self.lab, reqs, port=port, pause=0.05)
        got = served_by(out["bytes"])
        self.assertEqual(len(got), len(heads), out["bytes"][:400])
        return got

    def curl_servers(self, source: str, urls: list[str]) -> list[str]:
        """GETs the URLs with one curl from the client address `source`; who answered each."""
        cp = ns_exec(self.lab.client, "curl", "-s", "--max-time", "5", "--interface", source,
                     *urls, timeout=20)
        return cp.stdout.split()

    def test_uri_hash_same_uri_same_server_and_uris_spread_per_request(self):
        uris = [f"/u/{i}?q={i}" for i in range(16)]
        first = dict(zip(uris, self.one_connection(8087, [f"{u} HTTP/1.1" for u in uris])))
        rev = list(reversed(uris))
        second = dict(zip(rev, self.one_connection(8087, [f"{u} HTTP/1.1" for u in rev])))
        self.assertEqual(first, second, "a URI always reaches the same server")
        self.assertEqual(set(first.values()), {"srv1", "srv2"},
                         "different URIs on one keep-alive connection spread over both")
        # Not the client address: another client gets the same servers for the same URIs.
        other = self.curl_servers(EXTRA_CLIENT_IPS[0], [f"http://{VIP}:8087{u}" for u in uris])
        self.assertEqual(other, [first[u] for u in uris])

    def test_header_hash_same_value_same_server_and_values_spread(self):
        users = [f"user{i}" for i in range(16)]
        first = dict(zip(users, self.one_connection(
            8088, [f"/ HTTP/1.1\r\nX-User: {u}" for u in users])))
        rev = list(reversed(users))
        # Another URI each time and the field name in another case: only the value counts.
        second = dict(zip(rev, self.one_connection(
            8088, [f"/p{i} HTTP/1.1\r\nx-user: {u}" for i, u in enumerate(rev)])))
        self.assertEqual(first, second, "a header value always reaches the same server")
        self.assertEqual(set(first.values()), {"srv1", "srv2"},
                         "different values on one keep-alive connection spread over both")

    def test_header_hash_without_the_header_falls_back_to_the_client_address(self):
        by_client = {}
        for ip in [CLIENT_IP, *EXTRA_CLIENT_IPS]:
            no_header = self.curl_servers(ip, [f"http://{VIP}:8088/a{i}" for i in range(3)])
            by_ip = self.curl_servers(ip, [f"http://{VIP}:8089/"])
            self.assertEqual(len(no_header), 3, no_header)
            self.assertEqual(set(no_header), set(by_ip),
                             f"{ip}: without X-User, where the source-address hash sends it")
            by_client[ip] = by_ip[0]
        self.assertEqual(set(by_client.values()), {"srv1", "srv2"},
                         f"the client address is the key, not a constant: {by_client}")

    # ---- header names from http_profile ------------------------------------------------------

    def echo(self, port: int) -> tuple[str, str]:
        cp = ns_exec(self.lab.client, "curl", "-s", "-i", "--max-time", "3", "-H",
                     "X-Forwarded-For: 203.0.113.9", f"http://{VIP}:{port}/", timeout=10)
        head, _, body = cp.stdout.replace("\r\n", "\n").partition("\n\n")
        return head, body.strip()

    def test_xff_alternate_name_and_via_enabled_reach_the_server(self):
        head, body = self.echo(8090)
        self.assertEqual(body, f"xff=[203.0.113.9] alt=[{CLIENT_IP}] via=[1.1 floe]", head)
        self.assertRegex(head, r"(?im)^via: 1\.1 floe$", "Via on the response too")
        head, body = self.echo(8092)  # the defaults
        self.assertEqual(body, f"xff=[203.0.113.9, {CLIENT_IP}] alt=[] via=[]", head)
        self.assertNotRegex(head, r"(?im)^via:")

    # ---- request bodies ------------------------------------------------------------------

    def test_expect_100_continue_gets_100_before_the_body(self):
        size = 4 * 1024 * 1024
        stored = self.lab.dir / "echo-nginx" / "www" / "upload" / "expect.bin"
        if stored.exists():
            stored.unlink()
        # vs-echo's nginx reads the whole body before answering (WebDAV PUT).
        cp = run(["ip", "netns", "exec", self.lab.client, "/usr/bin/python3", "-c", _EXPECT,
                  VIP, "8092", "/upload/expect.bin", str(size)], timeout=40)
        out = json.loads(cp.stdout)
        self.assertTrue(out["before_body"], f"an interim response came before the body: {out}")
        self.assertTrue(out["interim"].startswith("HTTP/1.1 100 "), out["interim"])
        self.assertEqual((out["sent"], out["error"]), (size, ""))
        final = bytes.fromhex(out["final"])
        self.assertEqual(statuses(final), [201], final[:300])
        self.assertEqual(stored.stat().st_size, size, "the whole body reached the server")

    def test_stalled_body_closed_after_client_body_timeout_others_served(self):
        head = b"POST /upload HTTP/1.1\r\nHost: vip\r\nContent-Length: 100\r\n\r\nabc"
        before = self.vs_http("vs-body")
        t0 = time.monotonic()
        slow = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "/usr/bin/python3", "-c", _RAW, VIP, "8093",
             "0", head.hex()], stdout=subprocess.PIPE, text=True)
        served = 0
        while slow.poll() is None and time.monotonic() - t0 < 8:
            served += http_get(self.lab.client, URL) is not None
        out = json.loads(slow.communicate(timeout=20)[0])
        took = time.monotonic() - t0
        data = bytes.fromhex(out["data"])
        self.assertGreater(served, 0, "other clients are served meanwhile")
        self.assertEqual(statuses(data), [408], data[:300])
        self.assertIn(b"client_body_timeout", data)
        self.assertTrue(out["closed"], out)
        self.assertGreaterEqual(took, BODY_TIMEOUT_MS / 1000 - 0.1)
        self.assertLess(took, BODY_TIMEOUT_MS / 1000 + 2.5, "closed by floe, not the client")
        after = self.vs_http("vs-body")
        self.assertEqual(after["client_timeouts"] - before["client_timeouts"], 1)


    # ---- lingering close ------------------------------------------------------------------------

    def upload(self, port: int, after: float, mode: str) -> tuple[subprocess.Popen, dict, float]:
        """Runs _UPLOAD against VIP:port; its report and when it was printed (monotonic)."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.client, "/usr/bin/python3", "-c", _UPLOAD, VIP,
             str(port), str(after), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        self.addCleanup(lambda: (proc.stdin.close(), proc.wait(timeout=10), proc.stdout.close()))
        line = proc.stdout.readline()  # bounded: the socket has a 10 s timeout
        self.assertTrue(line, "the upload client reported")
        return proc, json.loads(line), time.monotonic()

    def active(self, name: str) -> int:
        return find_named(self.se.status()["virtualservices"], name)["active_connections"]

    def test_early_answer_read_whole_by_a_client_still_uploading_closed_at_its_eof(self):
        # The server answers a 64 MiB upload at once with Connection: close. The client goes on
        # sending for 1 s after floe's FIN: floe reads that away (closed at once, the bytes
        # would bring an RST: the client's send fails with EPIPE/ECONNRESET and its unread
        # response can be lost), and closes as soon as the client's EOF comes.
        _, out, t_eof = self.upload(8096, 1.0, "eof")
        response = bytes.fromhex(out["response"])
        self.assertEqual(out["error"], "", out)
        self.assertTrue(out["fin"], out)
        self.assertEqual(statuses(response), [200], response)
        self.assertTrue(response.endswith(b"\r\n\r\nearly answer\n"), response)
        self.assertIn(b"Connection: close", response)
        self.assertGreater(out["sent_after"], 1 << 20, "the client kept sending after the FIN")
        self.assertTrue(wait_until(lambda: self.active("vs-early") == 0, 2, 0.05),
                        "closed after the client's EOF")
        self.assertLess(time.monotonic() - t_eof, 2.5, "at the EOF, not the 5 s bound")

    def test_502_mid_upload_read_whole_by_a_client_still_uploading(self):
        # The server resets after 64 KiB of the body: floe answers 502 mid-body and lingers.
        _, out, _ = self.upload(8097, 0.5, "eof")
        response = bytes.fromhex(out["response"])
        self.assertEqual(out["error"], "", out)
        self.assertEqual(statuses(response), [502], response)
        self.assertTrue(response.endswith(b"\n") and b"reset" in response, response)
        self.assertGreater(out["sent_after"], 0)
        self.assertTrue(wait_until(lambda: self.active("vs-resetting") == 0, 2, 0.05))

    def test_lingering_client_served_reads_then_closed_5s_after_its_last_byte(self):
        # The client sends for 6 s after floe's FIN (longer than the 5 s bound between reads:
        # each read restarts it), then stops without closing: floe closes 5 s after the last
        # byte (the 30 s total bound is covered by engine_http_linger_test.cc).
        _, out, t_stop = self.upload(8096, 6.0, "stop")
        self.assertEqual(out["error"], "", out)
        self.assertTrue(bytes.fromhex(out["response"]).endswith(b"early answer\n"), out)
        self.assertGreater(out["sent_after"], 16 << 20, out)
        self.assertEqual(self.active("vs-early"), 1, "still open (lingering) after 6 s")
        self.assertTrue(wait_until(lambda: self.active("vs-early") == 0, 8, 0.1))
        took = time.monotonic() - t_stop
        self.assertGreater(took, 4.0, "not before lingering_timeout")
        self.assertLess(took, 6.5, "closed at lingering_timeout")

class HttpMultiplexingOffTest(unittest.TestCase):
    """http_profile.connection_multiplexing_enabled false: one server connection per client
    connection, so the servers see as many connections as there were clients."""

    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        doc = http_doc()
        profile = find_named(doc["applicationprofile"], "lab-http")
        profile["http_profile"]["connection_multiplexing_enabled"] = False
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

    def test_uri_hash_picks_per_request_also_on_a_kept_server_connection(self):
        # Without multiplexing the client's server connection is kept between its requests;
        # a request that hashes to the other server must not go out on it.
        uris = [f"/k/{i}" for i in range(16)]
        heads = [f"{u} HTTP/1.1" for u in uris]
        first = HttpProxyTest.one_connection(self, 8087, heads)
        again = HttpProxyTest.one_connection(self, 8087, heads)
        self.assertEqual(first, again)
        self.assertEqual(set(first), {"srv1", "srv2"}, first)


if __name__ == "__main__":
    unittest.main()
