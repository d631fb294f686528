"""Core benchmark: demo load rate, then the case list and case detail API at scale.

    .venv/bin/python bench/bench_core.py --cases 100000 --db sqlite
    .venv/bin/python bench/bench_core.py --cases 1000000 --db postgres

In one run it
1. makes a separate bench database (SQLite: var/bench/candour-bench-<N>.sqlite3;
   PostgreSQL: `candour_bench`, or $CANDOUR_BENCH_DATABASE, on
   postgres://postgres@127.0.0.1:5432, dropped and created),
   migrates it and loads N demo cases with `candour.demo`, timing the load (wall clock, and
   CPU seconds of the loader, its planning processes and the PostgreSQL backend);
2. loads the application as a gunicorn worker does (serve_as_a_worker) and times, through
   Django's test Client with an API token, for a site-level user and a
   national-level user: the first page of GET /api/v1/cases?sort=response_due&limit=25, the
   second page, and GET /api/v1/cases/{ref} for random cases it can see, counting queries;
3. compares the query count at page sizes 10 and 100 (they must be equal);
4. times trivial round trips in the same run (SELECT 1, a primary-key read) so the results
   can be read as ratios on a shared, noisy machine;
5. prints each list query's plan (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE) and writes
   everything to bench/results/<db>-<N>.json.

The machine is shared: read the ratios as well as the milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
# CANDOUR_BENCH_DATABASE names another database, so that two benchmarks can run side by side.
PG_DATABASE = os.environ.get("CANDOUR_BENCH_DATABASE", "candour_bench")
TARGETS = {"load_rate": 5000, "p95_ms": 50}


def configure(db: str, cases: int, reuse: bool) -> Path | None:
    """Point Django at the bench database before it is imported."""
    os.environ["CANDOUR_DEBUG"] = "0"
    os.environ["CANDOUR_SECRET_KEY"] = "bench-only-not-secret"
    os.environ["CANDOUR_SSL_REDIRECT"] = "0"
    os.environ["CANDOUR_ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "candour.config.settings"
    # Production mode needs the audit key (docs/adr/0014); the bench keeps its own, and its
    # own checkpoint file for each database, begun afresh with it.
    bench = ROOT / "var" / "bench"
    from candour.audit.keys import create_key_file

    create_key_file(bench / "audit.key", exist_ok=True)
    os.environ["CANDOUR_AUDIT_KEY_FILE"] = str(bench / "audit.key")
    database = f"candour-bench-{cases}" if db == "sqlite" else PG_DATABASE
    checkpoints = bench / f"audit-checkpoints-{database}.log"
    os.environ["CANDOUR_AUDIT_CHECKPOINT_FILE"] = str(checkpoints)
    if not reuse:
        checkpoints.unlink(missing_ok=True)
    if db == "sqlite":
        path = ROOT / "var" / "bench" / f"candour-bench-{cases}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return path
    import psycopg

    if not reuse:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    return None


def serve_as_a_worker() -> None:
    """Load the application as each gunicorn worker does (candour.config.wsgi, which also
    freezes what is loaded out of the garbage collector's way), so that requests are timed
    as they are served. Called once the bench data is loaded, before anything is timed."""
    import candour.config.wsgi  # noqa: F401


def verified_client(user):
    """A Django test Client signed in as `user` with the second factor verified, as the
    sign-in pages leave a session after the password and the code (tests/conftest.py
    `sign_in`). Its session cookie is a real session in the database, which a real server
    accepts as well (bench/bench_load.py)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from candour.organisations import two_factor

    device = two_factor.ensure_device(user, two_factor.DEMO_KEY)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def start_server(port: int, workers: int, env: dict, log_path: Path) -> subprocess.Popen:
    """The real server, `candour serve --no-migrate` (gunicorn) on 127.0.0.1:`port` with
    `env`, its output in `log_path`; returned once /readyz says it is ready (database,
    migrations, static files). Stop it with `stop_server`."""
    command = [
        str(Path(sys.executable).parent / "candour"),
        "serve",
        "--no-migrate",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped together, by its id
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (exit {server.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    print(f"Server up at http://127.0.0.1:{port}/", flush=True)
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"The server was not ready within 120 s; see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server started by `start_server`, its workers with it."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(times: list[float], queries: list[int] | None = None) -> dict:
    out = {
        "n": len(times),
        "p50_ms": round(percentile(times, 50) * 1000, 3),
        "p95_ms": round(percentile(times, 95) * 1000, 3),
        "max_ms": round(max(times) * 1000, 3),
        "mean_ms": round(statistics.fmean(times) * 1000, 3),
    }
    if queries is not None:
        out["queries"] = sorted(set(queries))
    return out


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if "model name" in ln
        )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    info["cores"] = os.cpu_count()
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    return info


def backend_cpu_seconds(pid: int | None) -> float:
    """CPU seconds used so far by a PostgreSQL backend process on this machine."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def header(script: str, db: str, cases: int, *, with_version: bool = True, **extra) -> dict:
    """What every bench result starts with: the command, when, where, the commit and the load
    average; with the database's version when Django is set up (and prints it)."""
    result = {
        "benchmark": f"bench/{script}",
        "command": " ".join([".venv/bin/python", f"bench/{script}", *sys.argv[1:]]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": db,
        "cases": cases,
        "machine": machine(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip(),
        "load_average_start": os.getloadavg(),
        **extra,
    }
    if with_version:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT version()"
                if connection.vendor == "postgresql"
                else "SELECT 'SQLite ' || sqlite_version()"
            )
            result["database_version"] = cursor.fetchone()[0]
        print(f"{result['database_version']}; {result['machine']}", flush=True)
    return result


def own_cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200, help="Timed requests per test.")
    parser.add_argument("--workers", type=int, default=None, help="Planning processes.")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep an existing bench database and its data."
    )
    args = parser.parse_args()

    sqlite_path = configure(args.db, args.cases, args.reuse)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from candour import demo
    from candour.audit.chain import verify
    from candour.cases.access import cases_for
    from candour.cases.models import Case
    from candour.organisations.models import ApiToken

    result = header("bench_core.py", args.db, args.cases, targets=TARGETS)

    call_command("migrate", verbosity=0)
    organisations = demo.ensure_organisations()
    demo.ensure_logins(organisations)

    existing = Case.objects.count()
    if args.reuse and existing >= args.cases:
        print(f"Reusing {existing:,} cases already loaded.", flush=True)
        result["load"] = {"reused": existing}
    else:
        workers = demo.default_workers() if args.workers is None else args.workers
        pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
        cpu0, backend0 = own_cpu_seconds(), backend_cpu_seconds(pid)
        last_print = [0.0]

        def progress(done: int, total: int, rate: float) -> None:
            now = time.perf_counter()
            if now - last_print[0] > 10 or done == total:
                last_print[0] = now
                print(f"  {done:,} of {total:,} cases ({rate:,.0f} cases/s)", flush=True)

        print(f"Loading {args.cases:,} cases with {workers} planning processes…", flush=True)
        loaded = demo.load_cases(
            args.cases,
            seed=args.seed,
            batch_size=args.batch_size,
            workers=workers,
            progress=progress,
        )
        cpu = own_cpu_seconds() - cpu0
        backend = backend_cpu_seconds(pid) - backend0
        result["load"] = {
            "seconds": round(loaded.seconds, 1),
            "cases_per_second": round(loaded.rate),
            "rows": loaded.rows,
            "workers": workers,
            "batch_size": args.batch_size,
            "cpu_seconds_loader": round(cpu, 1),
            "cpu_seconds_database_backend": round(backend, 1),
            "cpu_ms_per_case": round((cpu + backend) / args.cases * 1000, 3),
            "cases_per_cpu_second": round(args.cases / (cpu + backend)),
        }
        print(f"Loaded: {result['load']}", flush=True)
        check = verify(batch_size=20000, max_problems=5)
        result["load"]["audit_chain_ok"] = check.ok
        result["load"]["audit_events_checked"] = check.checked
        print(f"Audit chain verified: {check.ok} ({check.checked:,} events)", flush=True)
    if sqlite_path:
        result["database_size_mb"] = round(sqlite_path.stat().st_size / 2**20)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            result["database_size_mb"] = round(cursor.fetchone()[0] / 2**20)

    # --- request timings --------------------------------------------------------------------
    from django.contrib.auth import get_user_model

    serve_as_a_worker()

    rng = random.Random(args.seed)
    users = {
        "site (moor.hoh, HMP Example Moor)": get_user_model().objects.get(username="moor.hoh"),
        "national (national.reviewer, all Example Secure Health)": get_user_model().objects.get(
            username="national.reviewer"
        ),
    }
    n = args.requests

    def timed(fn, count: int) -> tuple[list[float], list[int]]:
        times, queries = [], []
        for i in range(count):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                fn(i)
                times.append(time.perf_counter() - t)
            queries.append(len(ctx.captured_queries))
        return times, queries

    # Baselines in the same run: one round trip, one primary-key read.
    def select_one(_):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    highest = Case.objects.order_by("-pk").values_list("pk", flat=True).first()

    def by_pk(_):
        Case.objects.filter(pk__gte=rng.randrange(1, highest + 1)).order_by("pk").first()

    timed(select_one, 20)
    baselines = {
        "select_1": summary(timed(select_one, n)[0]),
        "case_by_primary_key": summary(timed(by_pk, n)[0]),
    }
    result["baselines"] = baselines
    print(f"Baselines: {baselines}", flush=True)

    result["endpoints"] = {}
    result["explain"] = {}

    def measure(label: str, user) -> None:
        _, token = ApiToken.issue(user, "bench")
        client = Client(headers={"authorization": f"Bearer {token}"})
        visible = cases_for(user)
        refs = []
        for _ in range(n):
            ref = (
                visible.filter(pk__gte=rng.randrange(1, highest + 1))
                .order_by("pk")
                .values_list("reference", flat=True)
                .first()
            ) or visible.order_by("pk").values_list("reference", flat=True).first()
            refs.append(ref)
        visible_count = visible.count()

        def get(url: str, expect: int = 200) -> dict:
            response = client.get(url)
            if response.status_code != expect:
                raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
            return response.json()

        first = get("/api/v1/cases?sort=response_due&limit=25")
        cursor = first["next_cursor"]
        for _ in range(10):  # warm up caches and the connection
            get("/api/v1/cases?sort=response_due&limit=25")
            get(f"/api/v1/cases/{refs[0]}")
        list_times, list_queries = timed(
            lambda _: get("/api/v1/cases?sort=response_due&limit=25"), n
        )
        next_times, next_queries = timed(
            lambda _: get(f"/api/v1/cases?sort=response_due&limit=25&cursor={cursor}"), n
        )
        detail_times, detail_queries = timed(lambda i: get(f"/api/v1/cases/{refs[i]}"), n)
        sizes = {}
        for size in (10, 25, 100):
            times, queries = timed(
                lambda _, size=size: get(f"/api/v1/cases?sort=response_due&limit={size}"),
                max(20, n // 4),
            )
            sizes[size] = summary(times, queries)
        # The fewest queries a request made: the API token's last-used time is written at
        # most once a minute, which adds one query to whichever request falls on it.
        counts_equal = min(sizes[10]["queries"]) == min(sizes[100]["queries"])
        entry = {
            "visible_cases": visible_count,
            "list_first_page_25": summary(list_times, list_queries),
            "list_second_page_25": summary(next_times, next_queries),
            "detail": summary(detail_times, detail_queries),
            "list_by_page_size": sizes,
            "query_count_independent_of_page_size": counts_equal,
        }
        select1_p95 = baselines["select_1"]["p95_ms"] or 1e-9
        entry["list_p95_over_select_1_p95"] = round(
            entry["list_first_page_25"]["p95_ms"] / select1_p95, 1
        )
        entry["detail_p95_over_select_1_p95"] = round(entry["detail"]["p95_ms"] / select1_p95, 1)
        result["endpoints"][label] = entry
        print(f"\n{label}: {visible_count:,} cases visible", flush=True)
        for key in ("list_first_page_25", "list_second_page_25", "detail"):
            print(f"  {key:22} {entry[key]}", flush=True)
        print(f"  page sizes 10/25/100: {sizes}", flush=True)
        print(f"  query count independent of page size: {counts_equal}", flush=True)

        # The plan of the list query itself (the one that orders the cases).
        with CaptureQueriesContext(connection) as ctx:
            get("/api/v1/cases?sort=response_due&limit=25")
        list_sql = next(
            q["sql"]
            for q in ctx.captured_queries
            if "ORDER BY" in q["sql"] and '"cases_case"' in q["sql"].split("FROM", 1)[1][:40]
        )
        with connection.cursor() as c:
            if connection.vendor == "postgresql":
                c.execute("EXPLAIN (ANALYZE, BUFFERS) " + list_sql)
                plan = [r[0] for r in c.fetchall()]
            else:
                c.execute("EXPLAIN QUERY PLAN " + list_sql)
                plan = [" ".join(str(x) for x in r) for r in c.fetchall()]
        result["explain"][label] = {"sql": list_sql, "plan": plan}
        print("  list query plan:\n    " + "\n    ".join(plan), flush=True)

    for label, user in users.items():
        measure(label, user)

    result["load_average_end"] = os.getloadavg()
    load_rate = result["load"].get("cases_per_second")
    result["targets_met"] = {
        "load_rate": None if load_rate is None else load_rate >= TARGETS["load_rate"],
        "list_and_detail_p95": all(
            e[k]["p95_ms"] <= TARGETS["p95_ms"]
            for e in result["endpoints"].values()
            for k in ("list_first_page_25", "detail")
        ),
        "query_count_independent_of_page_size": all(
            e["query_count_independent_of_page_size"] for e in result["endpoints"].values()
        ),
    }
    print(f"\nTargets met: {result['targets_met']}", flush=True)
    out = ROOT / "bench" / "results" / f"{args.db}-{args.cases}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"Written {out.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
