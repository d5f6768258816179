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

    def test_logfmt_lines_carry_the_keys(self):
        pattern = re.compile(r'^ts=\S+Z level=\w+ program=floe-se se=se1 (.* )?msg=')
        for line in self.run_se("logfmt"):
            self.assertRegex(line, pattern)


if __name__ == "__main__":
    unittest.main()
