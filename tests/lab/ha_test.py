"""End-to-end: a legacy HA pair (issue 6) in the one-armed lab: se1 and se2 on 10.10.1.0/24 with
the floating IP 10.10.1.100. A probe in the client opens a new HTTP connection to the VIP every
10 ms and reports the longest outage for each failure.

Needs root and FLOE_SE, like one_armed_test.py.
"""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import time
import unittest

from lab import (FloeSe, LabError, OneArmedLab, find_named, ip_json, link_mac, load_config,
                 ns_exec, require_environment, wait_until)
from one_armed_test import FLOATING, VIP

PROBE = r"""
import socket, sys, time
vip, duration = sys.argv[1], float(sys.argv[2])
ok, t0 = [], time.monotonic()
while time.monotonic() - t0 < duration:
    start = time.monotonic()
    try:
        s = socket.create_connection((vip, 80), timeout=0.2)
        s.settimeout(0.3)
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        if s.recv(64).startswith(b"HTTP/1."):
            ok.append(start - t0)
        s.close()
    except OSError:
        pass
    time.sleep(max(0.0, 0.01 - (time.monotonic() - start)))
print(" ".join(f"{x:.3f}" for x in ok))
"""


def setUpModule():
    require_environment()


def pair_config(lab: OneArmedLab, interval_ms: int = 100, count: int = 10) -> dict:
    doc = load_config()
    doc["serviceengine"].append({"name": "se2", "se_group_ref": "Default-Group",
                                 "data_vnics": [{"if_name": "eth0", "ip": "10.10.1.12/24"}]})
    group = doc["serviceenginegroup"][0]
    group["dp_hb_frequency"] = interval_ms
    group["dp_hb_timeout_count"] = count
    group["ha_heartbeat_secret"] = "lab-secret"
    return doc


class Probe:
    """The client's new-connection probe, in the background for `duration` seconds."""

    def __init__(self, lab: OneArmedLab, duration: float):
        self.duration = duration
        self.proc = subprocess.Popen(["ip", "netns", "exec", lab.client, "python3", "-c", PROBE,
                                      VIP, str(duration)], stdout=subprocess.PIPE, text=True)

    def longest_outage(self) -> float:
        out, _ = self.proc.communicate(timeout=self.duration + 15)
        ok = [float(x) for x in out.split()]
        if not ok:
            return self.duration
        gaps = [b - a for a, b in zip([0.0] + ok, ok + [self.duration])]
        return max(gaps)


def ha_state(se: FloeSe) -> str | None:
    try:
        return se.status().get("ha_state")
    except LabError:
        return None


