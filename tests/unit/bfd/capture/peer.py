# Minimal BFD peer for capturing FRR bfdd's control packets (see capture.sh): answers Down with
# Down and Init/Up with Up (Final when polled); writes each new kind of packet to OUT/bfd_N.
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
s.bind(('10.255.0.2', 3784)); s.settimeout(1)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
tx.bind(('10.255.0.2', 49152))
seen = {}
t0 = time.time()
while time.time() - t0 < 8:
    try:
        d, a = s.recvfrom(2048)
    except socket.timeout:
        continue
    sta = d[1] >> 6; poll = bool(d[1] & 0x20); mine = d[4:8]
    key = (sta, poll, d[12:20])
    if key not in seen:
        seen[key] = d
        open(f'{sys.argv[1]}/bfd_{len(seen)}', 'wb').write(d)
        print(len(seen), d.hex())
    ours = 1 if sta == 1 else 3  # Down -> Down (they go Init); Init/Up -> Up
    flags = (ours << 6) | (0x10 if poll else 0)
    pkt = bytes([0x20, flags, 3, 24]) + struct.pack('!I', 0x11) + mine + struct.pack('!III', 300000, 300000, 0)
    tx.sendto(pkt, (a[0], 3784))
