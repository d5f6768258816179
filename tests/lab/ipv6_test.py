"""End-to-end: floe-se in the one-armed lab, in IPv6 (issue "Service engine hardening" §10).

The document is lab/one-armed/floe.json with every address moved to the lab's IPv6 plan
(documentation prefix 2001:db8::/32, lab/one-armed.sh): floating IP 2001:db8:1::100 on se1's
eth0, VIP 2001:db8:2::100 and SNAT IP 2001:db8:3::100 on floe0, the router reaching both via the
floating IP, servers 2001:db8:20::21 and ::22. It checks traffic and SNAT, the unsolicited
Neighbor Advertisement that moves a stale router entry (RFC 4861 §7.2.6), and the DAD probe
that refuses an address a neighbour holds (RFC 4862 §5.4).

Needs root and FLOE_SE, like one_armed_test.py (whose LabTestCase it uses).
"""

from __future__ import annotations

import unittest

from lab import (FloeSe, OneArmedLab, find_named, http_get, ip_json, link_mac, load_config, ns_exec, run,
                 require_environment, wait_until)
from one_armed_test import LabTestCase

FLOATING6 = "2001:db8:1::100"
VIP6 = "2001:db8:2::100"
SNAT6 = "2001:db8:3::100"
SE1_IP6 = "2001:db8:1::11"
ROUTER_SE6 = "2001:db8:1::1"
SERVERS6 = {"2001:db8:20::21": "srv1", "2001:db8:20::22": "srv2"}
URL6 = f"http://[{VIP6}]/"
ANNOUNCE_BUDGET = 3.0  # s: from floe-se start until the router's entry names se1's MAC


def setUpModule():
    require_environment()


def ipv6_document() -> dict:
    """lab/one-armed/floe.json with the IPv6 plan in place of every IPv4 address."""
    doc = load_config()
    seg = find_named(doc["serviceenginegroup"], "Default-Group")
    seg["floating_intf_ip"] = [FLOATING6]
    find_named(doc["serviceengine"], "se1")["data_vnics"] = [
        {"if_name": "eth0", "ip": f"{SE1_IP6}/64"}]
    find_named(doc["vrfcontext"], "global")["static_routes"] = [
        {"route_id": "1", "prefix": "::/0", "next_hop": ROUTER_SE6}]
    find_named(doc["pool"], "web")["servers"] = [{"ip": ip, "port": 80} for ip in SERVERS6]
    vs1 = find_named(doc["virtualservice"], "vs1")
    vs1["vip"] = [{"vip_id": "1", "ip_address": VIP6}]
    vs1["snat_ip"] = [SNAT6]
    return doc


def router_mac(lab, ip: str) -> str | None:
    neigh = ip_json(lab.router, "-6", "neigh", "show", ip, "dev", "eth-se")
    return neigh[0].get("lladdr") if neigh else None


def address_entry(status: dict, address: str) -> dict | None:
    return next((a for a in status.get("addresses", []) if a.get("address") == address), None)


class Ipv6LabTestCase(LabTestCase):
    """LabTestCase with the IPv6 document and the router's IPv6 routes to VIP and SNAT IP."""

    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        for dst in (VIP6, SNAT6):
            run(["ip", "-n", cls.lab.router, "-6", "route", "add", f"{dst}/128",
                 "via", FLOATING6, "dev", "eth-se"])
        cls.doc = ipv6_document()
        cls.config = cls.lab.write_config(cls.doc)
        cls.se = None
        if cls.start_se:
            cls.se = FloeSe(cls.lab, cls.config)
            cls.addClassCleanup(cls.se.terminate_quietly)
            cls.se.start()
            cls.wait_ready()


