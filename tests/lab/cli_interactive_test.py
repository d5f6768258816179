"""The interactive shell on a terminal (a pty): tab completion of commands, types, object
names, fields and enum values from the schema and the controller, and history kept across
sessions in ~/.floe_history (issue 7)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from controller import ADMIN_PASSWORD, Controller, ControllerNs, binary, require_environment


def setUpModule():
    require_environment()


class Terminal:
    """`floe shell` on a pseudo-terminal; type() sends keys, expect() waits for output."""

    def __init__(self, ns: str, url: str, home: str):
        self.master, slave = pty.openpty()
        env = dict(os.environ, HOME=home, TERM="xterm", FLOE_USER="admin",
                   FLOE_PASSWORD=ADMIN_PASSWORD)
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, binary("FLOE_CLI"),
                                      "--controller", url, "shell"],
                                     stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.output = ""
        self.mark = 0  # expect() looks only at the output after the last keys typed

    def type(self, keys: str) -> None:
        self.expect("\0", timeout=0.2)  # drain what came before
        self.mark = len(self.output)
        os.write(self.master, keys.encode())

    def expect(self, text: str, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.output[self.mark:]:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.master, 4096).decode(errors="replace")
                except OSError:
                    return text in self.output[self.mark:]
        return True

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            os.close(self.master)


class InteractiveTest(unittest.TestCase):
    def test_tab_completion_and_history(self):
        with ControllerNs("tty") as ns, Controller(ns) as ctl, \
                tempfile.TemporaryDirectory(prefix="floe-home-") as home:
            t = Terminal(ns.name, ctl.url, home)
            try:
                self.assertTrue(t.expect(": > "), t.output)
                t.type("conf\t")
                self.assertTrue(t.expect("configure "), t.output)
                t.type("serviceenginegr\t")
                self.assertTrue(t.expect("serviceenginegroup "), t.output)
                t.type("Def\t")  # a name asked from the controller
                self.assertTrue(t.expect("Default-Group"), t.output)
                t.type("\r")
                self.assertTrue(t.expect(": serviceenginegroup> "), t.output)
                t.type("enable_ro\t")
                self.assertTrue(t.expect("enable_routing"), t.output)
                t.type("\x15")  # Ctrl-U: drop the line
                t.type("ha_mode ha_mode_le\t")
                self.assertTrue(t.expect("ha_mode_legacy_active_standby"), t.output)
                t.type("\x15cancel\rexit\r")
                self.assertEqual(t.close(), 0, t.output)
            finally:
                if t.proc.poll() is None:
                    t.close()
            history = Path(home, ".floe_history").read_text()
            self.assertIn("configure serviceenginegroup Default-Group", history)
            # A new session recalls the previous one's lines (Up arrow).
            t = Terminal(ns.name, ctl.url, home)
            try:
                self.assertTrue(t.expect(": > "), t.output)
                t.type("\x1b[A\x1b[A")
                self.assertTrue(t.expect("cancel"), t.output)
                t.type("\x15exit\r")
                self.assertEqual(t.close(), 0, t.output)
            finally:
                if t.proc.poll() is None:
                    t.close()


if __name__ == "__main__":
    unittest.main()
