"""End-to-end: IP routing through the active SE (issue 9, reference default-gateway-ip-routing.md)
in the two-armed lab (lab/two-armed.sh): the router reaches 10.10.10.0/24 via the front-end
floating IP 10.10.40.11, the servers' default gateway is the back-end floating IP 10.10.10.11.

Needs root and FLOE_SE, like one_armed_test.py.
"""

from __future__ import annotations

import re
import subprocess
import time
import unittest

from lab import (SOURCE_DIR, FloeSe, LabError, TwoArmedLab, diff_state, find_named,
                 floe_se_binary, ip_json, link_mac, load_two_armed_config, net_state, ns_exec,
                 require_environment, run, run_floe_se_once, wait_until)

SRV1, SRV2 = "10.10.10.21", "10.10.10.22"
CLIENT, FE_HOST = "198.51.100.10", "10.10.40.50"
VIP = "10.10.40.100"
BACKEND_FLOATING, FRONTEND_FLOATING = "10.10.10.11", "10.10.40.11"
SNAT_VIP, SNAT_IP = "10.10.40.101", "10.10.10.200"
PROBE = SOURCE_DIR / "lab" / "probe.py"


def setUpModule():
    require_environment()


def forwarding_flags(ns: str) -> dict[str, str]:
    """Every IPv4 forwarding sysctl of the namespace: ip_forward and conf/*/forwarding."""
    cp = ns_exec(ns, "sh", "-c", "grep -H . /proc/sys/net/ipv4/ip_forward "
                 "/proc/sys/net/ipv4/conf/*/forwarding")
    flags = {}
    for line in cp.stdout.splitlines():
        path, _, value = line.partition(":")
        flags[path.removeprefix("/proc/sys/")] = value
    return flags


def pair_config(enable_routing: bool = True) -> dict:
    doc = load_two_armed_config()
    group = doc["serviceenginegroup"][0]
    group["enable_routing"] = enable_routing
    group["dp_hb_frequency"] = 100
    group["dp_hb_timeout_count"] = 5
    group["ha_heartbeat_secret"] = "lab-secret"
    return doc


def single_config(enable_routing: bool = True) -> dict:
    doc = pair_config(enable_routing)
    doc["serviceengine"] = [e for e in doc["serviceengine"] if e["name"] == "se1"]
    return doc


def preserve_config(pair: bool = False) -> dict:
    """vs1 (VIP 10.10.40.100) preserves the client IP; vs-snat (VIP 10.10.40.101) uses the SNAT
    IP 10.10.10.200 on the back-end network."""
    doc = pair_config() if pair else single_config()
    doc["applicationprofile"] = [{"name": "l4-keep-ip", "type": "APPLICATION_PROFILE_TYPE_L4",
                                  "preserve_client_ip": True}]
    vs1 = doc["virtualservice"][0]
    vs1["application_profile_ref"] = "l4-keep-ip"
    snat = dict(vs1, name="vs-snat", vip=[{"vip_id": "1", "ip_address": SNAT_VIP}],
                snat_ip=[SNAT_IP], application_profile_ref="System-L4-Application")
    doc["virtualservice"].append(snat)
    return doc


def nft_tables(ns: str) -> str:
    return ns_exec(ns, "nft", "list", "tables").stdout


def ha_state(se: FloeSe) -> str | None:
    try:
        return se.status().get("ha_state")
    except LabError:
        return None


def reaches(ns: str, url: str) -> str | None:
    cp = ns_exec(ns, "curl", "-s", "-f", "--max-time", "1", url, check=False, timeout=6)
    return cp.stdout.strip() if cp.returncode == 0 else None


def pings(ns: str, target: str, source: str | None = None) -> bool:
    cmd = ["ping", "-c", "1", "-W", "1", target]
    if source:
        cmd[1:1] = ["-I", source]
    return ns_exec(ns, *cmd, check=False, timeout=5).returncode == 0


