"""End-to-end: data-plane hardening of issue 5 in the one-armed lab (needs root and FLOE_SE;
missing either is an error, never a skip).

- §11: with the router's route back to the SNAT IP removed, status and the log name the
  missing router command; with it restored, the return path is ok again.
- §5: a virtual service whose port range is past floe-se's listener limit is DOWN with the
  limit as reason, while floe-se keeps running and the other virtual service serves; a
  600-port range next to a one-port virtual service is served.
"""

from __future__ import annotations

import copy
import resource
import unittest

from lab import (FloeSe, LabError, OneArmedLab, find_named, http_get, load_config,
                 require_environment, run, server_states, vs_state, wait_until)

VIP = "10.10.2.100"
SNAT = "10.10.3.100"
FLOATING = "10.10.1.100"
URL = f"http://{VIP}/"
READY_TIMEOUT = 15


def setUpModule():
    require_environment()


def return_paths(status: dict, server_ip: str) -> list[dict]:
    pool = find_named(status["pools"], "web") or {}
    for s in pool.get("servers", []):
        if s["ip"] == server_ip:
            return s.get("return_paths", [])
    return []


class LabCase(unittest.TestCase):
    doc_edit = None  # optional function(doc) applied before floe-se starts
    nofile_soft = None  # start floe-se with this RLIMIT_NOFILE soft limit (the common 1024)

    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.doc = load_config()
        if cls.doc_edit is not None:
            cls.doc_edit(cls.doc)
        cls.config = cls.lab.write_config(cls.doc)
        cls.se = FloeSe(cls.lab, cls.config)
        cls.addClassCleanup(cls.se.terminate_quietly)
        saved = resource.getrlimit(resource.RLIMIT_NOFILE)
        if cls.nofile_soft is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (cls.nofile_soft, saved[1]))
        try:
            cls.se.start()
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, saved)
        ok = wait_until(lambda: vs_state(cls.se.status(), "vs1") == "UP" and
                        set(server_states(cls.se.status(), "web").values()) == {"UP"},
                        READY_TIMEOUT, 0.2)
        if not ok:
            raise LabError(f"vs1 not UP within {READY_TIMEOUT}s: {cls.se.log()}")


class ReturnPathTest(LabCase):
    """Issue 5 §11: the return path to the SNAT IP is checked from the SNAT IP itself."""

    def test_1_ok_with_the_route_back(self):
        ok = wait_until(lambda: [p.get("state") for p in return_paths(self.se.status(),
                                                                     "10.10.20.21")] == ["ok"],
                        10, 0.2)
        self.assertTrue(ok, f"return path not ok: {self.se.status()}")

    def test_2_missing_route_back_named_with_the_router_command(self):
        router = self.lab.router
        run(["ip", "-n", router, "route", "del", f"{SNAT}/32"])
        try:
            expected = f"route add -host {SNAT} gw {FLOATING}"
            failing = wait_until(
                lambda: all(p.get("state") == "failing" and p.get("router_command") == expected
                            for ip in ("10.10.20.21", "10.10.20.22")
                            for p in return_paths(self.se.status(), ip) or [{}]),
                15, 0.3)
            st = self.se.status()
            self.assertTrue(failing, f"no failing return path in status: {st}")
            self.assertEqual(set(server_states(st, "web").values()), {"UP"},
                             "the interface-sourced checks still pass: servers stay UP")
            self.assertIn(f"not from SNAT IP {SNAT}", self.se.log_text())
            self.assertIn(f"on the router: {expected}", self.se.log_text())
        finally:
            run(["ip", "-n", router, "route", "replace", f"{SNAT}/32", "via", FLOATING,
                 "dev", "eth-se"])
        back = wait_until(lambda: all(p.get("state") == "ok"
                                      for ip in ("10.10.20.21", "10.10.20.22")
                                      for p in return_paths(self.se.status(), ip) or [{}]),
                          15, 0.3)
        self.assertTrue(back, f"return path not ok again: {self.se.status()}")


def _add_wide_vs(doc: dict) -> None:
    wide = copy.deepcopy(find_named(doc["virtualservice"], "vs1"))
    wide.update(name="wide", vip=[{"vip_id": "1", "ip_address": "10.10.2.101"}],
                services=[{"port": 1000, "port_range_end": 2100}])
    doc["virtualservice"].append(wide)


class OversizedServiceTest(LabCase):
    """Issue 5 §5: one virtual service over the listener limit never takes the SE down."""

    doc_edit = staticmethod(_add_wide_vs)

    def test_oversized_vs_down_with_the_limit_others_serve(self):
        st = self.se.status()
        wide = find_named(st["virtualservices"], "wide")
        self.assertEqual(wide["state"], "DOWN", st)
        self.assertIn("more than the 1024 VIP:port listeners", wide["reason"])
        self.assertTrue(self.se.alive(), "floe-se must keep running")
        answers = [http_get(self.lab.client, URL) for _ in range(6)]
        self.assertEqual(set(answers), {"srv1", "srv2"}, answers)
        dp = st["data_plane"]
        self.assertGreater(dp["fd_limit"], 0)
        self.assertGreater(dp["max_connections"], 0)
        self.assertLess(dp["listening_sockets"], 1024, "none of wide's sockets were opened")


def _add_range_vs(doc: dict) -> None:
    wide = copy.deepcopy(find_named(doc["virtualservice"], "vs1"))
    wide.update(name="range", vip=[{"vip_id": "1", "ip_address": "10.10.2.101"}],
                services=[{"port": 1000, "port_range_end": 1599}])
    doc["virtualservice"].append(wide)


class PortRangeTest(LabCase):
    """Issue 5 §5: a 600-port range next to a one-port VS (which used to exhaust descriptors
    and make floe-se exit 1) is served, and so is the one-port VS."""

    doc_edit = staticmethod(_add_range_vs)
    nofile_soft = 1024  # 600 ports x workers + connections do not fit: floe-se must raise it

    def test_both_services_serve(self):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        self.assertEqual(self.se.status()["data_plane"]["fd_limit"], hard,
                         "the soft limit was raised to the hard one at start")
        run(["ip", "-n", self.lab.router, "route", "replace", "10.10.2.101/32", "via", FLOATING,
             "dev", "eth-se"])
        up = wait_until(lambda: vs_state(self.se.status(), "range") == "UP", 10, 0.2)
        self.assertTrue(up, f"range not UP: {self.se.status()}")
        self.assertTrue(self.se.alive())
        for port in (1000, 1337, 1599):
            answers = [http_get(self.lab.client, f"http://10.10.2.101:{port}/") for _ in range(2)]
            self.assertNotIn(None, answers, f"port {port}: {answers}")
        self.assertEqual(set(http_get(self.lab.client, URL) for _ in range(4)), {"srv1", "srv2"})


if __name__ == "__main__":
    unittest.main()
