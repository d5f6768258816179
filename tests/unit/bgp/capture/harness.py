# Minimal BGP listener for capturing a router's OPEN and UPDATEs (see capture.sh). Writes each
# received message to OUT/NN_typeT; answers OPEN with an OPEN (AS 65010) and a KEEPALIVE.
import socket, struct, sys, time, os
out = sys.argv[1]
def msg(t, body): return b'\xff'*16 + struct.pack('!HB', 19+len(body), t) + body
caps = bytes([1,4,0,1,0,1, 1,4,0,2,0,1, 2,0, 65,4]) + struct.pack('!I', 65010)
opt = bytes([2, len(caps)]) + caps
open_body = struct.pack('!BHHI', 4, 65010, 90, 0x0aff0002) + bytes([len(opt)]) + opt
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.255.0.2', 179)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(1.0)
buf = b''; n = 0; sent = False; t0 = time.time()
while time.time() - t0 < 12:
    try:
        d = c.recv(65536)
        if not d: break
        buf += d
    except socket.timeout:
        pass
    while len(buf) >= 19:
        l = struct.unpack('!H', buf[16:18])[0]
        if len(buf) < l: break
        m, buf = buf[:l], buf[l:]
        n += 1
        open(f'{out}/{n:02d}_type{m[18]}', 'wb').write(m)
        if m[18] == 1 and not sent:
            c.sendall(msg(1, open_body) + msg(4, b'')); sent = True
        if m[18] == 4:
            c.sendall(msg(4, b''))
print('captured', n)