class Probe:
    """lab/probe.py in the client namespace, in the background."""

    def __init__(self, lab: TwoArmedLab, host: str, seconds: float):
        self.seconds = seconds
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", lab.client, "python3", str(PROBE), host, "--seconds",
             str(seconds), "--interval-ms", "10"], stdout=subprocess.PIPE, text=True)

    def outage(self) -> float:
        out, _ = self.proc.communicate(timeout=self.seconds + 30)
        m = re.search(r"longest_outage_s=([0-9.]+) served=(\d+)", out)
        if not m:
            raise LabError(f"probe printed no result: {out!r}")
        return float(m.group(1))


class RoutingLabTest(unittest.TestCase):
    def setUp(self):
        self.lab = TwoArmedLab()
        self.addCleanup(self.lab.down)
        self.lab.up()
        self.before = {h: forwarding_flags(self.lab.ns(h)) for h in ("se1", "se2")}
        self.state_before = {h: net_state(self.lab.ns(h)) for h in ("se1", "se2")}

    def start(self, doc: dict, *names: str, file: str = "floe.json") -> list[FloeSe]:
        config = self.lab.write_config(doc, file)
        ses = []
        for name in names:
            se = FloeSe(self.lab, config, name=name)
            self.addCleanup(se.terminate_quietly)
            se.start()
            ses.append(se)
        return ses

    def assertRestored(self, host: str, msg: str = ""):
        ns = self.lab.ns(host)
        self.assertEqual(forwarding_flags(ns), self.before[host], msg)
        self.assertEqual(diff_state(self.state_before[host], net_state(ns)), [], msg)
        self.assertFalse((self.lab.dir / "run" / f"{host}.forwarding").exists(), msg)


