#!/usr/bin/python3
"""Reads `floe-se status` JSON on stdin, prints a few lines a person reads at a glance:

    floe-se se1: ACTIVE
      virtual service vs1  UP    listeners 10.10.2.100:80
      pool web             10.10.20.21:80 UP [10 conn]   10.10.20.22:80 DOWN (connect refused) [9 conn]
      addresses            10.10.1.100/32 on eth0 (floating), 10.10.2.100/32 on floe0 (vip), ...

An address floe does not hold in the kernel shows its state: "(floating, STANDBY)" on a standby.
      routes               0.0.0.0/0 via 10.10.1.1 installed
"""
import json
import sys


def main() -> int:
    try:
        st = json.load(sys.stdin)
    except json.JSONDecodeError as e:
        print(f"status-summary: not JSON: {e}", file=sys.stderr)
        return 1
    print(f"floe-se {st.get('name')}: {st.get('ha_state')}")
    for vs in st.get("virtualservices", []):
        reason = f" ({vs['reason']})" if vs.get("reason") and vs.get("state") != "UP" else ""
        print(f"  virtual service {vs.get('name'):<8} {vs.get('state'):<5}{reason}"
              f"  listeners {', '.join(vs.get('listeners', []))}")
    for pool in st.get("pools", []):
        servers = []
        for s in pool.get("servers", []):
            why = f" ({s['reason']})" if s.get("reason") and s.get("state") != "UP" else ""
            conns = (f" [{s['total_connections']} conn]"
                     if isinstance(s.get("total_connections"), int) else "")
            servers.append(f"{s.get('ip')}:{s.get('port')} {s.get('state')}{why}{conns}")
        print(f"  pool {pool.get('name'):<19} {'   '.join(servers)}")
    # An address not in the kernel (a standby's, one still probing, ...) shows its state.
    addrs = [f"{a.get('address')} on {a.get('device')} ({a.get('role')}"
             f"{'' if a.get('state', 'INSTALLED') == 'INSTALLED' else ', ' + str(a.get('state'))})"
             for a in st.get("addresses", [])]
    if addrs:
        print(f"  addresses            {', '.join(addrs)}")
    for r in st.get("routes", []):
        print(f"  route                {r.get('prefix')} via {r.get('next_hop')} {r.get('state')}")
    if st.get("notices"):
        print(f"  notices              {len(st['notices'])} (see the full status)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
