"""BGP and BFD against FRR (issue 10): floe-se peers with FRR's bgpd/bfdd in the router
namespace of the BGP lab (bgp_lab.py: reference 2's addresses) and the router's own table
(`vtysh -c 'show ip bgp json'`) is what the tests check. Root; Debian's frr."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest

import lab
from bgp_lab import BgpLab, frr_config
from frr import Frr, require_frr
from lab import FloeSe, LabError, http_get, ns_exec, wait_until

VIP = "10.10.50.100"
VIP6 = "2001:db8:50::100"


def document(ses=("se1",), bfd=True, ibgp=True, local_as=1, remote_as=None, md5=None,
             vip6=False, bfd_profile=(50, 50, 3), peer_ip="10.10.40.3",
             profile_extra: dict | None = None) -> dict:
    vnics = {"se1": "12", "se2": "13"}
    v6 = ":" in peer_ip  # an IPv6 session: the SE's front-end address in the document is IPv6

    def front(se):
        return f"fd00:40::{vnics[se]}/64" if v6 else f"10.10.40.{vnics[se]}/24"

    peer = {"peer_ip": peer_ip, "subnet": "10.10.40.0/24" if ":" not in peer_ip else
            "fd00:40::/64", "bfd": bfd, "advertise_vip": True, "advertise_snat_ip": True}
    if remote_as is not None:
        peer["remote_as"] = remote_as
    if md5 is not None:
        peer["md5_secret"] = md5
    vips = [{"vip_id": "1", "ip_address": VIP}]
    if vip6:
        vips.append({"vip_id": "2", "ip_address": VIP6})
    return {
        "serviceenginegroup": [{"name": "Default-Group",
                                "ha_mode": "HA_MODE_LEGACY_ACTIVE_STANDBY",
                                "floating_intf_ip": ["fd00:40::11" if v6 else "10.10.40.11"],
                                "dp_hb_frequency": 100, "dp_hb_timeout_count": 3}],
        "serviceengine": [{"name": se, "se_group_ref": "Default-Group",
                           "data_vnics": [{"if_name": "eth0", "ip": front(se)},
                                          {"if_name": "eth1", "ip": f"10.10.10.{vnics[se]}/24"}]}
                          for se in ses],
        "vrfcontext": [{"name": "global",
                        "static_routes": [{"route_id": "1", "prefix": "::/0" if v6 else
                                           "0.0.0.0/0", "next_hop": "fd00:40::3" if v6 else
                                           "10.10.40.3"}],
                        "bgp_profile": {"local_as": local_as, "ibgp": ibgp, "peers": [peer],
                                        **(profile_extra or {})},
                        "bfd_profile": {"mintx": bfd_profile[0], "minrx": bfd_profile[1],
                                        "multi": bfd_profile[2]}}],
        "healthmonitor": [{"name": "lab-tcp", "type": "HEALTH_MONITOR_TCP", "send_interval": 2,
                           "receive_timeout": 1, "successful_checks": 1, "failed_checks": 1}],
        "pool": [{"name": "web", "lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN",
                  "default_server_port": 80, "health_monitor_refs": ["lab-tcp"],
                  "servers": [{"ip": "10.10.10.21", "port": 80},
                              {"ip": "10.10.10.22", "port": 80}]}],
        "virtualservice": [{"name": "vs1", "enabled": True, "vip": vips,
                            "services": [{"port": 80}], "pool_ref": "web",
                            "application_profile_ref": "System-L4-Application",
                            "se_group_ref": "Default-Group"}],
    }


def peer_status(se: FloeSe, peer: str = "10.10.40.3") -> dict:
    for p in se.status().get("bgp_peers", []):
        if p["peer_ip"] == peer:
            return p
    return {}


class BgpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        lab.require_environment()
        require_frr()

    def setUp(self):
        self.lab = BgpLab()
        self.lab.up()
        self.addCleanup(self.lab.down)
        self.router = None

    def start_router(self, neighbors, **kw) -> Frr:
        self.router = Frr(self.lab.ns("router"), self.lab.dir / "frr",
                          frr_config(neighbors, **kw))
        self.router.start()
        self.addCleanup(self.router.stop)
        return self.router

    def start_se(self, doc: dict, name: str = "se1", extra_args: tuple = ()) -> FloeSe:
        path = self.lab.write_config(doc, f"{name}.json")
        se = FloeSe(self.lab, path, name=name, extra_args=extra_args)
        se.start()
        self.addCleanup(se.terminate_quietly)
        return se

    def wait_route(self, prefix: str, next_hop: str | None, timeout: float = 20,
                   afi: str = "ip") -> bool:
        """Wait until the router's BGP table holds `prefix` via `next_hop` (None: absent)."""
        def check():
            routes = self.router.routes(afi)
            if next_hop is None:
                return prefix not in routes
            return next_hop in routes.get(prefix, [])
        return bool(wait_until(check, timeout, 0.1))

    # -- the reference transcript's peering ---------------------------------------------------
    def test_ibgp_with_bfd_advertises_the_vip_via_the_se(self):
        r = self.start_router([{"ip": "10.10.40.12", "bfd": True}])
        se = self.start_se(document(profile_extra={"local_preference": 150}))
        self.assertTrue(wait_until(lambda: peer_status(se).get("state") == "Established", 30),
                        f"{peer_status(se)}\n{r.vtysh('show ip bgp summary')}")
        self.assertEqual(r.neighbor_state("10.10.40.12"), "Established")
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12"),
                        r.vtysh("show ip bgp"))
        path = r.json(f"show ip bgp {VIP}/32 json")["paths"][0]
        self.assertEqual(path.get("locPrf"), 150, path)  # bgp_profile local_preference
        # BFD Up on both ends, with the profile's 50 ms.
        self.assertTrue(wait_until(lambda: (peer_status(se).get("bfd") or {}).get("state")
                                   == "Up", 10), peer_status(se))
        self.assertTrue(wait_until(
            lambda: (peer_status(se)["bfd"]["tx_interval_ms"] == 50.0), 5), peer_status(se))
        peers = r.json("show bfd peers json")
        self.assertTrue(any(p.get("peer") == "10.10.40.12" and p.get("status") == "up"
                            for p in peers), peers)
        # Traffic: client -> router (learned route) -> se1 -> servers.
        self.assertTrue(wait_until(lambda: http_get(self.lab.ns("client"), f"http://{VIP}/")
                                   in ("srv1", "srv2"), 15))
        st = peer_status(se)
        self.assertEqual(st["routes_advertised"], 1, st)
        self.assertEqual(st["type"], "iBGP")
        self.assertGreaterEqual(st["messages_out"], 3)  # OPEN, KEEPALIVE, UPDATE
        self.assertGreaterEqual(st["messages_in"], 2)   # OPEN, KEEPALIVE
        self.assertEqual(st["hold_time"], 9)  # FRR's 9 s is below floe's 180
        # Clean shutdown: Cease, and the route is gone from the router at once.
        se.stop()
        self.assertTrue(self.wait_route(f"{VIP}/32", None, 5), r.vtysh("show ip bgp"))
        n = r.json("show ip bgp neighbors 10.10.40.12 json")["10.10.40.12"]
        # The Cease (RFC 4486 Administrative Shutdown) arrived; FRR may log the BFD AdminDown
        # that follows it as the reason.
        self.assertGreaterEqual(n["messageStats"]["notificationsRecv"], 1, n)

    def test_backend_network_with_advertise_backend_networks(self):
        r = self.start_router([{"ip": "10.10.40.12", "bfd": True}])
        doc = document()
        doc["serviceenginegroup"][0]["enable_routing"] = True
        doc["serviceenginegroup"][0]["advertise_backend_networks"] = True
        se = self.start_se(doc)
        self.assertTrue(self.wait_route("10.10.10.0/24", "10.10.40.12", 30),
                        f"{peer_status(se)}\n{r.vtysh('show ip bgp')}")
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 5), r.vtysh("show ip bgp"))
        # The peer's own subnet is not advertised back to it.
        self.assertNotIn("10.10.40.0/24", r.routes())
        self.assertEqual(sorted(peer_status(se)["advertised"]), ["10.10.10.0/24", f"{VIP}/32"])

    # -- withdrawal -----------------------------------------------------------------------------
    def test_disabled_vs_or_no_server_up_withdraws_the_vip(self):
        r = self.start_router([{"ip": "10.10.40.12", "bfd": True}])
        doc = document()
        se = self.start_se(doc)
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 30), r.vtysh("show ip bgp"))
        # Every server down: the virtual service is DOWN, its VIP withdrawn.
        self.lab.server_stop("srv1")
        self.lab.server_stop("srv2")
        self.assertTrue(self.wait_route(f"{VIP}/32", None, 20),
                        f"{r.vtysh('show ip bgp')}\n{se.status().get('virtualservices')}")
        self.assertEqual(peer_status(se)["state"], "Established")  # only the route went
        self.lab.server_start("srv1")
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 20), r.vtysh("show ip bgp"))
        # The virtual service disabled (a reload): withdrawn; enabled again: back.
        off = copy.deepcopy(doc)
        off["virtualservice"][0]["enabled"] = False
        self.lab.write_config(off, "se1.json")
        se.reload()
        self.assertTrue(self.wait_route(f"{VIP}/32", None, 20), r.vtysh("show ip bgp"))
        self.lab.write_config(doc, "se1.json")
        se.reload()
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 20), r.vtysh("show ip bgp"))

    # -- failover -------------------------------------------------------------------------------
    def test_sigkill_of_the_active_se_drops_its_routes_fast(self):
        self.failover_after_sigkill(standby_advertises=False)

    def test_sigkill_with_standby_pre_advertising(self):
        self.failover_after_sigkill(standby_advertises=True)

    def failover_after_sigkill(self, standby_advertises: bool):
        r = self.start_router([{"ip": "10.10.40.12", "bfd": True},
                               {"ip": "10.10.40.13", "bfd": True}])
        doc = document(ses=("se1", "se2"))
        extra = ("--bgp-standby-advertise",) if standby_advertises else ()
        se1 = self.start_se(doc, "se1", extra)
        self.assertTrue(wait_until(lambda: se1.status().get("ha_state") == "ACTIVE", 15))
        se2 = self.start_se(doc, "se2", extra)
        self.assertTrue(wait_until(lambda: se2.status().get("ha_state") == "STANDBY", 15))
        for se in (se1, se2):
            self.assertTrue(wait_until(lambda: (peer_status(se).get("bfd") or {})
                                       .get("tx_interval_ms") == 50.0, 20), peer_status(se))
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 20), r.vtysh("show ip bgp"))
        self.assertEqual(peer_status(se2)["state"], "Established")
        paths = r.json(f"show ip bgp {VIP}/32 json")["paths"]
        best = [p for p in paths if p.get("bestpath", {}).get("overall")]
        self.assertEqual(best[0]["nexthops"][0]["ip"], "10.10.40.12", paths)
        if standby_advertises:
            # The standby's path is there too, with half the LOCAL_PREF.
            self.assertTrue(wait_until(lambda: len(r.json(f"show ip bgp {VIP}/32 json")
                                                   ["paths"]) == 2, 10), paths)
            paths = r.json(f"show ip bgp {VIP}/32 json")["paths"]
            prefs = sorted((p["nexthops"][0]["ip"], p.get("locPrf")) for p in paths)
            self.assertEqual(prefs, [("10.10.40.12", 100), ("10.10.40.13", 50)], paths)
            self.assertEqual(peer_status(se2)["routes_advertised"], 1)
        else:
            self.assertEqual(r.routes().get(f"{VIP}/32"), ["10.10.40.12"])  # standby: nothing
            self.assertEqual(peer_status(se2)["routes_advertised"], 0)
        # SIGKILL: the router's kernel table (zebra) must lose the route via se1 in < 200 ms.
        router = self.lab.ns("router")

        def via_se1() -> bool:
            out = ns_exec(router, "ip", "route", "show", f"{VIP}/32").stdout
            return "10.10.40.12" in out

        self.assertTrue(via_se1())
        # The client's view: a new connection every 10 ms through the router for 4 s.
        probe = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.ns("client"), "python3",
             str(lab.SOURCE_DIR / "lab" / "probe.py"), VIP, "--seconds", "4"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: probe.poll() is None and probe.kill())
        time.sleep(1)
        t0 = time.monotonic()
        se1.kill()
        while via_se1() and time.monotonic() - t0 < 5:
            pass
        gone_ms = (time.monotonic() - t0) * 1000
        mode = "standby pre-advertising" if standby_advertises else "standby silent"
        print(f"\n[measure] {mode}: route via the killed active SE gone from the router after "
              f"{gone_ms:.0f} ms", flush=True)
        self.assertLess(gone_ms, 200, r.vtysh("show ip bgp"))
        # The standby takes over and advertises; traffic flows through it.
        self.assertTrue(wait_until(lambda: se2.status().get("ha_state") == "ACTIVE", 10))
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.13", 10), r.vtysh("show ip bgp"))
        t1 = time.monotonic()
        print(f"[measure] {mode}: VIP route via the new active SE seen {1000 * (t1 - t0):.0f} ms "
              f"after the kill", flush=True)
        out, _ = probe.communicate(timeout=15)
        outage = float(out.strip().splitlines()[-1].split()[0].split("=")[1])
        print(f"[measure] {mode}: client-side outage (new connection every 10 ms): "
              f"{outage * 1000:.0f} ms", flush=True)
        self.assertLess(outage, 2.0, out)
        self.assertTrue(wait_until(lambda: http_get(self.lab.ns("client"), f"http://{VIP}/")
                                   in ("srv1", "srv2"), 15))
        if standby_advertises:
            path = r.json(f"show ip bgp {VIP}/32 json")["paths"][0]
            self.assertTrue(wait_until(lambda: r.json(f"show ip bgp {VIP}/32 json")["paths"][0]
                                       .get("locPrf") == 100, 5), path)  # active: full pref

    # -- eBGP, 4-octet AS ----------------------------------------------------------------------
    def test_ebgp_with_a_four_octet_as(self):
        r = self.start_router([{"ip": "10.10.40.12", "remote_as": 4200000002, "bfd": True}],
                              local_as=4200000001)
        se = self.start_se(document(ibgp=False, local_as=4200000002, remote_as=4200000001,
                                    profile_extra={"num_as_path_prepend": 2,
                                                   "community": ["65000:100", "no-export"]}))
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 30),
                        f"{peer_status(se)}\n{r.vtysh('show ip bgp summary')}")
        st = peer_status(se)
        self.assertEqual(st["type"], "eBGP")
        self.assertTrue(st["four_octet_as"])
        path = r.json(f"show ip bgp {VIP}/32 json")["paths"][0]
        # num_as_path_prepend 2: the local AS three times.
        self.assertEqual(path["aspath"]["string"], "4200000002 4200000002 4200000002", path)
        # bgp_profile community: both RFC 1997 communities reach the router as written.
        self.assertEqual(path.get("community", {}).get("string"), "65000:100 no-export", path)

    # -- TCP MD5 ----------------------------------------------------------------------------------
    def test_md5_matching_establishes(self):
        r = self.start_router([{"ip": "10.10.40.12", "password": "floe-lab-secret"}])
        se = self.start_se(document(bfd=False, md5="floe-lab-secret"))
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 30),
                        f"{peer_status(se)}\n{r.vtysh('show ip bgp summary')}")
        self.assertTrue(peer_status(se)["md5"])

    def test_md5_mismatch_never_establishes_and_status_says_why(self):
        r = self.start_router([{"ip": "10.10.40.12", "password": "floe-lab-secret"}])
        se = self.start_se(document(bfd=False, md5="another-secret"))
        why = wait_until(lambda: "TCP MD5" in peer_status(se).get("last_error", "")
                         and peer_status(se)["last_error"], 20)
        self.assertTrue(why, peer_status(se))
        print(f"\n[status] last_error: {why}", flush=True)
        self.assertIn("md5_secret differs", why)
        time.sleep(3)  # several connection attempts each way
        self.assertNotEqual(peer_status(se)["state"], "Established")
        self.assertNotEqual(r.neighbor_state("10.10.40.12"), "Established")
        self.assertNotIn(f"{VIP}/32", r.routes())

    # -- IPv6 over MP-BGP -------------------------------------------------------------------------
    def test_ipv6_vip_over_mp_bgp(self):
        r = self.start_router([{"ip": "fd00:40::12", "bfd": True}])
        se = self.start_se(document(vip6=True, peer_ip="fd00:40::3"))
        self.assertTrue(wait_until(
            lambda: peer_status(se, "fd00:40::3").get("state") == "Established", 30),
            f"{peer_status(se, 'fd00:40::3')}\n{r.vtysh('show bgp summary')}")
        self.assertTrue(self.wait_route(f"{VIP6}/128", "fd00:40::12", 20, afi="ipv6"),
                        r.vtysh("show bgp ipv6 unicast"))
        self.assertTrue(wait_until(
            lambda: http_get(self.lab.ns("client"), f"http://[{VIP6}]/") in ("srv1", "srv2"),
            15))

    # -- BFD alone detects a hung SE ----------------------------------------------------------
    def test_frozen_active_is_detected_by_bfd(self):
        """SIGSTOP keeps the SE's TCP connections open: only BFD (50 ms x 3) can tell the router
        that it is gone."""
        r = self.start_router([{"ip": "10.10.40.12", "bfd": True},
                               {"ip": "10.10.40.13", "bfd": True}])
        doc = document(ses=("se1", "se2"))
        se1 = self.start_se(doc, "se1")
        self.assertTrue(wait_until(lambda: se1.status().get("ha_state") == "ACTIVE", 15))
        se2 = self.start_se(doc, "se2")
        self.assertTrue(wait_until(lambda: se2.status().get("ha_state") == "STANDBY", 15))
        self.assertTrue(wait_until(lambda: (peer_status(se1).get("bfd") or {})
                                   .get("tx_interval_ms") == 50.0, 20), peer_status(se1))
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.12", 20), r.vtysh("show ip bgp"))
        router = self.lab.ns("router")

        def via_se1() -> bool:
            return "10.10.40.12" in ns_exec(router, "ip", "route", "show", f"{VIP}/32").stdout

        self.addCleanup(lambda: se1.alive() and se1.proc.send_signal(signal.SIGKILL))
        t0 = time.monotonic()
        se1.signal(signal.SIGSTOP)
        while via_se1() and time.monotonic() - t0 < 5:
            pass
        gone_ms = (time.monotonic() - t0) * 1000
        print(f"\n[measure] route via the frozen active SE gone after {gone_ms:.0f} ms "
              f"(BFD detection time 150 ms)", flush=True)
        self.assertLess(gone_ms, 300, r.vtysh("show bfd peers"))
        n = r.json("show ip bgp neighbors 10.10.40.12 json")["10.10.40.12"]
        # FRR's bgpd took the session down for BFD and said so: Cease/BFD Down (RFC 9384).
        self.assertEqual(n.get("lastNotificationReason"), "Cease/BFD Down", n)
        self.assertTrue(self.wait_route(f"{VIP}/32", "10.10.40.13", 10), r.vtysh("show ip bgp"))
        self.assertTrue(wait_until(lambda: http_get(self.lab.ns("client"), f"http://{VIP}/")
                                   in ("srv1", "srv2"), 15))
        se1.proc.send_signal(signal.SIGKILL)
        se1.wait(10)

    # -- RFC 7606 ---------------------------------------------------------------------------------
    def test_malformed_update_gets_rfc7606_treatment(self):
        peer = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.ns("router"), "python3",
             str(lab.HERE / "bgp_peer.py"), "10.10.40.3", "1", "10.10.40.3"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        def stop_peer():
            if peer.poll() is None:
                peer.kill()
            peer.wait(5)
            peer.stdin.close()
            peer.stdout.close()

        self.addCleanup(stop_peer)
        self.assertEqual(json.loads(peer.stdout.readline())["event"], "listening")
        se = self.start_se(document(bfd=False))
        self.assertEqual(json.loads(peer.stdout.readline())["event"], "established")
        self.assertTrue(wait_until(lambda: peer_status(se).get("state") == "Established", 10))
        peer.stdin.write("send-7606\n")
        peer.stdin.flush()
        self.assertEqual(json.loads(peer.stdout.readline())["event"], "sent-7606")
        # Treat-as-withdraw: 10.99.0.0/16 is not taken; the valid 10.98.0.0/16 is; the session
        # stays up.
        self.assertTrue(wait_until(lambda: peer_status(se).get("received") == ["10.98.0.0/16"],
                                   10), peer_status(se))
        st = peer_status(se)
        self.assertEqual(st["state"], "Established")
        self.assertEqual(st["rfc7606"][0]["action"], "treat-as-withdraw", st)
        self.assertEqual(st["rfc7606"][0]["attribute_type"], 1, st)  # ORIGIN
        # An UPDATE whose Withdrawn Routes Length overruns it: NOTIFICATION UPDATE Message
        # Error / Malformed Attribute List (RFC 4271 §6.3, RFC 7606 §4), session reset.
        peer.stdin.write("send-reset\n")
        peer.stdin.flush()
        event = json.loads(peer.stdout.readline())
        self.assertEqual(event, {"event": "notification", "code": 3, "subcode": 1})
        self.assertTrue(wait_until(lambda: peer_status(se).get("state") != "Established", 5))
        self.assertTrue(se.alive())
        self.assertIn("UPDATE Message Error", peer_status(se)["last_error"])

    # -- scale ----------------------------------------------------------------------------------
    def test_thousand_vips_reach_the_router_within_a_second(self):
        r = self.start_router([{"ip": "10.10.40.12"}])
        doc = document(bfd=False)
        doc["virtualservice"][0]["vip"] = [
            {"vip_id": str(i + 1), "ip_address": f"10.11.{i // 250}.{i % 250 + 1}"}
            for i in range(1000)]
        se = self.start_se(doc)

        def received() -> int:
            n = r.json("show ip bgp neighbors 10.10.40.12 json").get("10.10.40.12", {})
            return n.get("addressFamilyInfo", {}).get("ipv4Unicast", {}).get(
                "acceptedPrefixCounter", 0)

        self.assertTrue(wait_until(lambda: peer_status(se).get("state") == "Established", 30))
        self.assertTrue(wait_until(lambda: received() == 1000, 30),
                        f"{received()} routes; {peer_status(se)['routes_advertised']} advertised")
        # One UPDATE carries up to about 800 /32s (4,096 octets).
        st = peer_status(se)
        self.assertEqual(st["routes_advertised"], 1000, st)
        self.assertLessEqual(st["updates_out"], 3, st)
        # Withdraw them all (the virtual service disabled) and advertise them again, each timed
        # from the SIGHUP to the router's table (this includes floe-se re-reading the document
        # and the agent removing or adding 1,000 addresses).
        off = copy.deepcopy(doc)
        off["virtualservice"][0]["enabled"] = False
        self.lab.write_config(off, "se1.json")
        t0 = time.monotonic()
        se.reload()
        self.assertTrue(wait_until(lambda: received() == 0, 10, 0.02))
        withdraw_ms = (time.monotonic() - t0) * 1000
        self.lab.write_config(doc, "se1.json")
        t0 = time.monotonic()
        se.reload()
        self.assertTrue(wait_until(lambda: received() == 1000, 10, 0.02))
        advertise_ms = (time.monotonic() - t0) * 1000
        print(f"\n[measure] 1,000 VIPs: SIGHUP to all withdrawn in FRR {withdraw_ms:.0f} ms, "
              f"SIGHUP to all advertised in FRR {advertise_ms:.0f} ms", flush=True)
        self.assertLess(advertise_ms, 1000)


if __name__ == "__main__":
    unittest.main()