class RoutingPairTest(RoutingLabTest):
    """Two SEs with enable_routing: se1 active routes, se2 standby does not."""

    def setUp(self):
        super().setUp()
        self.se1, self.se2 = self.start(pair_config(), "se1", "se2")
        ok = wait_until(lambda: ha_state(self.se1) == "ACTIVE" and ha_state(self.se2) == "STANDBY",
                        8, 0.1)
        self.assertTrue(ok, f"se1 {ha_state(self.se1)}, se2 {ha_state(self.se2)}")
        self.assertTrue(wait_until(lambda: reaches(self.lab.client, f"http://{SRV1}/"), 10, 0.2),
                        f"the client never reached {SRV1} through the SE\n{self.se1.log()}")

    def test_active_forwards_on_its_data_interfaces_only(self):
        flags = forwarding_flags(self.lab.se1)
        self.assertEqual(flags["net/ipv4/conf/eth0/forwarding"], "1")
        self.assertEqual(flags["net/ipv4/conf/eth1/forwarding"], "1")
        self.assertEqual(flags["net/ipv4/ip_forward"], self.before["se1"]["net/ipv4/ip_forward"])
        self.assertEqual(flags["net/ipv4/conf/lo/forwarding"], "0")
        self.assertEqual(self.se1.status()["forwarding"]["enabled_by_floe"], ["eth0", "eth1"])
        # The standby holds no floating IP and forwards nowhere.
        self.assertEqual(forwarding_flags(self.lab.se2), self.before["se2"])
        self.assertEqual(self.se2.status()["forwarding"]["enabled_by_floe"], [])

    def test_router_reaches_the_backend_through_the_floating_ip(self):
        self.assertEqual(reaches(self.lab.client, f"http://{SRV1}/"), "srv1")
        self.assertEqual(reaches(self.lab.client, f"http://{SRV2}/"), "srv2")
        # The nginx log shows the client itself: routed, not proxied.
        self.assertTrue(any(line.startswith(CLIENT + " ") for line in self.lab.access_log("srv1")),
                        self.lab.access_log("srv1"))

    def test_servers_reach_the_client_and_the_front_end_host(self):
        # Server-initiated: srv1's echo requests leave by its default gateway, the SE, and the
        # replies come back the same way.
        self.assertTrue(pings(self.lab.srv1, CLIENT))
        self.assertTrue(pings(self.lab.srv2, FE_HOST))
        self.assertTrue(pings(self.lab.srv1, "10.10.40.3"))

    def test_front_end_host_reaches_a_server_by_its_address(self):
        ns_exec(self.lab.fe, "ip", "route", "add", "10.10.10.0/24", "via", FRONTEND_FLOATING)
        self.assertEqual(reaches(self.lab.fe, f"http://{SRV2}/"), "srv2")
        self.assertTrue(any(line.startswith(FE_HOST + " ") for line in self.lab.access_log("srv2")))

    def test_standby_does_not_forward(self):
        # The front-end host sends to srv2 by se2's own address: the standby drops it.
        ns_exec(self.lab.fe, "ip", "route", "add", f"{SRV2}/32", "via", "10.10.40.13")
        self.assertIsNone(reaches(self.lab.fe, f"http://{SRV2}/"))
        self.assertFalse(pings(self.lab.fe, SRV2))
        # The same path through the active SE's own address works.
        ns_exec(self.lab.fe, "ip", "route", "replace", f"{SRV2}/32", "via", "10.10.40.12")
        self.assertEqual(reaches(self.lab.fe, f"http://{SRV2}/"), "srv2")

    def failover(self, what: str, fail) -> None:
        routed = Probe(self.lab, SRV1, 6.0)
        vip = Probe(self.lab, VIP, 6.0)
        time.sleep(1.5)
        fail()
        routed_outage, vip_outage = routed.outage(), vip.outage()
        print(f"  {what}: longest outage routed {routed_outage:.3f} s, VIP {vip_outage:.3f} s")
        self.assertEqual(ha_state(self.se2), "ACTIVE", self.se2.log())
        self.assertEqual(self.se2.status()["forwarding"]["enabled_by_floe"], ["eth0", "eth1"])
        self.assertLess(routed_outage, 3.0)
        self.assertLess(vip_outage, 3.0)
        # The servers' gateway answers again, without any change on the servers: gratuitous
        # ARP on both networks moved the router's and srv1's entries (srv1 used its gateway
        # for the routed probe before the failover) to se2.
        for ns, ip, dev in ((self.lab.srv1, BACKEND_FLOATING, "eth1"),
                            (self.lab.router, FRONTEND_FLOATING, "eth0")):
            neigh = ip_json(ns, "neigh", "show", ip)
            self.assertEqual([n.get("lladdr") for n in neigh], [link_mac(self.lab.se2, dev)],
                             f"{ns}: {neigh}")
        self.assertTrue(pings(self.lab.srv1, CLIENT))
        self.assertEqual(reaches(self.lab.client, f"http://{SRV2}/"), "srv2")

    def test_failover_after_sigkill_keeps_routing(self):
        self.failover("SIGKILL of the active", self.se1.kill)
        # The killed SE left its forwarding flags on; its restart puts them back (it comes
        # back as the standby) and the host is as before.
        self.assertEqual(forwarding_flags(self.lab.se1)["net/ipv4/conf/eth1/forwarding"], "1")
        self.se1.start()
        self.assertTrue(wait_until(lambda: ha_state(self.se1) == "STANDBY", 8, 0.1))
        self.assertEqual(forwarding_flags(self.lab.se1), self.before["se1"], self.se1.log())
        self.assertIn("(restored)", self.se1.log_text())

    def test_failover_on_link_down_keeps_routing(self):
        self.failover("se1 back-end link down",
                      lambda: ns_exec(self.lab.se1, "ip", "link", "set", "eth1", "down"))
        self.assertTrue(wait_until(lambda: ha_state(self.se1) == "STANDBY", 5, 0.1))
        self.assertEqual(forwarding_flags(self.lab.se1), self.before["se1"])

    def test_failover_on_clean_stop_keeps_routing(self):
        self.failover("SIGTERM of the active", lambda: self.assertEqual(self.se1.stop(), 0))
        self.assertRestored("se1")

    def test_switchover_keeps_routing(self):
        def switchover():
            cp = run([self.se1.binary, "switchover", "--name", "se1", "--run-dir",
                      self.se1.run_dir], timeout=10, check=False)
            self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.failover("switchover", switchover)
        self.assertTrue(wait_until(lambda: ha_state(self.se1) == "STANDBY", 5, 0.1))
        self.assertEqual(forwarding_flags(self.lab.se1), self.before["se1"])

    def test_sigterm_restores_everything(self):
        self.assertEqual(self.se2.stop(), 0)
        self.assertEqual(self.se1.stop(), 0)
        self.assertRestored("se1")
        self.assertRestored("se2")


