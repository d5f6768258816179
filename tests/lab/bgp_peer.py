"""A minimal BGP speaker for one lab test: it plays a router that sends malformed UPDATEs.
Run inside a namespace: `python3 bgp_peer.py LISTEN_IP AS ROUTER_ID`. It accepts one
connection on port 179, exchanges OPEN/KEEPALIVE, and then follows commands on stdin, one per
line, printing one JSON line per event on stdout:
  send-7606    an UPDATE with ORIGIN 5 (RFC 7606 §7.1: treat-as-withdraw) for 10.99.0.0/16,
               then a valid UPDATE for 10.98.0.0/16
  send-reset   an UPDATE whose Withdrawn Routes Length overruns it (RFC 7606 §4: session
               reset), then waits for the NOTIFICATION
  quit
Stdlib only; every wait is bounded."""

import json
import socket
import struct
import sys

MARKER = b"\xff" * 16


def message(kind: int, body: bytes) -> bytes:
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_message(asn: int, router_id: str) -> bytes:
    caps = bytes([1, 4, 0, 1, 0, 1])                     # multiprotocol IPv4 unicast
    caps += bytes([65, 4]) + struct.pack("!I", asn)      # 4-octet AS
    params = bytes([2, len(caps)]) + caps
    body = struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, 90,
                       socket.inet_aton(router_id), len(params)) + params
    return message(1, body)


def update(origin: int, nlri: bytes, next_hop: str) -> bytes:
    attrs = bytes([0x40, 1, 1, origin])                  # ORIGIN
    attrs += bytes([0x40, 2, 0])                         # AS_PATH, empty (iBGP)
    attrs += bytes([0x40, 3, 4]) + socket.inet_aton(next_hop)
    attrs += bytes([0x40, 5, 4]) + struct.pack("!I", 100)  # LOCAL_PREF
    return message(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


def say(**kw) -> None:
    print(json.dumps(kw), flush=True)


def read_message(conn: socket.socket) -> tuple[int, bytes]:
    head = b""
    while len(head) < 19:
        chunk = conn.recv(19 - len(head))
        if not chunk:
            raise EOFError("connection closed")
        head += chunk
    length, kind = struct.unpack("!HB", head[16:19])
    body = b""
    while len(body) < length - 19:
        chunk = conn.recv(length - 19 - len(body))
        if not chunk:
            raise EOFError("connection closed")
        body += chunk
    return kind, body


def main() -> None:
    listen_ip, asn, router_id = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((listen_ip, 179))
    srv.listen(1)
    srv.settimeout(30)
    say(event="listening")
    conn, peer = srv.accept()
    conn.settimeout(30)
    kind, _ = read_message(conn)
    assert kind == 1, f"expected OPEN, got {kind}"
    conn.sendall(open_message(asn, router_id) + message(4, b""))
    while True:
        kind, _ = read_message(conn)
        if kind == 4:
            break
    say(event="established", peer=peer[0])
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "send-7606":
            conn.sendall(update(5, bytes([16, 10, 99]), router_id))
            conn.sendall(update(0, bytes([16, 10, 98]), router_id))
            say(event="sent-7606")
        elif cmd == "send-reset":
            body = struct.pack("!H", 200) + bytes([24, 10, 97, 0])  # claims 200, has 4
            conn.sendall(message(2, body))
            while True:
                try:
                    kind, body = read_message(conn)
                except (EOFError, OSError) as e:
                    say(event="closed", reason=str(e))
                    break
                if kind == 3:
                    say(event="notification", code=body[0], subcode=body[1])
                    break
        elif cmd == "quit":
            break
    conn.close()
    srv.close()


if __name__ == "__main__":
    main()
