"""floe-controller over real HTTP and HTTPS (issue 7): the admin account of the first start
(generated password printed once), 401 for anything unauthenticated, HTTP basic and session
tokens, TLS with --tls-cert/--tls-key (and the CLI verifying it), command-line errors.
The REST verbs and statuses themselves are unit-tested in tests/unit/controller/api_test.cc.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import tempfile
import unittest
from pathlib import Path

from controller import Controller, ControllerNs, binary, require_environment
from lab import run


def setUpModule():
    require_environment()


class RestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ns = ControllerNs("rest").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.ns.__exit__(None, None, None)

    def test_first_start_generates_and_prints_the_admin_password_once(self):
        with tempfile.TemporaryDirectory(prefix="floe-ctl-") as d:
            ctl = Controller(self.ns, admin_password=None, db_dir=d)
            # No password known yet: start() only waits for the 401.
            ctl.start()
            ctl.kill(signal.SIGTERM)
            m = re.search(r"created user admin with password (\S+) \(shown only this once\)",
                          ctl.stdout)
            self.assertIsNotNone(m, ctl.stdout)
            ctl.admin_password = m.group(1)
            self.assertEqual(len(ctl.admin_password), 20)
            ctl.stdout = ""
            ctl.start()
            status, _ = ctl.api("GET", "/api/pool")
            self.assertEqual(status, 200)
            ctl.kill(signal.SIGTERM)
            self.assertNotIn("password", ctl.stdout)  # printed only at the first start

    def test_serves_prometheus_metrics_of_its_process(self):
        ctl = Controller(self.ns, extra_args=("--metrics", "127.0.0.1:19100"))
        ctl.start()
        try:
            text = self.ns.exec("curl", "-s", "-f", "--max-time", "3",
                                "http://127.0.0.1:19100/metrics").stdout
            self.assertIn("process_resident_memory_bytes", text)
            self.assertIn("process_open_fds", text)
            check = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                                   capture_output=True, timeout=20)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        finally:
            ctl.kill(signal.SIGTERM)

    def test_unauthenticated_and_wrong_credentials_get_401(self):
        with Controller(self.ns) as ctl:
            for auth in (False, ("admin", "wrong"), ("nobody", "x")):
                status, body = ctl.api("GET", "/api/virtualservice", auth=auth)
                self.assertEqual(status, 401, auth)
                self.assertIn("authentication required", body["error"])
            status, _ = ctl.api("GET", "/api/configuration/export", auth=False)
            self.assertEqual(status, 401)
            status, _ = ctl.api("POST", "/api/pool", {"name": "p"}, auth=False)
            self.assertEqual(status, 401)
            self.assertIsNone(ctl.find("pool", "p"))

    def test_session_token_from_login(self):
        with Controller(self.ns) as ctl:
            status, body = ctl.api("POST", "/login",
                                   {"username": "admin", "password": ctl.admin_password},
                                   auth=False)
            self.assertEqual(status, 200, body)
            token = body["token"]
            status, _ = ctl.api("GET", "/api/pool", auth=False,
                                headers=[f"Authorization: Bearer {token}"])
            self.assertEqual(status, 200)
            status, _ = ctl.api("GET", "/api/pool", auth=False, headers=[f"Cookie: sessionid={token}"])
            self.assertEqual(status, 200)
            status, _ = ctl.api("POST", "/login", {"username": "admin", "password": "no"},
                                auth=False)
            self.assertEqual(status, 401)

    def test_https_with_certificate_and_key(self):
        with tempfile.TemporaryDirectory(prefix="floe-tls-") as d:
            cert, key = Path(d) / "cert.pem", Path(d) / "key.pem"
            run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                 "-keyout", key, "-out", cert], timeout=60)
            with Controller(self.ns, tls=(str(cert), str(key))) as ctl:
                self.assertTrue(ctl.url.startswith("https://"))
                status, body = ctl.api("GET", "/api/serviceenginegroup")
                self.assertEqual(status, 200, body)
                plain = self.ns.exec("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                     "--max-time", "5", f"http://127.0.0.1:{ctl.port}/api/pool",
                                     check=False)
                self.assertNotEqual(plain.stdout, "200")
                cp = ctl.floe("--ca-cert", str(cert), "show", "serviceenginegroup",
                              "Default-Group")
                self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
                self.assertEqual(json.loads(cp.stdout)["name"], "Default-Group")
                cp = ctl.floe("show", "serviceenginegroup")  # untrusted certificate
                self.assertNotEqual(cp.returncode, 0)

    def test_command_line_errors(self):
        cp = self.ns.exec(binary("FLOE_CONTROLLER_BIN"), "--listen", "127.0.0.1", "--db",
                          "/tmp/x.db", check=False)
        self.assertEqual(cp.returncode, 2)
        self.assertIn("--listen", cp.stderr)
        with tempfile.TemporaryDirectory(prefix="floe-ctl-") as d:
            cp = self.ns.exec(binary("FLOE_CONTROLLER_BIN"), "--listen", "127.0.0.1:9555", "--db",
                              f"{d}/db", "--tls-cert", f"{d}/missing.pem", "--tls-key",
                              f"{d}/missing.key", check=False,
                              env={"FLOE_ADMIN_PASSWORD": "x", "PATH": "/usr/bin:/bin"})
            self.assertEqual(cp.returncode, 1)
            self.assertIn("--tls-cert", cp.stderr)
            Path(d, "notdb").write_text("x" * 200)
            cp = self.ns.exec(binary("FLOE_CONTROLLER_BIN"), "--listen", "127.0.0.1:9556", "--db",
                              f"{d}/notdb", check=False,
                              env={"FLOE_ADMIN_PASSWORD": "x", "PATH": "/usr/bin:/bin"})
            self.assertEqual(cp.returncode, 1)
            self.assertIn(f"{d}/notdb", cp.stderr)


if __name__ == "__main__":
    unittest.main()