class Ipv6TrafficTest(Ipv6LabTestCase):
    """Steady state in IPv6: client → router → floating IP → se1 (VIP) → SNAT → servers."""

    def test_requests_reach_both_servers(self):
        answers = [http_get(self.lab.client, URL6) for _ in range(20)]
        self.assertNotIn(None, answers, f"failed requests: {answers}")
        self.assertEqual(set(answers), {"srv1", "srv2"}, answers)

    def test_servers_see_only_the_snat_ip(self):
        self.lab.clear_access_logs()
        answers = [http_get(self.lab.client, URL6) for _ in range(10)]
        self.assertNotIn(None, answers)
        lines = self.lab.access_log("srv1") + self.lab.access_log("srv2")
        self.assertGreaterEqual(len(lines), 10, lines)
        sources = {line.split(" ", 1)[0] for line in lines}
        self.assertEqual(sources, {SNAT6}, f"sources seen by the servers: {lines}")

    def test_address_placement_and_router_neighbour(self):
        links = {l["ifname"]: l for l in ip_json(self.lab.se1, "addr", "show")}
        eth0 = [a["local"] for a in links["eth0"].get("addr_info", [])]
        self.assertIn(FLOATING6, eth0, "floating IP must be on se1's eth0 (its subnet)")
        self.assertIn(SE1_IP6, eth0, "floe must keep the host's own address")
        floe0 = {(a["local"], a["prefixlen"]) for a in links["floe0"].get("addr_info", [])}
        self.assertIn((VIP6, 128), floe0)
        self.assertIn((SNAT6, 128), floe0)
        self.assertIsNotNone(http_get(self.lab.client, URL6))
        self.assertEqual(router_mac(self.lab, FLOATING6), link_mac(self.lab.se1, "eth0"))
        routes = {(r.get("prefix"), r.get("next_hop"), r.get("state"))
                  for r in self.se.status().get("routes", [])}
        self.assertIn(("::/0", ROUTER_SE6, "INSTALLED"), routes)


class Ipv6UnsolicitedNaTest(Ipv6LabTestCase):
    """Taking the IPv6 floating IP announces it with an unsolicited Neighbor Advertisement
    (override flag set): a router's stale entry, as after a takeover from another SE, moves to
    se1's MAC without the router sending anything to it."""

    start_se = False

    def test_stale_router_entry_moves_to_se1_mac(self):
        stale_mac = "02:00:00:00:00:99"
        ns_exec(self.lab.router, "ip", "-6", "neigh", "replace", FLOATING6, "lladdr", stale_mac,
                "dev", "eth-se", "nud", "stale")
        self.assertEqual(router_mac(self.lab, FLOATING6), stale_mac, "precondition")
        # se1 knows the router for good, so it never sends it a Neighbor Solicitation (whose
        # source could be the floating IP and would update the entry too).
        ns_exec(self.lab.se1, "ip", "-6", "neigh", "replace", ROUTER_SE6, "lladdr",
                link_mac(self.lab.router, "eth-se"), "dev", "eth0", "nud", "permanent")
        se = FloeSe(self.lab, self.config)
        self.addCleanup(se.terminate_quietly)
        se.start()
        se1_mac = link_mac(self.lab.se1, "eth0")
        # No traffic goes to the floating IP here, and the router's own resolution of a stale
        # entry starts only after 5 s (delay_first_probe_time): only an announcement can change
        # the entry within the budget.
        moved = wait_until(lambda: router_mac(self.lab, FLOATING6) == se1_mac, ANNOUNCE_BUDGET,
                           0.1)
        self.assertTrue(moved, f"router still has {router_mac(self.lab, FLOATING6)} for "
                               f"{FLOATING6}, se1 is {se1_mac}\n{se.log()}")


class Ipv6AddressConflictTest(Ipv6LabTestCase):
    """An IPv6 address a neighbour already holds is found by the DAD probe (RFC 4862 §5.4) and
    not claimed: status says CONFLICT with the holder's MAC, the address stays off se1, and
    nothing is announced over the holder."""

    start_se = False

    def test_floating_ip_held_by_a_neighbour_is_conflict(self):
        se2 = self.lab.ns("se2")
        ns_exec(se2, "ip", "addr", "add", f"{FLOATING6}/64", "dev", "eth0", "nodad")
        holder = link_mac(se2, "eth0")
        se = FloeSe(self.lab, self.config)
        self.addCleanup(se.terminate_quietly)
        se.start()
        conflict = wait_until(lambda: (lambda a: a if a and a.get("state") == "CONFLICT"
                                       else None)(address_entry(se.status(), f"{FLOATING6}/128")),
                              5, 0.1)
        self.assertTrue(conflict, f"{se.status()}\n{se.log()}")
        self.assertIn(holder, conflict.get("reason", ""), conflict)
        eth0 = [a["local"] for link in ip_json(self.lab.se1, "addr", "show", "dev", "eth0")
                for a in link.get("addr_info", [])]
        self.assertNotIn(FLOATING6, eth0)
        # The router still reaches the holder: nothing was announced over it.
        ns_exec(self.lab.router, "ping", "-6", "-c1", "-W1", FLOATING6, check=False)
        self.assertEqual(router_mac(self.lab, FLOATING6), holder)
        # The log says so too.
        self.assertIn(FLOATING6, se.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
