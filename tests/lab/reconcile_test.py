"""End-to-end: the agent reconciles against what the kernel holds (issue "Service engine
hardening" §1-§3): what vanishes behind floe's back comes back, what someone else owns is never
taken, and a reload that takes long changes nothing for traffic or addresses.

Needs root and FLOE_SE, like one_armed_test.py (whose LabTestCase it uses).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import unittest

from lab import (FloeSe, FloeSeError, find_named, http_get, ip_json, link_mac, ns_exec, run,
                 require_environment, vs_state, wait_until)
from one_armed_test import FLOATING, SNAT, URL, VIP, LabTestCase

PUT_BACK_BUDGET = 3.0  # s: a notification-driven pass takes ~20 ms; the periodic one 2 s


def setUpModule():
    require_environment()


def addresses_on(ns: str, dev: str) -> dict[str, dict]:
    """{"10.10.2.100/32": addr_info} of one device; {} when the device is absent."""
    out = {}
    for link in ip_json(ns, "addr", "show"):
        if link["ifname"] != dev:
            continue
        for a in link.get("addr_info", []):
            out[f'{a["local"]}/{a["prefixlen"]}'] = a
    return out


def entry(status: dict, kind: str, key: str, value: str) -> dict | None:
    return next((x for x in status.get(kind, []) if x.get(key) == value), None)


class VanishedObjectsTest(LabTestCase):
    """What floe holds and the kernel loses (a device deleted, a link reset, a route flushed)
    is put back, logged, and status reports it as it is at each moment."""

    def test_local_device_deleted_comes_back_with_vip_and_snat(self):
        ns_exec(self.lab.se1, "ip", "link", "del", "floe0")
        t0 = time.monotonic()
        back = wait_until(lambda: {f"{VIP}/32", f"{SNAT}/32"} <=
                          set(addresses_on(self.lab.se1, "floe0")), PUT_BACK_BUDGET, 0.05)
        print(f"  floe0 deleted: VIP and SNAT IP back after {time.monotonic() - t0:.2f} s")
        self.assertTrue(back, self.se.log())
        self.assertIn("floe0 vanished", self.se.log())
        served = self.get_many(6)
        self.assertNotIn(None, served, self.se.log())
        st = self.se.status()
        self.assertEqual(entry(st, "addresses", "address", f"{VIP}/32")["state"], "INSTALLED")

    def test_link_reset_restores_flushed_route_and_service(self):
        # `ip link set down` makes the kernel flush every route through eth0 silently.
        ns_exec(self.lab.se1, "ip", "link", "set", "eth0", "down")
        waiting = wait_until(lambda: entry(self.se.status(), "routes", "prefix",
                                           "0.0.0.0/0")["state"] == "WAITING",
                             PUT_BACK_BUDGET, 0.05)
        self.assertTrue(waiting, self.se.status())
        ns_exec(self.lab.se1, "ip", "link", "set", "eth0", "up")
        back = wait_until(lambda: ip_json(self.lab.se1, "route", "show", "default", "proto",
                                          "199"), PUT_BACK_BUDGET, 0.05)
        self.assertTrue(back, self.se.log())
        self.assertIn("vanished from the kernel", self.se.log())
        st = self.se.status()
        self.assertEqual(entry(st, "routes", "prefix", "0.0.0.0/0")["state"], "INSTALLED", st)
        self.assertEqual(entry(st, "addresses", "address", f"{FLOATING}/32")["state"],
                         "INSTALLED", st)
        served = wait_until(lambda: http_get(self.lab.client, URL), 10, 0.2)
        self.assertTrue(served, self.se.log())

    def test_interface_renamed_for_a_second_keeps_the_floating_ip(self):
        se1 = self.lab.se1
        ns_exec(se1, "sh", "-c", "ip link set eth0 down && ip link set eth0 name eth0x && "
                "sleep 1 && ip link set eth0x name eth0 && ip link set eth0 up")
        ok = wait_until(lambda: entry(self.se.status(), "addresses", "address",
                                      f"{FLOATING}/32")["state"] == "INSTALLED",
                        PUT_BACK_BUDGET + 6, 0.1)
        self.assertTrue(ok, self.se.status())
        self.assertIn(f"{FLOATING}/32", addresses_on(se1, "eth0"))
        self.assertTrue(wait_until(lambda: http_get(self.lab.client, URL), 10, 0.2))


class OwnershipTest(LabTestCase):
    """floe never adopts, refreshes or removes what it did not add."""

    def test_address_readded_by_hand_is_never_adopted(self):
        se1 = self.lab.se1
        # An administrator replaces floe's floating IP with one of their own, forever.
        ns_exec(se1, "sh", "-c", f"ip addr del {FLOATING}/32 dev eth0 && "
                f"ip addr add {FLOATING}/32 dev eth0")
        conflict = wait_until(lambda: (lambda a: a if a["state"] == "CONFLICT" else None)(
            entry(self.se.status(), "addresses", "address", f"{FLOATING}/32")),
            PUT_BACK_BUDGET, 0.05)
        self.assertTrue(conflict, self.se.status())
        self.assertIn("not floe's", conflict["reason"])
        time.sleep(1.5)  # at least one refresh pass
        info = addresses_on(se1, "eth0")[f"{FLOATING}/32"]
        self.assertEqual(info.get("valid_life_time"), 4294967295, f"refreshed by floe: {info}")
        self.assertEqual(self.se.stop(), 0, self.se.log())
        self.assertIn(f"{FLOATING}/32", addresses_on(se1, "eth0"),
                      "floe removed an address it did not add")


class OneSePerNamespaceTest(LabTestCase):
    """floe's tag is per namespace: a second floe-se there would take the first one's
    addresses for leftovers of a crash and remove them. It is refused instead."""

    def test_second_floe_se_in_the_namespace_is_refused(self):
        doc = dict(self.doc)
        doc["serviceengine"] = [dict(doc["serviceengine"][0], name="se9")]
        config = self.lab.write_config(doc, "se9.json")
        other = FloeSe(self.lab, config, name="se9", ns=self.lab.se1, start_timeout=5)
        with self.assertRaises(FloeSeError) as refused:
            other.start()
        self.assertEqual(other.returncode, 1, str(refused.exception))
        self.assertIn("another floe-se already runs in this network namespace",
                      str(refused.exception))
        # The first one's addresses are all there.
        self.assertLessEqual({f"{VIP}/32", f"{SNAT}/32"},
                             set(addresses_on(self.lab.se1, "floe0")))


class ShadowedRouteTest(LabTestCase):
    """A host route to the same prefix with another metric is reported, not silently
    shadowed."""

    start_se = False

    def test_host_default_route_with_metric_is_reported(self):
        ns_exec(self.lab.se1, "ip", "route", "add", "default", "via", "10.10.1.1", "dev", "eth0",
                "metric", "100")
        se = FloeSe(self.lab, self.config)
        self.addCleanup(se.terminate_quietly)
        se.start()
        st = self.wait_ready(se)
        route = entry(st, "routes", "prefix", "0.0.0.0/0")
        self.assertEqual(route["state"], "INSTALLED", route)
        self.assertIn("metric 100", route.get("shadows", ""), route)
        self.assertIn("shadows the host's route", se.log())
        self.assertEqual(se.stop(), 0)
        kept = ip_json(self.lab.se1, "route", "show", "default")
        self.assertEqual([r.get("metric") for r in kept], [100], kept)


class SlowReloadTest(LabTestCase):
    """A reload whose document takes 12 s to read (a FIFO written a few bytes at a time, as a
    hung network mount would) changes nothing for traffic or addresses, and status answers
    meanwhile; the document is applied when it is complete."""

    def test_slow_read_keeps_addresses_and_traffic(self):
        fifo = self.lab.dir / "slow.json"
        if fifo.exists():
            fifo.unlink()
        os.mkfifo(fifo)
        self.addCleanup(lambda: fifo.exists() and fifo.unlink())
        # The SE reads its --config path; point it at the FIFO through a symlink swap.
        text = self.config.read_text()
        target = self.config.with_suffix(".real")
        os.replace(self.config, target)
        os.symlink(fifo, self.config)
        self.addCleanup(lambda: (self.config.unlink(), os.replace(target, self.config)))

        writer_fd = os.open(fifo, os.O_RDWR)  # never blocks; keeps the FIFO open for the SE
        self.se.reload()
        seconds = 12.0
        stop = threading.Event()

        def trickle():
            chunk = max(1, len(text) // int(seconds * 10))
            for i in range(0, len(text), chunk):
                if stop.is_set():
                    break
                os.write(writer_fd, text[i:i + chunk].encode())
                time.sleep(0.1)
            os.close(writer_fd)

        writer = threading.Thread(target=trickle, daemon=True)
        writer.start()
        self.addCleanup(stop.set)
        failures, lifetimes, status_ok = 0, [], 0
        t0 = time.monotonic()
        while writer.is_alive() and time.monotonic() - t0 < seconds + 10:
            if http_get(self.lab.client, URL, timeout=1.0) is None:
                failures += 1
            info = addresses_on(self.lab.se1, "floe0").get(f"{VIP}/32")
            lifetimes.append(info["valid_life_time"] if info else 0)
            st = self.se.status()
            status_ok += 1
            self.assertTrue(st["config"]["reload_in_progress"] or not writer.is_alive())
            time.sleep(0.3)
        writer.join(5)
        print(f"  12 s reload: {failures} failed requests, VIP lifetime min "
              f"{min(lifetimes)} s over {len(lifetimes)} samples, {status_ok} status answers")
        self.assertEqual(failures, 0)
        self.assertGreaterEqual(min(lifetimes), 4, lifetimes)
        applied = wait_until(lambda: self.se.status()["config"]["generation"] == 2, 5, 0.1)
        self.assertTrue(applied, self.se.log())


class AddressConflictTest(LabTestCase):
    """An address another host already uses on the link is not claimed: floe probes first
    (RFC 5227 ARP probe), reports the conflict with the holder's MAC, and announces nothing,
    so the holder keeps its traffic."""

    start_se = False

    def test_floating_ip_in_use_by_a_neighbour_is_refused(self):
        se2 = self.lab.ns("se2")
        ns_exec(se2, "ip", "addr", "add", f"{FLOATING}/24", "dev", "eth0")
        holder = link_mac(se2, "eth0")
        se = FloeSe(self.lab, self.config)
        self.addCleanup(se.terminate_quietly)
        se.start()
        conflict = wait_until(lambda: (lambda a: a if a and a["state"] == "CONFLICT" else None)(
            entry(se.status(), "addresses", "address", f"{FLOATING}/32")), 5, 0.1)
        self.assertTrue(conflict, se.status())
        self.assertIn(holder, conflict["reason"])
        self.assertNotIn(f"{FLOATING}/32", addresses_on(self.lab.se1, "eth0"))
        # The router still reaches the neighbour: nothing was announced over it.
        ns_exec(self.lab.router, "ping", "-c1", "-W1", FLOATING, check=False)
        neigh = ip_json(self.lab.router, "neigh", "show", FLOATING)
        self.assertEqual([n.get("lladdr") for n in neigh], [holder], neigh)


if __name__ == "__main__":
    unittest.main()
