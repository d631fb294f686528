"""Print the results in bench/results/*.json as the Markdown tables of docs/performance.md.

.venv/bin/python bench/report.py
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def yes(value) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[value]


def main() -> None:
    everything = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    runs = [r for r in everything if "endpoints" in r]  # bench_core.py's
    runs.sort(key=lambda r: (r["cases"], r["database"]))
    print("### Load\n")
    print(
        "| database | cases | wall s | cases/s (wall) | CPU ms/case (loader + workers + "
        "db backend) | cases per CPU s | load avg at start | audit chain verified | size MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in runs:
        load = r["load"]
        if "reused" in load:
            continue
        print(
            f"| {r['database']} | {r['cases']:,} | {load['seconds']:,} | "
            f"{load['cases_per_second']:,} | {load['cpu_ms_per_case']} | "
            f"{load['cases_per_cpu_second']:,} | {r['load_average_start'][0]:.1f} | "
            f"{yes(load.get('audit_chain_ok'))} | {r.get('database_size_mb', '')} |"
        )
    print("\n### Requests (Django test Client, API token; ms)\n")
    print(
        "| database | cases | user (cases visible) | request | p50 | p95 | queries | "
        "p50 ÷ primary-key read p50 |"
    )
    print("|---|---:|---|---|---:|---:|---|---:|")
    for r in runs:
        s1 = r["baselines"]["case_by_primary_key"]["p50_ms"]
        for label, e in r["endpoints"].items():
            who = f"{label.split(' ')[0]} ({e['visible_cases']:,})"
            for key, name in (
                ("list_first_page_25", "list, first page of 25"),
                ("list_second_page_25", "list, second page of 25"),
                ("detail", "detail"),
            ):
                m = e[key]
                queries = ", ".join(str(q) for q in m["queries"])
                print(
                    f"| {r['database']} | {r['cases']:,} | {who} | {name} | {m['p50_ms']} | "
                    f"{m['p95_ms']} | {queries} | {m['p50_ms'] / s1:,.1f} |"
                )
            sizes = e["list_by_page_size"]
            for size in ("10", "100"):
                m = sizes[size]
                queries = ", ".join(str(q) for q in m["queries"])
                print(
                    f"| {r['database']} | {r['cases']:,} | {who} | list, page of {size} | "
                    f"{m['p50_ms']} | {m['p95_ms']} | {queries} | {m['p50_ms'] / s1:,.1f} |"
                )
    print("\n### Baselines in the same runs (ms)\n")
    print("| database | cases | SELECT 1 p50 | SELECT 1 p95 | case by primary key p50 | p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in runs:
        b = r["baselines"]
        print(
            f"| {r['database']} | {r['cases']:,} | {b['select_1']['p50_ms']} | "
            f"{b['select_1']['p95_ms']} | {b['case_by_primary_key']['p50_ms']} | "
            f"{b['case_by_primary_key']['p95_ms']} |"
        )
    print("\n### Targets\n")
    print(
        "| database | cases | load ≥ 5,000/s | list and detail p95 ≤ 50 ms "
        "| queries same at 10/100 |"
    )
    print("|---|---:|---|---|---|")
    for r in runs:
        t = r["targets_met"]
        print(
            f"| {r['database']} | {r['cases']:,} | {yes(t['load_rate'])} | "
            f"{yes(t['list_and_detail_p95'])} | {yes(t['query_count_independent_of_page_size'])} |"
        )
    reports(
        sorted(
            (r for r in everything if r.get("benchmark") == "bench/bench_reports.py"),
            key=lambda r: (r["database"], r["cases"]),
        )
    )


def reports(runs: list[dict]) -> None:
    """bench/bench_reports.py: each report beside its raw SQL in the same run."""
    if not runs:
        return
    print("\n### Reports beside their raw SQL (ms; bench/bench_reports.py)\n")
    print(
        "| database | cases | year | report | complaints in year | report p50 | p95 | "
        "queries | raw SQL p50 | p95 | report ÷ raw (p50) | same figures | load avg |"
    )
    print("|---|---:|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|")
    for r in runs:
        for label, e in r["reports"].items():
            queries = ", ".join(str(q) for q in e["report"]["queries"])
            print(
                f"| {r['database']} | {r['cases']:,} | {r['year']} | {label} | "
                f"{e['complaints_received_in_year']:,} | {e['report']['p50_ms']:,.0f} | "
                f"{e['report']['p95_ms']:,.0f} | {queries} | {e['raw_sql']['p50_ms']:,.0f} | "
                f"{e['raw_sql']['p95_ms']:,.0f} | {e['ratio_p50']} | {yes(e['same_figures'])} | "
                f"{r['load_average_start'][0]:.1f} |"
            )
    print("\n| database | cases | bulk coding s | complaints coded | codes | targets met |")
    print("|---|---:|---:|---:|---:|---|")
    for r in runs:
        b = r["bulk_coding"]
        met = ", ".join(f"{k} {yes(v)}" for k, v in r["targets_met"].items())
        print(
            f"| {r['database']} | {r['cases']:,} | {b.get('seconds', 'reused')} | "
            f"{b.get('cases', b.get('reused', 0)):,} | {b.get('codes', '')} | {met} |"
        )


if __name__ == "__main__":
    main()
