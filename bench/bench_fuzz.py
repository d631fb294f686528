"""Schemathesis at length: tests/api/test_schema_fuzz.py with more generated requests per
operation than the test suite's 40 (200 by default: about 12,000 requests in all), on SQLite
or PostgreSQL, counted by kind (valid, invalid, fixed) and status, with failures and time.

    .venv/bin/python bench/bench_fuzz.py --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/candour_fuzz \\
        .venv/bin/python bench/bench_fuzz.py --db postgres

Writes bench/results/fuzz-<db>-<examples>.json (pytest's output in var/bench/);
docs/performance.md records the runs. The
same checks as the test suite (ADR 0013): no server error, every response as the schema
declares it, schema-valid input refused only by a documented rule, invalid input refused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/api/test_schema_fuzz.py"


def run(db: str, examples: int, workers: int) -> dict:
    env = dict(os.environ, CANDOUR_FUZZ_EXAMPLES=str(examples))
    if db == "sqlite":
        env.pop("DATABASE_URL", None)
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("--db postgres needs DATABASE_URL=postgres://... (a database name of your own)")
    with tempfile.TemporaryDirectory() as folder:
        env["CANDOUR_FUZZ_REPORT"] = folder
        junit = Path(folder) / "junit.xml"
        command = [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider"]
        command += ["-n", str(workers)] if workers > 1 else []
        command += [f"--junitxml={junit}"]
        started = time.perf_counter()
        finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        log = ROOT / "var" / "bench" / f"fuzz-{db}-{examples}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(finished.stdout + finished.stderr)
        suite = ET.parse(junit).getroot().find("testsuite")
        counts: Counter = Counter()
        operations = 0
        for path in Path(folder).glob("*.jsonl"):
            for line in path.read_text().splitlines():
                operations += 1
                counts.update(json.loads(line)["counts"])
    by_kind: Counter = Counter()
    by_status: Counter = Counter()
    for key, n in counts.items():
        kind, status = key.split()
        by_kind[kind] += n
        by_status[status] += n
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    return {
        "db": db,
        "examples_per_operation": examples,
        "operations": operations,
        "requests": sum(counts.values()),
        "by_kind": dict(sorted(by_kind.items())),
        "by_status": dict(sorted(by_status.items())),
        "server_errors": sum(n for status, n in by_status.items() if status.startswith("5")),
        "failed_operations": failed,
        "seconds": round(seconds, 1),
        "cpu_count": os.cpu_count(),
        "load_average_after": os.getloadavg()[0],
        "failures": [
            line for line in finished.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))
        ]
        + [line for line in finished.stdout.splitlines() if " - ST" in line][:40],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--examples", type=int, default=200, help="Generated per operation.")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers.")
    args = parser.parse_args()
    result = run(args.db, args.examples, args.workers)
    out = ROOT / "bench" / "results" / f"fuzz-{args.db}-{args.examples}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    sys.exit(1 if result["failed_operations"] or result["server_errors"] else 0)


if __name__ == "__main__":
    main()
