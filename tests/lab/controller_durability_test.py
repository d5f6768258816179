"""Durability: floe-controller killed with SIGKILL in the middle of a write loop, many times,
restarts with every acknowledged write intact and nothing half-written (issue 7).

A writer inside the controller's namespace creates healthmonitors one by one and prints the
name of each one the controller acknowledged (201). The controller is killed at a random
instant; after the restart every acknowledged monitor must be there, complete, and the
configuration must still be valid (a further write is accepted).
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
import unittest

from controller import ADMIN_PASSWORD, Controller, ControllerNs, require_environment
from lab import LabError

ROUNDS = 20

WRITER = r"""
import http.client, json, sys
prefix, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
# A session token: the password is checked (slow PBKDF2) once, not per write.
conn.request("POST", "/login", json.dumps({"username": "admin", "password": password}))
r = conn.getresponse()
auth = "Bearer " + json.loads(r.read())["token"]
print("READY", flush=True)
i = 0
while True:
    name = f"{prefix}-{i}"
    body = json.dumps({"name": name, "send_interval": 5 + i % 10, "receive_timeout": 2,
                       "successful_checks": 1 + i % 3, "failed_checks": 2})
    try:
        conn.request("POST", "/api/healthmonitor", body,
                     {"Authorization": auth, "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
    except Exception:
        sys.exit(0)
    if r.status != 201:
        print(f"ERROR {r.status}", flush=True)
        sys.exit(1)
    print(name, flush=True)
    i += 1
"""


def setUpModule():
    require_environment()


class KilledMidWriteLoop(unittest.TestCase):
    def test_every_acknowledged_write_survives_sigkill(self):
        rng = random.Random(7)
        acknowledged: dict[str, int] = {}  # name → its send_interval
        with ControllerNs("dur") as ns:
            ctl = Controller(ns)
            try:
                for round_ in range(ROUNDS):
                    ctl.start()
                    writer = subprocess.Popen(
                        ["ip", "netns", "exec", ns.name, "python3", "-c", WRITER,
                         f"r{round_}", str(ctl.port), ADMIN_PASSWORD],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    ready = writer.stdout.readline()
                    self.assertEqual(ready, "READY\n", writer.stderr.read() if not ready else "")
                    time.sleep(rng.uniform(0.05, 0.6))
                    ctl.kill(signal.SIGKILL)
                    out, err = writer.communicate(timeout=30)
                    self.assertNotIn("ERROR", out, err)
                    for line in out.split():
                        i = int(line.rsplit("-", 1)[1])
                        acknowledged[line] = 5 + i % 10
                    self.assertTrue(out.strip(), f"round {round_}: no write was acknowledged")
                ctl.start()
                stored = {m["name"]: m for m in ctl.all("healthmonitor")}
                missing = sorted(set(acknowledged) - set(stored))
                self.assertEqual(missing, [], f"{len(missing)} acknowledged writes lost")
                for name, interval in acknowledged.items():
                    m = stored[name]
                    self.assertEqual(m["send_interval"], interval, name)
                    self.assertEqual(m["receive_timeout"], 2, name)
                    self.assertTrue(m["uuid"].startswith("healthmonitor-"), name)
                # Still a valid, writable configuration.
                status, body = ctl.api("POST", "/api/healthmonitor", {"name": "after"})
                self.assertEqual(status, 201, body)
                print(f"\n{len(acknowledged)} acknowledged writes over {ROUNDS} SIGKILLs: all intact")
            finally:
                ctl.kill(signal.SIGTERM)
                if ctl._tmp:
                    ctl._tmp.cleanup()


if __name__ == "__main__":
    unittest.main()
