"""End-to-end: a legacy HA pair (issue 6) in the one-armed lab: se1 and se2 on 10.10.1.0/24 with
the floating IP 10.10.1.100. A probe in the client opens a new HTTP connection to the VIP every
10 ms and reports the longest outage for each failure.

Needs root and FLOE_SE, like one_armed_test.py.
"""

from __future__ import annotations

import copy
import json
import re
import signal
import subprocess
import time
import unittest

from lab import (FloeSe, LabError, OneArmedLab, find_named, ip_json, link_mac, load_config,
                 ns_exec, require_environment, wait_until)
from one_armed_test import FLOATING, VIP

# A new connection starts every 10 ms whether or not the earlier ones finished (one thread
# each), so a SYN lost during the hand-over costs that attempt only, not the probe's resolution.
# An attempt counts when it got an HTTP answer without a SYN retransmission (0.9 s < the
# kernel's 1 s initial RTO); the outage is the longest gap between the start times of counted
# attempts.
PROBE = r"""
import socket, sys, threading, time
vip, duration = sys.argv[1], float(sys.argv[2])
ok, lock, t0 = [], threading.Lock(), time.monotonic()
def attempt(start):
    try:
        s = socket.create_connection((vip, 80), timeout=0.9)
        s.settimeout(0.9)
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        if s.recv(64).startswith(b"HTTP/1."):
            with lock:
                ok.append(start - t0)
        s.close()
    except OSError:
        pass
threads = []
while True:
    start = time.monotonic()
    if start - t0 >= duration:
        break
    th = threading.Thread(target=attempt, args=(start,), daemon=True)
    th.start()
    threads.append(th)
    time.sleep(max(0.0, 0.01 - (time.monotonic() - start)))
for th in threads:
    th.join(2.0)
print(" ".join(f"{x:.3f}" for x in sorted(ok)))
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


# Prints the sender MAC of every gratuitous ARP for IP seen on DEV for SECONDS seconds.
ARP_SNIFFER = r"""
import socket, struct, sys, time
dev, ip, secs = sys.argv[1], socket.inet_aton(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((dev, 0))
s.settimeout(0.1)
end = time.monotonic() + secs
while time.monotonic() < end:
    try:
        f = s.recv(128)
    except socket.timeout:
        continue
    if len(f) >= 42 and f[28:32] == ip and f[38:42] == ip:
        print(":".join(f"{b:02x}" for b in f[22:28]), flush=True)
"""


def arp_answers(lab: OneArmedLab, count: int = 3) -> list[str]:
    """MACs of the answers to `count` broadcast ARP requests for the floating IP from the
    router: after every transition, exactly one host must answer each one."""
    cp = ns_exec(lab.router, "arping", "-b", "-c", str(count), "-w", str(count + 1), "-I",
                 "eth-se", FLOATING, check=False, timeout=count + 6)
    return [m.lower() for m in re.findall(r"reply from \S+ \[([0-9A-Fa-f:]+)\]", cp.stdout)]


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
        for se in (self.se1, self.se2):  # same document: no mismatch reported, ever
            self.assertNotIn("runs another configuration", se.log())
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
        # The killed SE's kernel keeps answering until its addresses' lifetime (6 s) runs out.
        gone = wait_until(lambda: FLOATING not in self.addresses(self.lab.se1), 8, 0.2)
        self.assertTrue(gone, "the dead SE's floating IP did not expire")
        self.assertEqual(arp_answers(self.lab), [link_mac(self.lab.se2, "eth0")] * 3)

    def test_clean_shutdown_hands_over_at_once(self):
        probe = Probe(self.lab, 4.0)
        time.sleep(1.0)
        self.assertEqual(self.se1.stop(), 0)
        outage = probe.longest_outage()
        print(f"  SIGTERM of the active: longest outage {outage:.3f} s")
        self.assertEqual(ha_state(self.se2), "ACTIVE")
        # The goodbye, not the dead interval, moved the role. Timing is reported, not asserted
        # tightly (CI does not fail on timings): the bound only catches a hang.
        self.assertEqual(self.se2.status()["ha"]["last_transition"]["cause"], "PEER_GOODBYE")
        self.assertLess(outage, 2.5)
        self.assertEqual(arp_answers(self.lab), [link_mac(self.lab.se2, "eth0")] * 3)

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
        self.assertLess(outage, 2.5)  # reported above; the bound only catches a hang
        # Nothing announces the address over its new holder later (the second announcement
        # burst of the former active must not happen once it has let the address go).
        time.sleep(2.5)
        neigh = ip_json(self.lab.router, "neigh", "show", FLOATING)
        self.assertEqual([n.get("lladdr") for n in neigh], [link_mac(self.lab.se2, "eth0")],
                         neigh)
        self.assertEqual(arp_answers(self.lab), [link_mac(self.lab.se2, "eth0")] * 3)

    def switchover(self, se: FloeSe) -> None:
        cp = subprocess.run([se.binary, "switchover", "--name", se.name, "--run-dir",
                             str(se.run_dir)], capture_output=True, text=True, timeout=10)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)

    def test_switchover_there_and_back_leaves_the_router_on_the_active(self):
        # se1 -> se2, and at once back to se1: se2's later announcement burst (2 s after it
        # claimed the addresses) must not go out once it has let them go. The router's
        # interface is watched for gratuitous ARP from se2 for 3 s after the hand-back.
        self.switchover(self.se1)
        self.assertTrue(wait_until(lambda: ha_state(self.se2) == "ACTIVE", 3, 0.02))
        self.switchover(self.se2)
        self.assertTrue(wait_until(lambda: ha_state(self.se1) == "ACTIVE", 3, 0.02))
        se2_mac = link_mac(self.lab.se2, "eth0")
        cp = ns_exec(self.lab.router, "python3", "-c", ARP_SNIFFER, "eth-se", FLOATING, "3",
                     timeout=10)
        senders = cp.stdout.split()
        self.assertNotIn(se2_mac, senders,
                         "se2 announced the floating IP after it had handed it back")
        neigh = ip_json(self.lab.router, "neigh", "show", FLOATING)
        self.assertEqual([n.get("lladdr") for n in neigh], [link_mac(self.lab.se1, "eth0")],
                         neigh)

    def test_a_pair_running_different_documents_is_reported(self):
        self.assertTrue(self.se2.status()["ha"]["config_match"])
        doc = pair_config(self.lab)
        doc["healthmonitor"].append({"name": "extra", "type": "HEALTH_MONITOR_TCP"})
        self.config.write_text(json.dumps(doc))
        self.se2.reload()  # se2 runs the edited document, se1 the old one
        differ = wait_until(lambda: self.se1.status()["ha"].get("config_match") is False and
                            self.se2.status()["ha"].get("config_match") is False, 5, 0.1)
        self.assertTrue(differ, self.se2.status()["ha"])
        self.assertIn("runs another configuration", self.se1.log())
        self.se1.reload()  # the same document again on both
        same = wait_until(lambda: self.se1.status()["ha"].get("config_match") is True, 5, 0.1)
        self.assertTrue(same, self.se1.status()["ha"])

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
        self.assertEqual(arp_answers(self.lab), [link_mac(self.lab.se2, "eth0")] * 3)


# --- issue 6, the remaining failure cases -------------------------------------------------------

class PairCase(unittest.TestCase):
    """A started pair (se1 ACTIVE, se2 STANDBY, the VIP served), with these timers and, when
    TWO_PATHS, the second heartbeat network of `lab/one-armed.sh ha-link up` in data_vnics."""

    INTERVAL_MS = 100
    COUNT = 10
    TWO_PATHS = False

    def setUp(self):
        self.lab = OneArmedLab()
        self.addCleanup(self.lab.down)
        self.lab.up()
        doc = pair_config(self.lab, self.INTERVAL_MS, self.COUNT)
        if self.TWO_PATHS:
            self.lab.script("ha-link", "up")
            for se in doc["serviceengine"]:
                host = "11" if se["name"] == "se1" else "12"
                se["data_vnics"].append({"if_name": "eth1", "ip": f"10.10.9.{host}/24"})
        self.config = self.lab.write_config(doc, "pair.json")
        self.se1 = self.start_se("se1")
        self.se2 = self.start_se("se2")
        ok = wait_until(lambda: ha_state(self.se1) == "ACTIVE" and ha_state(self.se2) == "STANDBY",
                        8, 0.1)
        self.assertTrue(ok, f"se1 {ha_state(self.se1)}, se2 {ha_state(self.se2)}\n"
                            f"{self.se1.log()}\n{self.se2.log()}")
        served = wait_until(lambda: ns_exec(self.lab.client, "curl", "-s", "-f", "-m", "1",
                                            f"http://{VIP}/", check=False).returncode == 0, 10, 0.2)
        self.assertTrue(served, self.se1.log())

    def start_se(self, name: str) -> FloeSe:
        se = FloeSe(self.lab, self.config, name=name)
        self.addCleanup(se.terminate_quietly)
        se.start()
        return se

    def addresses(self, ns: str) -> set[str]:
        return {a["local"] for link in ip_json(ns, "addr", "show") for a in link.get("addr_info", [])}

    def router_mac_for_floating(self) -> str | None:
        ns_exec(self.lab.router, "ping", "-c1", "-W1", FLOATING, check=False)
        neigh = ip_json(self.lab.router, "neigh", "show", FLOATING)
        return neigh[0].get("lladdr") if neigh else None

    def logs(self) -> str:
        return f"{self.se1.log()}\n{self.se2.log()}"

    def link(self, ns: str, dev: str, state: str) -> None:
        ns_exec(ns, "ip", "link", "set", dev, state)

    def assert_only_active(self, active: FloeSe, standby: FloeSe) -> None:
        self.assertEqual(ha_state(active), "ACTIVE", self.logs())
        self.assertEqual(ha_state(standby), "STANDBY", self.logs())
        self.assertIn(FLOATING, self.addresses(active.ns))
        self.assertNotIn(FLOATING, self.addresses(standby.ns))
        self.assertEqual(self.router_mac_for_floating(), link_mac(active.ns, "eth0"))
        self.assertEqual(arp_answers(self.lab), [link_mac(active.ns, "eth0")] * 3)


class HaTwoPathsTest(PairCase):
    """Heartbeats on eth0 (10.10.1.0/24) and eth1 (10.10.9.0/24): one path cut is no failure."""

    TWO_PATHS = True

    def test_pair_heartbeats_on_both_paths(self):
        st = self.se2.status()["ha"]
        self.assertEqual(len(st["heartbeat"]["paths"]), 2, st)
        heard = [p["role"] for p in st["peer"]["paths"]]
        self.assertEqual(heard, ["ACTIVE", "ACTIVE"], st)

    def test_one_path_cut_is_no_takeover_both_cut_is_and_heal_leaves_one_active(self):
        term = self.se2.status()["ha"]["term"]
        # The HA network alone, then the data network alone (at se2's side: the active's
        # interfaces keep their carrier), each for 3x the dead interval.
        for port in ("se2-ha", "se2"):
            self.link(self.lab.sw, port, "down")
            time.sleep(3.0)
            self.assertEqual(ha_state(self.se2), "STANDBY", f"{port} cut\n{self.logs()}")
            self.assertEqual(ha_state(self.se1), "ACTIVE", f"{port} cut\n{self.logs()}")
            self.assertEqual(self.se2.status()["ha"]["term"], term)
            self.link(self.lab.sw, port, "up")
            time.sleep(0.5)
        # Both cut: se2 hears nothing and takes the role.
        self.link(self.lab.sw, "se2-ha", "down")
        self.link(self.lab.sw, "se2", "down")
        took = wait_until(lambda: ha_state(self.se2) == "ACTIVE", 4, 0.05)
        self.assertTrue(took, self.logs())
        # Healed: one of the two yields; exactly one active, stably.
        self.link(self.lab.sw, "se2-ha", "up")
        self.link(self.lab.sw, "se2", "up")
        one = wait_until(lambda: sorted([ha_state(self.se1), ha_state(self.se2)]) ==
                         ["ACTIVE", "STANDBY"], 5, 0.05)
        self.assertTrue(one, self.logs())
        time.sleep(2.0)
        if ha_state(self.se1) == "ACTIVE":
            self.assert_only_active(self.se1, self.se2)
        else:
            self.assert_only_active(self.se2, self.se1)

    def test_active_data_link_down_is_a_degraded_hand_over_on_the_other_path(self):
        # The active's interface holding the floating IP loses carrier (its switch port goes
        # down): it says so on the HA network, and se2 takes over at once, not after the dead
        # interval, with the cause PEER_DEGRADED.
        probe = Probe(self.lab, 4.0)
        time.sleep(1.0)
        t0 = time.monotonic()
        self.link(self.lab.sw, "se1", "down")
        took = wait_until(lambda: ha_state(self.se2) == "ACTIVE", 3, 0.02)
        took_after = time.monotonic() - t0
        self.assertTrue(took, self.logs())
        cause = self.se2.status()["ha"]["last_transition"]["cause"]
        outage = probe.longest_outage()
        print(f"  active's data link down, two paths: se2 ACTIVE after {took_after:.3f} s "
              f"({cause}); longest outage {outage:.3f} s")
        self.assertEqual(cause, "PEER_DEGRADED", self.logs())
        self.assertLess(took_after, 2.5)  # reported above; the cause is what this test checks
        self.assertEqual(self.router_mac_for_floating(), link_mac(self.lab.se2, "eth0"))
        self.link(self.lab.sw, "se1", "up")



class HaLinkAndRestartTest(PairCase):
    """The active's data link down, and restarts of either SE (default timers)."""

    def test_active_data_link_down_hands_over_and_link_up_comes_back_standby(self):
        probe = Probe(self.lab, 6.0)
        time.sleep(1.0)
        self.link(self.lab.se1, "eth0", "down")
        outage = probe.longest_outage()
        print(f"  data link down on the active (100 ms x 10): longest outage {outage:.3f} s")
        self.assertEqual(ha_state(self.se2), "ACTIVE", self.logs())
        self.assertEqual(self.router_mac_for_floating(), link_mac(self.lab.se2, "eth0"))
        self.assertLess(outage, 3.0)
        self.link(self.lab.se1, "eth0", "up")
        back = wait_until(lambda: ha_state(self.se1) == "STANDBY", 5, 0.05)
        self.assertTrue(back, self.logs())
        time.sleep(1.0)
        self.assert_only_active(self.se2, self.se1)

    def test_standby_killed_and_restarted_changes_nothing(self):
        term = self.se1.status()["ha"]["term"]
        probe = Probe(self.lab, 5.0)
        time.sleep(0.5)
        self.se2.kill()
        time.sleep(1.0)
        self.se2 = self.start_se("se2")
        back = wait_until(lambda: ha_state(self.se2) == "STANDBY", 5, 0.05)
        outage = probe.longest_outage()
        print(f"  standby killed and restarted: longest outage {outage:.3f} s")
        self.assertTrue(back, self.logs())
        self.assertEqual(self.se1.status()["ha"]["term"], term)
        self.assert_only_active(self.se1, self.se2)
        self.assertLess(outage, 1.0)  # no outage at all is expected; the bound allows for load

    def test_restarted_former_active_comes_back_standby(self):
        self.se1.kill()
        took = wait_until(lambda: ha_state(self.se2) == "ACTIVE", 4, 0.05)
        self.assertTrue(took, self.logs())
        self.se1 = self.start_se("se1")
        back = wait_until(lambda: ha_state(self.se1) == "STANDBY", 5, 0.05)
        self.assertTrue(back, self.logs())
        time.sleep(2.0)  # no failback later either
        self.assert_only_active(self.se2, self.se1)


class HaFastTimersTest(PairCase):
    """dp_hb_frequency 50, dp_hb_timeout_count 3: target 250 ms. The figures are printed; only a
    generous bound is asserted (CI machines are shared)."""

    INTERVAL_MS = 50
    COUNT = 3

    def test_sigkill_outage(self):
        probe = Probe(self.lab, 4.0)
        time.sleep(1.0)
        self.se1.kill()
        outage = probe.longest_outage()
        print(f"  SIGKILL of the active (50 ms x 3): longest outage {outage:.3f} s")
        self.assertEqual(ha_state(self.se2), "ACTIVE", self.logs())
        self.assertLess(outage, 1.5)

    def test_link_down_outage(self):
        probe = Probe(self.lab, 4.0)
        time.sleep(1.0)
        self.link(self.lab.se1, "eth0", "down")
        outage = probe.longest_outage()
        print(f"  data link down on the active (50 ms x 3): longest outage {outage:.3f} s")
        self.assertEqual(ha_state(self.se2), "ACTIVE", self.logs())
        self.assertLess(outage, 1.5)


class HaUnderLoadTest(PairCase):
    """The L4 load through the VIP (wrk, both cores busy, 10 s) at the default timers (100 ms x
    10) causes no takeover: term, state and last transition unchanged on both SEs."""

    def test_no_false_takeover_under_load(self):
        before = {se.name: se.status()["ha"] for se in (self.se1, self.se2)}
        t0 = time.monotonic()
        cp = ns_exec(self.lab.client, "wrk", "-t2", "-c64", "-d10s", f"http://{VIP}/",
                     timeout=30, check=False)
        elapsed_ms = (time.monotonic() - t0) * 1000
        print("  wrk: " + " | ".join(l.strip() for l in cp.stdout.splitlines()
                                      if "Requests/sec" in l or "requests in" in l))
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        for se in (self.se1, self.se2):
            after = se.status()["ha"]
            b = before[se.name]
            self.assertEqual(after["ha_state"], b["ha_state"], self.logs())
            self.assertEqual(after["term"], b["term"], self.logs())
            self.assertEqual(after["last_transition"]["cause"], b["last_transition"]["cause"])
            # The same transition, older by the time that passed (not a new one).
            self.assertGreaterEqual(after["last_transition"]["ms_ago"],
                                    b["last_transition"]["ms_ago"] + elapsed_ms - 500)


if __name__ == "__main__":
    unittest.main()
