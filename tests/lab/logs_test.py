"""End-to-end: floe-se --log-format json and logfmt in the one-armed lab. Every line floe-se
writes while it starts, serves, reloads and stops is one structured record naming the SE.
Needs root and FLOE_SE; missing either is an error, never a skip."""

from __future__ import annotations

import json
import re
import signal
import unittest

from lab import (FloeSe, LabError, OneArmedLab, load_config, require_environment, vs_state,
                 wait_until)


def setUpModule():
    require_environment()


class StructuredLogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.config = cls.lab.write_config(load_config())

    def run_se(self, fmt: str) -> list[str]:
        se = FloeSe(self.lab, self.config,
                    extra_args=("--log-format", fmt, "--metrics", "10.10.1.11:9100"))
        self.addCleanup(se.terminate_quietly)
        se.start()
        if not wait_until(lambda: vs_state(se.status(), "vs1") == "UP", 15, 0.2):
            raise LabError(f"vs1 not UP\n{se.log()}")
        se.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: "generation 2" in se.log_text(), 10), se.log())
        self.assertEqual(se.stop(), 0)
        lines = [l for l in se.log_text().splitlines() if l.strip()]
        self.assertGreaterEqual(len(lines), 4, se.log())
        return lines

    def test_json_lines_are_objects_naming_the_se(self):
        records = []
        for line in self.run_se("json"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                self.fail(f"not JSON: {line!r}")
        for r in records:
            self.assertEqual(r["program"], "floe-se", r)
            self.assertEqual(r["se"], "se1", r)
            self.assertIn(r["level"], ("debug", "info", "warning", "error", "critical"), r)
            self.assertRegex(r["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn("msg", r)
        events = [r for r in records if r.get("event") == "metrics_listening"]
        self.assertEqual(len(events), 1, records)
        self.assertEqual(events[0]["address"], "10.10.1.11:9100")
        self.assertTrue(any("generation 2" in r["msg"] for r in records), records)

    def test_state_changes_are_events_naming_their_objects(self):
        """A server stopped and started again: server_down, virtualservice_down (both servers
        gone), then server_up and virtualservice_up, each naming pool/server/service."""
        se = FloeSe(self.lab, self.config, extra_args=("--log-format", "json"))
        self.addCleanup(se.terminate_quietly)
        self.addCleanup(self.lab.server_start, "srv1")
        self.addCleanup(self.lab.server_start, "srv2")
        se.start()
        if not wait_until(lambda: vs_state(se.status(), "vs1") == "UP", 15, 0.2):
            raise LabError(f"vs1 not UP\n{se.log()}")

        def events(name):
            out = []
            for line in se.log_text().splitlines():
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if r.get("event") == name:
                    out.append(r)
            return out

        self.assertTrue(wait_until(lambda: events("virtualservice_up"), 5, 0.1), se.log())
        self.lab.server_stop("srv1")
        self.lab.server_stop("srv2")
        self.assertTrue(wait_until(lambda: len(events("server_down")) == 2, 15, 0.2), se.log())
        down = {r["server"]: r for r in events("server_down")}
        self.assertEqual(set(down), {"10.10.20.21:80", "10.10.20.22:80"})
        for r in down.values():
            self.assertEqual((r["pool"], r["state"], r["level"]), ("web", "DOWN", "warning"), r)
            self.assertIn("consecutive failures", r["reason"], r)
        def went_down():
            return [r for r in events("virtualservice_down") if r["previous"] == "UP"]
        self.assertTrue(wait_until(went_down, 5, 0.1), se.log())
        vs_down = went_down()[0]
        self.assertEqual(vs_down["virtualservice"], "vs1", vs_down)
        self.assertTrue(vs_down["reason"], vs_down)

        self.lab.server_start("srv1")
        self.assertTrue(wait_until(lambda: len(events("virtualservice_up")) == 2, 15, 0.2),
                        se.log())
        self.assertEqual([r["server"] for r in events("server_up")].count("10.10.20.21:80"), 2)
        self.assertEqual(se.stop(), 0)

    def test_logfmt_lines_carry_the_keys(self):
        pattern = re.compile(r'^ts=\S+Z level=\w+ program=floe-se se=se1 (.* )?msg=')
        for line in self.run_se("logfmt"):
            self.assertRegex(line, pattern)


if __name__ == "__main__":
    unittest.main()
