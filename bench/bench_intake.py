"""Concurrent intake: many clients recording new cases at once against `candour serve`.

    .venv/bin/python bench/bench_intake.py --db postgres
    .venv/bin/python bench/bench_intake.py --db sqlite --clients 20 --cases-per-client 50

In one run it
1. makes a bench database (SQLite var/bench/candour-bench-intake.sqlite3, or PostgreSQL
   `candour_bench_intake`, dropped and created), migrates it and loads the demo's
   organisations and logins with a few hundred demo cases; issues an API token for each
   complaints handler it uses;
2. starts the real server, `candour serve --workers W` (gunicorn), on 127.0.0.1;
3. runs C client threads at once, each recording new cases through the API as a complaints
   team does when post arrives: create the case, acknowledge it, add an issue, assign a
   handler: 4 writes a case, so 20 clients of 13 cases make 1,040 requests;
4. counts every answer by status, the server's errors and "deadlock detected" lines, the
   writes and new cases a second, and the latency of each kind of request; then checks the
   audit chain and that every case it created is there exactly once with its four events;
5. writes bench/results/intake-<db>.json.

The clients spread over the organisations given by --organisations (default: two trusts'
worth of sites, several clients on each, so that clients share an organisation's reference
sequence, its rows and the audit chain, as a real team's do).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_core  # noqa: E402  (the bench directory is not a package)

bench_core.PG_DATABASE = os.environ.get("CANDOUR_BENCH_DATABASE", "candour_bench_intake")

# (organisation, the handler who records and is assigned): every client of an organisation
# records as that handler; the demo's complaints managers and heads of healthcare.
HANDLERS = {
    "EXHT": "trust.manager",
    "EVMP": "gp.manager",
    "EXSC": "clinic.manager",
    "ESHM": "moor.hoh",
    "ESHF": "fell.hoh",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--cases-per-client", type=int, default=13)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers.")
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--organisations", default="EXHT,EVMP,EXSC,ESHM")
    parser.add_argument("--demo-cases", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=300, help="Seconds for the whole run.")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    bench_core.configure(args.db, 0, args.reuse)
    if args.db == "sqlite":
        path = ROOT / "var" / "bench" / "candour-bench-intake.sqlite3"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    from candour import demo
    from candour.organisations.models import ApiToken

    result = bench_core.header(
        "bench_intake.py",
        args.db,
        args.clients * args.cases_per_client,
        clients=args.clients,
        workers=args.workers,
    )
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not args.reuse:
        demo.run_demo(args.demo_cases, extras=False)
    organisations = args.organisations.split(",")
    users = demo.ensure_logins(demo.ensure_organisations())
    tokens = {
        code: ApiToken.issue(users[HANDLERS[code]], "bench_intake")[1] for code in organisations
    }
    from django.db import connections

    connections.close_all()

    server_log = ROOT / "var" / "bench" / f"intake-server-{args.db}.log"
    env = dict(os.environ, CANDOUR_ALLOWED_HOSTS="127.0.0.1,localhost")
    server = bench_core.start_server(args.port, args.workers, env, server_log)
    try:
        run = drive(args, organisations, tokens)
    finally:
        bench_core.stop_server(server)

    text = server_log.read_text(errors="replace")
    run["server_log"] = {
        "deadlock detected": text.count("deadlock detected"),
        "could not serialize": text.count("could not serialize"),
        "Traceback": text.count("Traceback"),
        "errors logged": text.count('"level": "ERROR"'),
        "answered 5xx": len(re.findall(r'"status": 5\d\d', text)),
    }
    run["checks"] = check_records(run.pop("created"))
    result.update(run)
    out = ROOT / "bench" / "results" / f"intake-{args.db}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


class Client:
    """One member of staff's API client: a kept-alive connection and their token."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: dict) -> tuple[int, dict | None, float]:
        data = json.dumps(body).encode()
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
        }
        started = time.perf_counter()
        try:
            self.conn.request("POST", path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, None, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, parsed, elapsed


def drive(args, organisations: list[str], tokens: dict[str, str]) -> dict:
    statuses: Counter = Counter()
    latencies: dict[str, list[float]] = {}
    created: list[tuple[str, str]] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.timeout
    start_gate = threading.Barrier(args.clients)

    def note(kind: str, status: int, elapsed: float, body) -> None:
        with lock:
            statuses[f"{kind} {status}"] += 1
            latencies.setdefault(kind, []).append(elapsed)
            if status >= 500 or status == 0 or (status >= 400 and len(errors) < 20):
                errors.append(f"{kind} {status}: {str(body)[:200]}")

    def client(number: int) -> None:
        code = organisations[number % len(organisations)]
        me = Client(args.port, tokens[code])
        handler = HANDLERS[code]
        start_gate.wait()
        for i in range(args.cases_per_client):
            if time.monotonic() > deadline:
                return
            status, body, elapsed = me.post(
                "/api/v1/cases",
                {
                    "organisation": code,
                    "kind": "complaint",
                    "channel": "letter",
                    "received_at": datetime.now(UTC).isoformat(),
                    "description": f"Bench intake {number}-{i}: a letter about a missed "
                    "appointment and how the call was handled.",
                    "complainant": {"first_name": "Alex", "last_name": f"Benchley{number}"},
                },
            )
            note("create", status, elapsed, body)
            if status != 201:
                continue
            reference = body["reference"]
            with lock:
                created.append((code, reference))
            base = f"/api/v1/cases/{reference}"
            for kind, path, payload in (
                ("acknowledge", f"{base}/acknowledge", {"method": "letter"}),
                ("issue", f"{base}/issues", {"description": "The call was not returned."}),
                ("assign", f"{base}/handler", {"handler": handler}),
            ):
                status, body, elapsed = me.post(path, payload)
                note(kind, status, elapsed, body)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    requests = sum(statuses.values())
    ok = sum(n for key, n in statuses.items() if key.split()[1].startswith("2"))
    return {
        "wall_s": round(wall, 2),
        "requests": requests,
        "answered_2xx": ok,
        "answered_5xx": sum(n for key, n in statuses.items() if key.split()[1].startswith("5")),
        "no_answer": sum(n for key, n in statuses.items() if key.endswith(" 0")),
        "statuses": dict(sorted(statuses.items())),
        "writes_per_s": round(ok / wall, 1),
        "new_cases_per_s": round(len(created) / wall, 1),
        "latency_ms": {
            kind: bench_core.summary(values) for kind, values in sorted(latencies.items())
        },
        "first_errors": errors[:20],
        "created": created,
    }


def check_records(created: list[tuple[str, str]]) -> dict:
    """Every case the clients were told was created is there once, with its events, and the
    audit chain verifies."""
    from candour.audit.chain import verify
    from candour.audit.models import AuditEvent
    from candour.cases.models import Case

    references = [ref for _, ref in created]
    cases = Case.objects.filter(reference__in=references)
    events = Counter(
        AuditEvent.objects.filter(case__reference__in=references).values_list("event", flat=True)
    )
    chain = verify()
    return {
        "cases_created": len(references),
        "distinct_references": len(set(references)),
        "cases_found": cases.count(),
        "events": dict(sorted(events.items())),
        "chain_ok": chain.ok,
        "chain_events": chain.checked,
        "chain_problems": chain.problems[:5],
    }


if __name__ == "__main__":
    main()
