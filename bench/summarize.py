#!/usr/bin/env python3
"""Summarise bench/l4_vs_haproxy.sh runs: one table per (threads, mode), optional JSON.

usage: summarize.py RESULTS.tsv [--problems FILE] [--json FILE] [--meta key=value ...]

RESULTS.tsv has one line per measured wrk run (header: threads mode proxy round rps requests
non2xx connect read write timeout p50_ms p99_ms cpu_pct). Medians are over rounds; errors
are summed over rounds.
"""
import argparse
import csv
import json
import math
import statistics
import sys


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def no_nan(v):
    """JSON has no NaN: missing figures become null."""
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {k: no_nan(x) for k, x in v.items()}
    if isinstance(v, list):
        return [no_nan(x) for x in v]
    return v


def fmt(v, digits=0):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:,.{digits}f}"


def load(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows.append({
                "threads": int(r["threads"]), "mode": r["mode"], "proxy": r["proxy"],
                "round": int(r["round"]), "rps": float(r["rps"]),
                "requests": int(r["requests"]), "non2xx": int(r["non2xx"]),
                "socket_errors": {k: int(r[k]) for k in ("connect", "read", "write", "timeout")},
                "p50_ms": float(r["p50_ms"]), "p99_ms": float(r["p99_ms"]),
                "cpu_pct": float(r["cpu_pct"]),
                "load1": float(r.get("load1") or "nan"),
            })
    return rows


def summarise(rows):
    out = []
    keys = sorted({(r["threads"], r["mode"]) for r in rows},
                  key=lambda k: (k[0], 0 if k[1] == "keepalive" else 1))
    for threads, mode in keys:
        entry = {"threads": threads, "mode": mode}
        for proxy in ("floe", "haproxy"):
            runs = [r for r in rows if (r["threads"], r["mode"], r["proxy"]) == (threads, mode, proxy)]
            if not runs:
                continue
            rps = median([r["rps"] for r in runs])
            entry[proxy] = {
                "rps_median": rps,
                "rps_rounds": [r["rps"] for r in sorted(runs, key=lambda r: r["round"])],
                "p50_ms_median": median([r["p50_ms"] for r in runs]),
                "p99_ms_median": median([r["p99_ms"] for r in runs]),
                "cpu_pct_median": median([r["cpu_pct"] for r in runs]),
                # requests per second of proxy CPU: efficiency, less sensitive to the shared cores
                "rps_per_cpu_core": median([r["rps"] / (r["cpu_pct"] / 100) if r["cpu_pct"] > 0
                                            else float("nan") for r in runs]),
                "requests": sum(r["requests"] for r in runs),
                "non2xx": sum(r["non2xx"] for r in runs),
                "socket_errors": {k: sum(r["socket_errors"][k] for r in runs)
                                  for k in ("connect", "read", "write", "timeout")},
            }
        if "floe" in entry and "haproxy" in entry and entry["haproxy"]["rps_median"] > 0:
            entry["ratio_floe_haproxy"] = round(entry["floe"]["rps_median"] / entry["haproxy"]["rps_median"], 2)
            h, f = entry["haproxy"]["rps_per_cpu_core"], entry["floe"]["rps_per_cpu_core"]
            if h > 0 and not math.isnan(h) and not math.isnan(f):
                entry["efficiency_ratio_floe_haproxy"] = round(f / h, 2)
        out.append(entry)
    return out


def print_tables(summary, rows, meta):
    print()
    print(f"floe L4 vs HAProxy mode tcp — wrk -t 1 -c {meta.get('connections', '?')} "
          f"-d {meta.get('duration_s', '?')}s, {meta.get('rounds', '?')} alternating rounds, "
          f"medians over rounds")
    print(f"note: {meta.get('cores', '?')} cores shared by wrk, the proxy, two nginx and the "
          "router's forwarding: absolute req/s are low and noisy; compare the ratio and "
          "req/s per proxy core.")
    loads = [r["load1"] for r in rows if not math.isnan(r["load1"])]
    if loads and max(loads) > 2.5:
        print(f"warning: 1-minute load average up to {max(loads):.1f} during the runs (wrk, proxy "
              "and nginx alone make about 2): other work shared the CPUs; rerun on a quiet machine.")
    for e in summary:
        print()
        print(f"== threads {e['threads']}, {'keep-alive' if e['mode'] == 'keepalive' else 'Connection: close'}")
        print(f"  {'proxy':<8} {'req/s':>10} {'rounds':<28} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'CPU %':>6} {'req/s/core':>10} {'non-2xx':>7} {'sock err (c/r/w/t)':>18}")
        for proxy in ("floe", "haproxy"):
            p = e.get(proxy)
            if not p:
                continue
            rounds = " ".join(f"{v:.0f}" for v in p["rps_rounds"])
            se = p["socket_errors"]
            errs = f"{se['connect']}/{se['read']}/{se['write']}/{se['timeout']}"
            print(f"  {proxy:<8} {fmt(p['rps_median']):>10} {rounds:<28} {fmt(p['p50_ms_median'], 2):>7} "
                  f"{fmt(p['p99_ms_median'], 2):>7} {fmt(p['cpu_pct_median'], 1):>6} "
                  f"{fmt(p['rps_per_cpu_core']):>10} {p['non2xx']:>7} {errs:>18}")
        if "ratio_floe_haproxy" in e:
            line = f"  ratio floe/haproxy req/s: {e['ratio_floe_haproxy']:.2f}"
            if "efficiency_ratio_floe_haproxy" in e:
                line += f"   req/s per proxy core: {e['efficiency_ratio_floe_haproxy']:.2f}"
            print(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--problems", default="")
    ap.add_argument("--json", default="")
    ap.add_argument("--meta", nargs="*", default=[])
    args = ap.parse_args()
    meta = dict(m.split("=", 1) for m in args.meta)
    rows = load(args.results)
    summary = summarise(rows)
    problems = []
    if args.problems:
        try:
            with open(args.problems) as f:
                problems = [l.strip() for l in f if l.strip()]
        except OSError:
            pass
    print_tables(summary, rows, meta)
    if problems:
        print()
        print("problems seen during the run:")
        for p in problems:
            print(f"  - {p}")
    if args.json:
        doc = {"benchmark": "l4_vs_haproxy", "parameters": meta, "results": summary,
               "runs": rows, "problems": problems}
        with open(args.json, "w") as f:
            json.dump(no_nan(doc), f, indent=2)
            f.write("\n")
        print(f"\nresults written to {args.json}")
    return 0 if summary else 1


if __name__ == "__main__":
    sys.exit(main())