class HaPairTest(unittest.TestCase):
    """Two SEs elect one active; the active's failures move the role; the router follows."""

    def setUp(self):
        self.lab = OneArmedLab()
        self.addCleanup(self.lab.down)
        self.lab.up()
        self.config = self.lab.write_config(pair_config(self.lab), "pair.json")
        self.se1 = FloeSe(self.lab, self.config, name="se1")
        self.se2 = FloeSe(self.lab, self.config, name="se2")
        for se in (self.se1, self.se2):
            self.addCleanup(se.terminate_quietly)
            se.start()
        ok = wait_until(lambda: ha_state(self.se1) == "ACTIVE" and ha_state(self.se2) == "STANDBY",
                        8, 0.1)
        self.assertTrue(ok, f"se1 {ha_state(self.se1)}, se2 {ha_state(self.se2)}\n"
                            f"{self.se1.log()}\n{self.se2.log()}")
        served = wait_until(lambda: ns_exec(self.lab.client, "curl", "-s", "-f", "-m", "1",
                                            f"http://{VIP}/", check=False).returncode == 0, 10, 0.2)
        self.assertTrue(served, self.se1.log())

    def addresses(self, ns: str) -> set[str]:
        return {a["local"] for link in ip_json(ns, "addr", "show") for a in link.get("addr_info", [])}

    def router_mac_for_floating(self) -> str | None:
        ns_exec(self.lab.router, "ping", "-c1", "-W1", FLOATING, check=False)
        neigh = ip_json(self.lab.router, "neigh", "show", FLOATING)
        return neigh[0].get("lladdr") if neigh else None

    def test_elects_one_active_that_alone_holds_the_addresses(self):
        self.assertIn(FLOATING, self.addresses(self.lab.se1))
        self.assertNotIn(FLOATING, self.addresses(self.lab.se2))
        st2 = self.se2.status()
        self.assertEqual(find_named(st2["virtualservices"], "vs1")["state"], "STANDBY")
        self.assertEqual(st2["ha"]["counters"]["bad_hmac"], 0)
        self.assertGreater(st2["ha"]["counters"]["received"], 0)
        self.assertEqual(self.router_mac_for_floating(), link_mac(self.lab.se1, "eth0"))

    def test_active_killed_standby_takes_over(self):
        probe = Probe(self.lab, 6.0)
        time.sleep(1.0)
        self.se1.kill()
        outage = probe.longest_outage()
        print(f"  SIGKILL of the active (100 ms x 10): longest outage {outage:.3f} s")
        self.assertEqual(ha_state(self.se2), "ACTIVE", self.se2.log())
        self.assertIn(FLOATING, self.addresses(self.lab.se2))
        self.assertEqual(self.router_mac_for_floating(), link_mac(self.lab.se2, "eth0"))
        self.assertLess(outage, 3.0)

    def test_clean_shutdown_hands_over_at_once(self):
        probe = Probe(self.lab, 4.0)
        time.sleep(1.0)
        self.assertEqual(self.se1.stop(), 0)
        outage = probe.longest_outage()
        print(f"  SIGTERM of the active: longest outage {outage:.3f} s")
        self.assertEqual(ha_state(self.se2), "ACTIVE")
        self.assertLess(outage, 1.0)

    def test_switchover_moves_the_active_role(self):
        probe = Probe(self.lab, 4.0)
        time.sleep(1.0)
        cp = subprocess.run([self.se1.binary, "switchover", "--name", "se1", "--run-dir",
                             str(self.se1.run_dir)], capture_output=True, text=True, timeout=10)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        moved = wait_until(lambda: ha_state(self.se2) == "ACTIVE" and ha_state(self.se1) == "STANDBY",
                           3, 0.05)
        outage = probe.longest_outage()
        print(f"  switchover: longest outage {outage:.3f} s")
        self.assertTrue(moved, f"{self.se1.log()}\n{self.se2.log()}")
        self.assertNotIn(FLOATING, self.addresses(self.lab.se1))
        self.assertEqual(self.router_mac_for_floating(), link_mac(self.lab.se2, "eth0"))
        self.assertLess(outage, 1.0)

    def test_bad_heartbeats_are_counted_and_change_nothing(self):
        # Garbage, truncated and wrongly keyed datagrams at se2's heartbeat port, from the router.
        sender = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    for d in (b"\x00" * 7, b"garbage" * 20, bytes(range(256)) * 2):
        s.sendto(d, ("10.10.1.12", 7798))
"""
        ns_exec(self.lab.router, "python3", "-c", sender)
        time.sleep(1.5)
        st2 = self.se2.status()
        counters = st2["ha"]["counters"]
        self.assertGreater(counters["malformed"] + counters["bad_hmac"], 0, counters)
        self.assertEqual(st2["ha_state"], "STANDBY")
        self.assertEqual(ha_state(self.se1), "ACTIVE")
        self.assertTrue(self.se2.alive())

    def test_hung_active_yields_when_it_resumes(self):
        self.se1.signal(signal.SIGSTOP)
        took = wait_until(lambda: ha_state(self.se2) == "ACTIVE", 5, 0.05)
        self.assertTrue(took, self.se2.log())
        self.se1.signal(signal.SIGCONT)
        yielded = wait_until(lambda: ha_state(self.se1) == "STANDBY", 5, 0.05)
        self.assertTrue(yielded, self.se1.log())
        self.assertEqual(ha_state(self.se2), "ACTIVE")
        self.assertNotIn(FLOATING, self.addresses(self.lab.se1))
        self.assertEqual(self.router_mac_for_floating(), link_mac(self.lab.se2, "eth0"))


if __name__ == "__main__":
    unittest.main()