class RoutingOffTest(RoutingLabTest):
    def test_group_without_enable_routing_does_not_forward(self):
        (se1,) = self.start(single_config(enable_routing=False), "se1")
        self.assertTrue(wait_until(lambda: pings(self.lab.router, FRONTEND_FLOATING), 8, 0.2))
        self.assertIsNone(reaches(self.lab.client, f"http://{SRV1}/"))
        self.assertFalse(pings(self.lab.srv1, CLIENT))
        self.assertEqual(forwarding_flags(self.lab.se1), self.before["se1"])
        self.assertEqual(se1.status()["forwarding"],
                         {"enable_routing": False, "enabled_by_floe": []})
        # A reload with enable_routing on starts forwarding; one with it off stops again.
        self.lab.write_config(single_config(enable_routing=True))
        se1.reload()
        self.assertTrue(wait_until(lambda: reaches(self.lab.client, f"http://{SRV1}/"), 8, 0.2))
        self.lab.write_config(single_config(enable_routing=False))
        se1.reload()
        self.assertTrue(wait_until(lambda: forwarding_flags(self.lab.se1) == self.before["se1"],
                                   8, 0.2))
        self.assertIsNone(reaches(self.lab.client, f"http://{SRV1}/"))


class RestoreTest(RoutingLabTest):
    """The host's forwarding flags are exactly as before after every kind of exit, and a flag
    that was on before floe started stays on."""

    def setUp(self):
        super().setUp()
        # Already on before floe: floe must never turn it off.
        ns_exec(self.lab.se1, "sysctl", "-qw", "net.ipv4.conf.eth0.forwarding=1")
        self.before["se1"] = forwarding_flags(self.lab.se1)

    def test_sigterm(self):
        (se1,) = self.start(single_config(), "se1")
        self.assertEqual(forwarding_flags(self.lab.se1)["net/ipv4/conf/eth1/forwarding"], "1")
        self.assertEqual(se1.status()["forwarding"]["enabled_by_floe"], ["eth1"])
        self.assertEqual(se1.stop(), 0)
        self.assertRestored("se1")

    def test_sigkill_then_restart(self):
        (se1,) = self.start(single_config(), "se1")
        se1.kill()
        self.assertTrue((self.lab.dir / "run" / "se1.forwarding").exists())
        self.assertEqual(forwarding_flags(self.lab.se1)["net/ipv4/conf/eth1/forwarding"], "1")
        # The next start, here of a group without routing, puts the killed run's flags back.
        (se1,) = self.start(single_config(enable_routing=False), "se1", file="off.json")
        self.assertEqual(forwarding_flags(self.lab.se1), self.before["se1"], se1.log())
        self.assertIn("net/ipv4/conf/eth1/forwarding 1 -> 0 (restored)", se1.log_text())
        self.assertEqual(se1.stop(), 0)
        self.assertRestored("se1")

    def test_failed_starts_touch_nothing(self):
        (se1,) = self.start(single_config(), "se1")
        running = forwarding_flags(self.lab.se1)
        # An invalid document: refused before anything is touched.
        bad = single_config()
        bad["serviceenginegroup"][0]["distribute_load_active_standby"] = True
        cp = run_floe_se_once(self.lab, self.lab.write_config(bad, "bad.json"))
        self.assertEqual(cp.returncode, 2, cp.stderr)
        self.assertIn("enable_routing", cp.stderr)
        # A second floe-se in the same namespace: refused after validation, before any change.
        other = single_config()
        other["serviceengine"][0]["name"] = "se1b"
        cp = run(["ip", "netns", "exec", self.lab.se1, floe_se_binary(), "--name", "se1b",
                  "--config", self.lab.write_config(other, "other.json"), "--run-dir",
                  self.lab.dir / "run"], timeout=15, check=False)
        self.assertEqual(cp.returncode, 1, cp.stderr)
        self.assertIn("another floe-se already runs in this network namespace", cp.stderr)
        self.assertEqual(forwarding_flags(self.lab.se1), running)
        self.assertEqual(se1.stop(), 0)
        self.assertRestored("se1")

    def test_corrupt_state_file_refuses_to_start_and_keeps_it(self):
        state = self.lab.dir / "run" / "se1.forwarding"
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text("not json\n")
        cp = run_floe_se_once(self.lab, self.lab.write_config(single_config()))
        self.assertEqual(cp.returncode, 1, cp.stderr)
        self.assertIn(f"{state}: not a floe forwarding state file", cp.stderr)
        self.assertEqual(state.read_text(), "not json\n")
        self.assertEqual(forwarding_flags(self.lab.se1), self.before["se1"])
        state.unlink()


