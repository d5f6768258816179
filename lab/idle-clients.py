#!/usr/bin/python3
"""Idle keep-alive clients: opens N TCP connections to HOST:PORT, sends one HTTP/1.1 GET on each
and reads its response in full (a body ending in the lab nginx's "srv1\\n" or "srv2\\n"), then
prints "ready N" and holds every connection open until standard input closes. What a proxy's
memory per idle keep-alive connection is measured with (bench/http_vs_haproxy.sh,
tests/lab/http_test.py).

usage: lab/idle-clients.py HOST N [--port 80]

Each connect and each read waits at most 5 s. Exit 0 after standard input closed, 1 when the
proxy closed a connection before answering (the message says after how many), 2 on bad usage.
"""
import argparse
import resource
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("n", type=int)
    parser.add_argument("--port", type=int, default=80)
    args = parser.parse_args()
    if not 0 < args.n < 1_000_000:
        parser.error("N must be 1-999999")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.n + 100
    if soft != resource.RLIM_INFINITY and soft < want:
        # Raising the hard limit needs root (the lab runs as root); else take what it allows.
        fits = hard == resource.RLIM_INFINITY or hard >= want
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard if fits else want))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held = []
    request = b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"
    for i in range(args.n):
        s = socket.create_connection((args.host, args.port), timeout=5)
        s.sendall(request)
        buf = b""
        while not (buf.endswith(b"srv1\n") or buf.endswith(b"srv2\n")):
            b = s.recv(4096)
            if not b:
                print(f"closed by the proxy after {i} connections", file=sys.stderr)
                return 1
            buf += b
        held.append(s)
    print("ready", len(held), flush=True)
    sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
