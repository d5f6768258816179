"""Every CLI transcript of the two reference documents (/work/shared/reference, copied in
docs/reference when present) typed into `floe shell` against a real floe-controller, prompt
prefixes stripped as a user types them; the objects they describe are checked through the
REST API, and the output lines the transcripts show must appear. The wrong orders are refused
with the rule's message (issue 7, DESIGN.md rules 2 and 5).
"""

from __future__ import annotations

import html
import os
import re
import unittest
from pathlib import Path

from controller import Controller, ControllerNs, require_environment
from lab import SOURCE_DIR, LabError

REFERENCE_DIRS = [Path(os.environ.get("FLOE_REFERENCE_DIR", "/nonexistent")),
                  SOURCE_DIR / "docs" / "reference", Path("/work/shared/reference")]

# A prompt as the documents print it: ": >", ": serviceenginegroup>", ": vrfcontext:bgp_profile\t>"
# (the tab is in the document), or a bare ": " at the start of a line (reference 1).
PROMPT = re.compile(r"(?:^|(?<=\s)):\s*[a-z_]+(?::[a-z_]+)*\s*>|(?:^|(?<=\s)):\s*>|^:\s")
BLOCK = re.compile(r"<pre>(?:<code[^>]*>)?(.*?)(?:</code>)?</pre>", re.S)
SHOWN_OUTPUT = ("Overwriting the previously entered value for", "New object being created",
                "IP4 Prefix format")


def reference(name: str) -> str:
    for d in REFERENCE_DIRS:
        if (d / name).is_file():
            return (d / name).read_text()
    raise LabError(f"reference document {name} not found in {REFERENCE_DIRS}")


def transcripts(document: str) -> list[tuple[list[str], list[str]]]:
    """Each CLI block of the document: (commands as typed, output lines it shows)."""
    out = []
    for raw in BLOCK.findall(document):
        text = html.unescape(raw)
        commands, shown = [], []
        for line in text.splitlines():
            prompts = list(PROMPT.finditer(line))
            if not prompts:
                if line.strip().startswith(SHOWN_OUTPUT):
                    shown.append(line.strip())
                continue
            for i, m in enumerate(prompts):
                end = prompts[i + 1].start() if i + 1 < len(prompts) else len(line)
                commands.append(line[m.end():end].strip())
        if any(c.startswith("configure") for c in commands):
            out.append((commands, shown))
    return out


def setUpModule():
    require_environment()


# The two-armed topology of reference 2 (DESIGN.md): both SEs on the back-end 10.10.10.0/24
# and the front-end 10.10.40.0/24, so that the floating IPs lie in attached subnets (rule 6).
SES = [{"name": name, "se_group_ref": "Default-Group",
        "data_vnics": [{"if_name": "eth1", "ip": f"10.10.10.{n}/24"},
                       {"if_name": "eth2", "ip": f"10.10.40.{n}/24"}]}
       for name, n in (("se1", 21), ("se2", 22))]


class TranscriptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ns = ControllerNs("cli").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.ns.__exit__(None, None, None)

    def controller(self) -> Controller:
        ctl = Controller(self.ns).start()
        self.addCleanup(ctl.__exit__, None, None, None)
        for se in SES:
            status, body = ctl.api("POST", "/api/serviceengine", se)
            self.assertEqual(status, 201, body)
        return ctl

    def shell(self, ctl: Controller, commands: list[str], expect_ok: bool = True):
        cp = ctl.floe("shell", input="\n".join(commands) + "\n")
        if expect_ok:
            self.assertEqual(cp.returncode, 0, f"stdout:\n{cp.stdout}\nstderr:\n{cp.stderr}")
        else:
            self.assertNotEqual(cp.returncode, 0, cp.stdout)
        return cp

    def test_parser_finds_every_transcript(self):
        ref1 = transcripts(reference("static-routes-vip-snat.md"))
        ref2 = transcripts(reference("default-gateway-ip-routing.md"))
        self.assertEqual(len(ref1), 1)
        self.assertEqual(ref1[0][0], ["configure serviceenginegroup SE group 1",
                                      "ha_mode ha_mode_legacy_active_standby",
                                      "floating_intf_ip 10.10.1.100", "save"])
        self.assertEqual(len(ref2), 7)
        self.assertEqual(ref2[4][0], ["configure vrfcontext global", "bgp_profile ibgp local_as 1",
                                      "", "peers peer_ip 10.10.40.3", "", "subnet",
                                      "subnet 10.10.40.0/24", "bfd", "save", "save", "save"])

    def test_reference_2_default_gateway_ip_routing(self):
        ctl = self.controller()
        shown_all = []
        for commands, shown in transcripts(reference("default-gateway-ip-routing.md")):
            cp = self.shell(ctl, commands)
            for line in shown:
                self.assertIn(line, cp.stdout, f"transcript {commands}")
            shown_all += shown
        self.assertIn("New object being created", shown_all)
        g = ctl.find("serviceenginegroup", "Default-Group")
        self.assertEqual(g["ha_mode"], "HA_MODE_LEGACY_ACTIVE_STANDBY")
        self.assertTrue(g["active_standby"])
        self.assertEqual(g["floating_intf_ip"], ["10.10.10.11", "10.10.40.11"])
        self.assertTrue(g["enable_routing"])
        self.assertTrue(g["advertise_backend_networks"])
        self.assertFalse(g["distribute_load_active_standby"])
        bgp = ctl.find("vrfcontext", "global")["bgp_profile"]
        self.assertEqual(bgp["local_as"], 1)
        self.assertTrue(bgp["ibgp"])
        self.assertEqual(len(bgp["peers"]), 1)
        peer = bgp["peers"][0]
        self.assertEqual((peer["peer_ip"], peer["subnet"], peer["bfd"]),
                         ("10.10.40.3", "10.10.40.0/24", True))
        profile = ctl.find("applicationprofile", "System-HTTP")
        self.assertTrue(profile["preserve_client_ip"])
        self.assertFalse(profile["http_profile"]["connection_multiplexing_enabled"])

    def test_reference_1_static_routes(self):
        ctl = self.controller()
        (commands, _), = transcripts(reference("static-routes-vip-snat.md"))
        self.shell(ctl, commands)
        g = ctl.find("serviceenginegroup", "SE group 1")
        self.assertIsNotNone(g)
        self.assertEqual(g["ha_mode"], "HA_MODE_LEGACY_ACTIVE_STANDBY")
        self.assertEqual(g["floating_intf_ip"], ["10.10.1.100"])
        # An SE of the one-armed lab joins the group: the floating IP is in its subnet (rule 6).
        status, body = ctl.api("POST", "/api/serviceengine", {
            "name": "se3", "se_group_ref": "SE group 1",
            "data_vnics": [{"if_name": "eth0", "ip": "10.10.1.11/24"}]})
        self.assertEqual(status, 201, body)

    def test_preserve_client_ip_before_enable_routing_is_refused(self):
        ctl = self.controller()
        ref2 = transcripts(reference("default-gateway-ip-routing.md"))
        step3 = next(c for c, _ in ref2 if "configure applicationprofile System-HTTP" in c)
        cp = self.shell(ctl, step3, expect_ok=False)
        self.assertIn("applicationprofile[System-HTTP].preserve_client_ip: requires a "
                      "serviceenginegroup with enable_routing", cp.stdout)
        self.assertFalse(ctl.find("applicationprofile", "System-HTTP")["preserve_client_ip"])

    def test_enable_routing_with_distribute_load_is_refused(self):
        ctl = self.controller()
        self.shell(ctl, ["configure serviceenginegroup Default-Group",
                         "distribute_load_active_standby", "save"])
        cp = self.shell(ctl, ["configure serviceenginegroup Default-Group", "enable_routing",
                              "save"], expect_ok=False)
        self.assertIn("serviceenginegroup[Default-Group].enable_routing", cp.stdout)
        self.assertIn("distribute_load_active_standby", cp.stdout)
        self.assertFalse(ctl.find("serviceenginegroup", "Default-Group")["enable_routing"])

    def test_refused_save_keeps_the_edit_to_fix(self):
        ctl = self.controller()
        self.shell(ctl, ["configure serviceenginegroup Default-Group",
                         "distribute_load_active_standby", "save"])
        # Refused, then fixed in the same mode, then saved.
        cp = self.shell(ctl, ["configure serviceenginegroup Default-Group", "enable_routing",
                              "save", "no distribute_load_active_standby", "save"],
                        expect_ok=False)  # the first save failed: script mode says so
        self.assertIn("line 3 failed", cp.stderr)
        g = ctl.find("serviceenginegroup", "Default-Group")
        self.assertTrue(g["enable_routing"])
        self.assertFalse(g["distribute_load_active_standby"])

    def test_one_shot_show_export_import(self):
        ctl = self.controller()
        cp = ctl.floe("show", "serviceengine", "se1")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        import json
        self.assertEqual(json.loads(cp.stdout)["name"], "se1")
        cp = ctl.floe("show", "pool", "nope")
        self.assertNotEqual(cp.returncode, 0)
        cp = ctl.floe("export")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        doc = json.loads(cp.stdout)
        doc["pool"] = [{"name": "web", "servers": [{"ip": "10.10.10.50"}]}]
        path = Path(ctl.db).parent / "doc.json"
        path.write_text(json.dumps(doc))
        cp = ctl.floe("import", str(path))
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIsNotNone(ctl.find("pool", "web"))
        cp = ctl.floe("show", "pool", password="wrong")
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("FLOE_PASSWORD", cp.stdout + cp.stderr)


if __name__ == "__main__":
    unittest.main()