class PreserveClientIpTest(RoutingLabTest):
    """preserve_client_ip: the servers see the client's address; replies routed back to the SE
    reach the proxy; a virtual service with SNAT still shows the SNAT IP."""

    def served_from(self, srv: str) -> list[str]:
        return [line.split()[0] for line in self.lab.access_log(srv)]

    def test_http_virtual_service_preserves_the_client_address(self):
        """The HTTP proxy (not the L4 path) opens its server connections from the client's
        address too; X-Forwarded-For carries it as well."""
        doc = preserve_config()
        doc["applicationprofile"].append(
            {"name": "http-keep-ip", "type": "APPLICATION_PROFILE_TYPE_HTTP",
             "preserve_client_ip": True,
             "http_profile": {"connection_multiplexing_enabled": False}})
        doc["virtualservice"][0]["application_profile_ref"] = "http-keep-ip"
        (se1,) = self.start(doc, "se1")
        self.assertTrue(wait_until(lambda: se1.status()["preserve_client_ip"]
                                   ["return_path_installed"], 5, 0.1), se1.log())
        self.assertTrue(wait_until(lambda: reaches(self.lab.client, f"http://{VIP}/"), 10, 0.2),
                        se1.log())
        self.lab.clear_access_logs()
        got = [reaches(self.lab.client, f"http://{VIP}/") for _ in range(4)]
        self.assertEqual(sorted(got), ["srv1", "srv1", "srv2", "srv2"])
        lines = self.lab.access_log("srv1") + self.lab.access_log("srv2")
        self.assertEqual([line.split()[0] for line in lines], [CLIENT] * 4, lines)
        self.assertTrue(all(f'"{CLIENT}"' in line for line in lines), lines)  # X-Forwarded-For
        vs = find_named(se1.status()["virtualservices"], "vs1")
        self.assertIn("http", vs, "vs1 must run the HTTP proxy")
        self.assertGreaterEqual(vs["http"]["requests"], 5, vs)
        self.assertEqual(se1.stop(), 0)
        self.assertRestored("se1")

    def test_servers_log_the_client_address_with_preserve_and_the_snat_ip_without(self):
        (se1,) = self.start(preserve_config(), "se1")
        self.assertTrue(wait_until(lambda: se1.status()["preserve_client_ip"]
                                   ["return_path_installed"], 5, 0.1), se1.log())
        self.assertIn("table inet floe", nft_tables(self.lab.se1))
        ok = wait_until(lambda: reaches(self.lab.client, f"http://{VIP}/"), 10, 0.2)
        self.assertTrue(ok, se1.log())
        self.lab.clear_access_logs()
        got = [reaches(self.lab.client, f"http://{VIP}/") for _ in range(4)]
        self.assertEqual(sorted(got), ["srv1", "srv1", "srv2", "srv2"])
        self.assertEqual(self.served_from("srv1") + self.served_from("srv2"), [CLIENT] * 4)
        # The front-end host too: its own address, through the VIP on its own network.
        self.lab.clear_access_logs()
        self.assertIsNotNone(reaches(self.lab.fe, f"http://{VIP}/"))
        self.assertEqual(self.served_from("srv1") + self.served_from("srv2"), [FE_HOST])
        # Without preserve_client_ip: the SNAT IP.
        self.lab.clear_access_logs()
        self.assertTrue(wait_until(lambda: reaches(self.lab.client, f"http://{SNAT_VIP}/"), 5, 0.2))
        self.assertEqual(set(self.served_from("srv1") + self.served_from("srv2")), {SNAT_IP})
        # Other routed traffic is still forwarded, not diverted: the client reaches a server
        # by its address, and the server sees the client.
        self.lab.clear_access_logs()
        self.assertEqual(reaches(self.lab.client, f"http://{SRV1}/"), "srv1")
        self.assertEqual(self.served_from("srv1"), [CLIENT])
        self.assertTrue(pings(self.lab.srv2, FE_HOST))
        vs = find_named(se1.status()["virtualservices"], "vs1")
        self.assertEqual(vs["state"], "UP")
        self.assertEqual(se1.stop(), 0)
        self.assertRestored("se1")
        self.assertNotIn("floe", nft_tables(self.lab.se1))

    def test_return_path_removed_by_hand_comes_back(self):
        (se1,) = self.start(preserve_config(), "se1")
        self.assertTrue(wait_until(lambda: se1.status()["preserve_client_ip"]
                                   ["return_path_installed"], 5, 0.1), se1.log())
        ns_exec(self.lab.se1, "nft", "delete", "table", "inet", "floe")
        ns_exec(self.lab.se1, "ip", "rule", "del", "pref", "199")
        back = wait_until(lambda: "table inet floe" in nft_tables(self.lab.se1) and
                          "lookup 199" in ns_exec(self.lab.se1, "ip", "rule").stdout, 8, 0.2)
        self.assertTrue(back, se1.log())
        self.assertIn("vanished; installing it again", se1.log_text())
        self.lab.clear_access_logs()
        self.assertIsNotNone(reaches(self.lab.client, f"http://{VIP}/"))
        self.assertEqual(self.served_from("srv1") + self.served_from("srv2"), [CLIENT])

    def test_sigkill_leftovers_removed_at_next_start(self):
        (se1,) = self.start(preserve_config(), "se1")
        self.assertTrue(wait_until(lambda: se1.status()["preserve_client_ip"]
                                   ["return_path_installed"], 5, 0.1), se1.log())
        se1.kill()
        self.assertIn("table inet floe", nft_tables(self.lab.se1))
        # The next start, without preserve_client_ip and without routing, removes all of it.
        (se1,) = self.start(single_config(enable_routing=False), "se1", file="off.json")
        self.assertNotIn("floe", nft_tables(self.lab.se1))
        self.assertIn("removed leftover nft table inet floe", se1.log_text())
        self.assertEqual(se1.stop(), 0)
        self.assertRestored("se1")

    def test_failover_keeps_preserving_the_client_ip(self):
        se1, se2 = self.start(preserve_config(pair=True), "se1", "se2")
        ok = wait_until(lambda: ha_state(se1) == "ACTIVE" and ha_state(se2) == "STANDBY", 8, 0.1)
        self.assertTrue(ok)
        self.assertTrue(wait_until(lambda: reaches(self.lab.client, f"http://{VIP}/"), 10, 0.2))
        probe = Probe(self.lab, VIP, 5.0)
        time.sleep(1.0)
        se1.kill()
        outage = probe.outage()
        print(f"  SIGKILL of the active, preserve_client_ip VIP: longest outage {outage:.3f} s")
        self.assertLess(outage, 3.0)
        self.assertEqual(ha_state(se2), "ACTIVE")
        self.lab.clear_access_logs()
        self.assertIsNotNone(reaches(self.lab.client, f"http://{VIP}/"))
        self.assertEqual(self.served_from("srv1") + self.served_from("srv2"), [CLIENT])


if __name__ == "__main__":
    unittest.main()
