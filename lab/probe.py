#!/usr/bin/python3
"""A client's view of an outage: opens a new TCP connection to HOST:PORT every INTERVAL ms for
SECONDS, sends an HTTP/1.0 GET on each and counts it as served when an HTTP status line comes
back. Prints how many were served and the longest time without a served new connection.

usage: lab/probe.py HOST [--port 80] [--seconds 6] [--interval-ms 10]

Each attempt waits at most 0.2 s to connect and 0.3 s for the answer. The outage is the longest
gap between the starts of two consecutive served attempts (the start and the end of the run
count as served, so a probe that is never served reports the whole run). The last line is
machine-readable: "longest_outage_s=F served=N attempts=M". Exit 0 when it ran, 2 on bad usage.
"""
import argparse
import socket
import sys
import time


def attempt(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2) as s:
            s.settimeout(0.3)
            s.sendall(b"GET / HTTP/1.0\r\nHost: probe\r\n\r\n")
            return s.recv(16).startswith(b"HTTP/1.")
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description="new-connection outage probe")
    ap.add_argument("host")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--interval-ms", type=float, default=10.0)
    args = ap.parse_args()
    if args.seconds <= 0 or args.interval_ms <= 0:
        print("probe: --seconds and --interval-ms must be positive", file=sys.stderr)
        return 2
    interval = args.interval_ms / 1000.0
    served: list[float] = []
    attempts = 0
    begin = time.monotonic()
    while (start := time.monotonic()) - begin < args.seconds:
        attempts += 1
        if attempt(args.host, args.port):
            served.append(start - begin)
        time.sleep(max(0.0, interval - (time.monotonic() - start)))
    marks = [0.0] + served + [args.seconds]
    gap, at = max((b - a, a) for a, b in zip(marks, marks[1:]))
    print(f"{attempts} new connections to {args.host}:{args.port} in {args.seconds:g} s, "
          f"{len(served)} served, {attempts - len(served)} failed")
    print(f"longest time without a served new connection: {gap:.3f} s "
          f"(from {at:.2f} s to {at + gap:.2f} s into the run)")
    print(f"longest_outage_s={gap:.3f} served={len(served)} attempts={attempts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
