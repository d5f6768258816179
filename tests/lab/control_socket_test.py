"""End-to-end: the control socket and `floe-se status` (issue 5 §8, docs/floe-se.md "The
control socket"). Needs root and FLOE_SE; missing either is an error, never a skip.

One lab and one floe-se for the class. The SE's config file has a name that is not valid
UTF-8 (which used to crash the SE on `status`) and its pool is named "error" (which used to
turn the client's exit code to 1).
"""

from __future__ import annotations

import grp
import json
import os
import signal
import stat
import subprocess
import time
import unittest

from lab import (FloeSe, LabError, OneArmedLab, find_named, load_config, net_state, run,
                 require_environment, server_states, vs_state, wait_until)

READY_TIMEOUT = 15  # s
CLIENT_TIMEOUT = 5  # s: documented bound of `floe-se status`
CONFIG_NAME = os.fsdecode(b"floe-\xff\xfe.json")  # not UTF-8


def setUpModule():
    require_environment()


class ControlSocketTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.lab = OneArmedLab()
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        doc = load_config()
        find_named(doc["pool"], "web")["name"] = "error"
        find_named(doc["virtualservice"], "vs1")["pool_ref"] = "error"
        cls.config = cls.lab.write_config(doc, CONFIG_NAME)
        cls.se = FloeSe(cls.lab, cls.config)
        cls.addClassCleanup(cls.se.terminate_quietly)
        cls.se.start()
        cls.wait_ready()

    @classmethod
    def wait_ready(cls) -> dict:
        def ready():
            try:
                s = cls.se.status()
            except LabError:
                return None
            up = vs_state(s, "vs1") == "UP" and set(server_states(s, "error").values()) == {"UP"}
            return s if up else None
        status = wait_until(ready, READY_TIMEOUT, 0.2)
        if not status:
            raise LabError(f"vs1 and pool error not UP within {READY_TIMEOUT}s\n{cls.se.log()}")
        return status

    def client(self, command: str) -> tuple[subprocess.CompletedProcess, float]:
        cmd = [self.se.binary, command, "--name", "se1", "--run-dir", str(self.se.run_dir)]
        t0 = time.monotonic()
        cp = run(cmd, timeout=CLIENT_TIMEOUT + 10, check=False)
        return cp, time.monotonic() - t0

    def test_1_status_with_a_non_utf8_config_path_answers(self):
        cp, _ = self.client("status")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        reply = json.loads(cp.stdout)
        self.assertIs(reply["ok"], True)
        self.assertNotIn("error", reply)
        self.assertTrue(reply["config"]["file"].endswith("floe-\ufffd\ufffd.json"),
                        reply["config"]["file"])
        self.assertTrue(self.se.alive(), self.se.log())
        # Served again, and traffic state untouched: the SE did not crash or restart.
        self.assertEqual(self.se.status().get("pid"), self.se.proc.pid)

    def test_2_a_pool_named_error_does_not_fail_status(self):
        cp, _ = self.client("status")
        self.assertIn('"error"', cp.stdout)  # the pool's name
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)

    def test_3_a_refused_command_exits_1_with_the_error(self):
        cp, _ = self.client("switchover")
        self.assertEqual(cp.returncode, 1, cp.stdout + cp.stderr)
        reply = json.loads(cp.stdout)
        self.assertIs(reply["ok"], False)
        self.assertIn("there is no peer to hand over to", reply["error"])
        self.assertIn("there is no peer to hand over to", cp.stderr)

    def test_4_socket_is_mode_0600(self):
        st = os.stat(self.se.run_dir / "se1.sock")
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        try:
            grp.getgrnam("floe")
            expected = 0o660
        except KeyError:
            expected = 0o600
        self.assertEqual(stat.S_IMODE(st.st_mode), expected, oct(st.st_mode))

    def test_5_unusable_run_dir_is_named_as_such(self):
        blocker = self.lab.dir / "not-a-dir"
        blocker.write_text("")
        cmd = ["ip", "netns", "exec", self.lab.se1, self.se.binary, "--name", "se1",
               "--config", str(self.config), "--run-dir", str(blocker / "run")]
        before = net_state(self.lab.se1)
        cp = run(cmd, timeout=15, check=False)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 1, out)
        self.assertIn(f"run dir {blocker / 'run'}: cannot create it", out)
        self.assertNotIn("another floe-se", out)
        self.assertEqual(net_state(self.lab.se1)["routes"], before["routes"])
        self.assertTrue(self.se.alive())

    def test_6_status_of_a_stopped_se_gives_up_within_the_timeout(self):
        self.se.signal(signal.SIGSTOP)
        try:
            cp, took = self.client("status")
        finally:
            self.se.signal(signal.SIGCONT)
        print(f"\n  status against a stopped SE returned after {took:.1f} s")
        self.assertEqual(cp.returncode, 1, cp.stdout + cp.stderr)
        self.assertIn("serviceengine se1 is not answering", cp.stderr)
        self.assertLess(took, CLIENT_TIMEOUT + 2)
        self.assertGreaterEqual(took, CLIENT_TIMEOUT - 0.5)
        self.wait_ready()  # and it answers again once continued


if __name__ == "__main__":
    unittest.main()
