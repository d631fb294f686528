"""Load test: 200 signed-in staff users and bursts of the public feedback form against the
real server (gunicorn) on PostgreSQL, driven by Locust (bench/locustfile.py).

    .venv/bin/python bench/bench_load.py                       # 1,000,000 cases, then the run
    .venv/bin/python bench/bench_load.py --reuse               # keep the loaded database
    .venv/bin/python bench/bench_load.py --cases 20000 --run-time 60 --debug

In one run it
1. makes (or with --reuse keeps) the PostgreSQL bench database `candour_bench_load` (or the
   one $CANDOUR_BENCH_DATABASE names), loads N demo cases with `candour.demo` as
   bench/bench_web.py does, then the demo's letters, action plans and lessons on a sample
   (`candour.demo_extras`), so that the letters pages have letters;
2. signs in, as a set-up step and not timed, one session per Locust staff user, verified by
   the second factor (bench_core.verified_client), going round the demo's logins so every
   role and organisation takes part; each session gets its own cases to read and its own
   open cases to act on (none shared between sessions, so two users never race for one
   acknowledgement) and the one case its login's sessions share (bench/locustfile.py acts
   on it with actions that cannot be refused for being done before), search terms from
   those cases, its letters, and whether it sees reports;
3. starts the real server, `candour serve --no-migrate --bind 127.0.0.1:PORT --workers W`,
   on the bench database in production mode (`--debug` for CANDOUR_DEBUG=1), with
   CANDOUR_CLIENT_ADDRESS_HEADER=HTTP_X_REAL_IP: the load arrives as from the documented
   reverse proxy, which ends TLS (X-Forwarded-Proto: https) and sets X-Real-IP;
4. runs Locust headless, bounded in time: the staff users ramp up at --spawn-rate, then
   --run-time seconds are measured with every user running; the public users fill in the
   whole feedback form together once a minute, each with its own address;
5. stops the server and writes bench/results/load-postgres-<N>.json: per request name the
   count, failures (with their messages), p50, p95, p99 and max, over the measured window
   (after the ramp) and for the whole run; requests per second; PostgreSQL's deadlock count
   for the database over the run; the server log's counts of tracebacks, deadlocks and 5xx;
   the CPU the server used; the workers and users; the machine and its load average before,
   during and after.

Only 127.0.0.1 is used. The machine is shared: read the load average beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from itertools import zip_longest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_core  # noqa: E402  (the bench directory is not a package)
import bench_web  # noqa: E402

# After bench_web, which names its own database on import.
bench_core.PG_DATABASE = os.environ.get("CANDOUR_BENCH_DATABASE", "candour_bench_load")
TARGET_P95_MS = 300
VAR = ROOT / "var" / "bench"
# Words of the demo's complaints (candour.demo ISSUES), and one no case uses.
WORDS = ["appointment", "reception staff", "prescription", "discharged", "telephone"]
READ_CASES = 60  # cases a session reads
ACT_CASES = 30  # open cases a session may act on


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="Keep an existing bench database.")
    parser.add_argument("--users", type=int, default=200, help="Staff users.")
    parser.add_argument("--public-users", type=int, default=20, help="Public form users.")
    parser.add_argument("--spawn-rate", type=float, default=4, help="Users started a second.")
    parser.add_argument(
        "--run-time", type=int, default=180, help="Seconds measured after the ramp."
    )
    parser.add_argument(
        "--wait", default="3,10", help="Staff think time between acts, seconds: MIN,MAX."
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4 threads each).")
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument(
        "--debug",
        action="store_true",
        help="Serve with CANDOUR_DEBUG=1 (default: production settings, CANDOUR_DEBUG=0).",
    )
    parser.add_argument("--load-workers", type=int, default=None, help="Planning processes.")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="", help="Added to the result file's name.")
    parser.add_argument(
        "--prepare-only", action="store_true", help="Load the bench database, then stop."
    )
    args = parser.parse_args()
    wait = tuple(float(x) for x in args.wait.split(","))

    bench_core.configure("postgres", args.cases, args.reuse)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from candour import demo, demo_extras
    from candour.cases.models import Case
    from candour.letters.models import Letter

    call_command("migrate", verbosity=0)
    organisations = demo.ensure_organisations()
    demo.ensure_logins(organisations)
    result = bench_core.header(
        "bench_load.py",
        "postgres",
        args.cases,
        target_p95_ms=TARGET_P95_MS,
        mode="debug (CANDOUR_DEBUG=1)" if args.debug else "production (CANDOUR_DEBUG=0)",
        gunicorn_workers=args.workers,
        gunicorn_threads=4,
        staff_users=args.users,
        public_users=args.public_users,
        spawn_rate=args.spawn_rate,
        measured_seconds=args.run_time,
        staff_think_time_s=wait,
    )
    existing = Case.objects.count()
    if args.reuse and existing >= args.cases:
        print(f"Reusing {existing:,} cases already loaded.", flush=True)
        result["load"] = {"reused": existing}
    else:
        result["load"] = bench_web.load(_load_args(args), demo, connection)
    if not Letter.objects.exists():
        print("Letters, action plans and lessons on a sample (demo extras)…", flush=True)
        began = time.perf_counter()
        print(demo_extras.enrich(organisations, seed=args.seed).summary(), flush=True)
        result["load"]["extras_seconds"] = round(time.perf_counter() - began, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        result["database_size_mb"] = round(cursor.fetchone()[0] / 2**20)
    result["cases_in_database"] = Case.objects.count()
    if args.prepare_only:
        print(f"Prepared {result['cases_in_database']:,} cases: {result['load']}", flush=True)
        return

    print(f"Signing in {args.users} staff sessions…", flush=True)
    plan = sessions_plan(args, wait)
    result["sessions_by_login"] = dict(Counter(s["username"] for s in plan["sessions"]))
    VAR.mkdir(parents=True, exist_ok=True)
    plan_path = VAR / "load-plan.json"
    plan_path.write_text(json.dumps(plan))
    connection.close()

    log_path = VAR / f"load-server-{args.cases}.log"
    deadlocks_before = pg_deadlocks()
    print(f"Starting serve --workers {args.workers} ({'debug' if args.debug else 'production'})…")
    server = bench_core.start_server(args.port, args.workers, server_environment(args), log_path)
    try:
        started = server_cpu_seconds(server.pid) or 0.0  # starting: collectstatic, workers
        result.update(run_locust(args, plan_path, server))
        used = server_cpu_seconds(server.pid)
        result["server_cpu_seconds"] = used and round(used - started, 1)
    finally:
        bench_core.stop_server(server)
    count = result["whole_run"]["overall"]["count"]
    if result["server_cpu_seconds"] and count:
        server_ms = result["server_cpu_seconds"] / count * 1000
        database_ms = result["postgres_backends_cpu_seconds"] / count * 1000
        result["cpu_ms_per_request"] = {
            "server": round(server_ms, 1),
            "postgres": round(database_ms, 1),
            "both": round(server_ms + database_ms, 1),
        }
    result["postgres_deadlocks_during_run"] = pg_deadlocks() - deadlocks_before
    result["server_log"] = server_log_counts(log_path)
    result["load_average_end"] = os.getloadavg()
    measured = result["measured"]["overall"]
    result["target_met"] = (
        measured["p95_ms"] <= TARGET_P95_MS
        and measured["failures"] == 0
        and result["server_log"]["tracebacks"] == 0
        and result["server_log"]["responses_5xx"] == 0
    )
    print_summary(result)
    label = f"-{args.label}" if args.label else ""
    out = ROOT / "bench" / "results" / f"load-postgres-{args.cases}{label}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"Written {out.relative_to(ROOT)}", flush=True)


def _load_args(args) -> argparse.Namespace:
    """What bench_web.load reads, under its names."""
    return argparse.Namespace(
        cases=args.cases, seed=args.seed, batch_size=args.batch_size, workers=args.load_workers
    )


# --- the sessions and what each works on ----------------------------------------------------


def sessions_plan(args, wait: tuple[float, float]) -> dict:
    """One signed-in session a staff user, with its own cases, searches and letters."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from candour import demo
    from candour.cases.access import cases_for
    from candour.cases.models import Case, CaseParty
    from candour.cases.workflow import OPEN_STATUSES
    from candour.letters.access import letters_for
    from candour.organisations.access import organisations_for
    from candour.organisations.models import Capability
    from candour.reporting.catalogue import latest_periods

    # Other cases each run, so that runs on one database do not pile actions on the same ones.
    rng = random.Random(f"{args.seed}/{time.time()}")
    users = get_user_model().objects.in_bulk(
        [s.username for s in demo.LOGINS], field_name="username"
    )
    highest = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    taken: set[int] = set()
    month = latest_periods()["monthly"]
    # How many sessions each login has: round the logins, so every role takes part.
    counts = Counter(demo.LOGINS[i % len(demo.LOGINS)].username for i in range(args.users))
    by_login: dict[str, list] = defaultdict(list)
    for spec in demo.LOGINS:
        n = counts[spec.username]
        if not n:
            continue
        user = users[spec.username]
        probe = rng.sample(range(1, highest + 1), min(highest, 20_000))
        visible = list(
            cases_for(user).filter(pk__in=probe).values_list("pk", "reference", "status")
        )
        acting = set(
            (cases_for(user, Capability.HANDLE_CASES) | cases_for(user, Capability.INVESTIGATE))
            .filter(pk__in=[pk for pk, _, status in visible if status in OPEN_STATUSES])
            .values_list("pk", flat=True)
        )
        rng.shuffle(visible)
        free = [(pk, ref) for pk, ref, _ in visible if pk not in taken]
        act = [(pk, ref) for pk, ref in free if pk in acting][: ACT_CASES * n + 1]
        taken.update(pk for pk, _ in act)
        # One case the login's sessions all act on now and then, as colleagues on one case.
        shared = act.pop()[1] if len(act) > n else ""
        read = [(pk, ref) for pk, ref in free if pk not in acting][: READ_CASES * n]
        surnames = sorted(
            set(
                CaseParty.objects.filter(case_id__in=[pk for pk, _ in read[:200]])
                .exclude(person__last_name="")
                .values_list("person__last_name", flat=True)
            )
        )
        letters = list(letters_for(user).order_by("pk").values_list("case__reference", "pk")[:200])
        reports = organisations_for(user, Capability.VIEW_REPORTS)
        report = reports.order_by("path").values_list("code", flat=True).first()
        for i in range(n):
            client = bench_core.verified_client(user)
            by_login[spec.username].append(
                {
                    "username": spec.username,
                    "organisation": spec.organisation,
                    "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "read": [ref for _, ref in read[i::n]],
                    "act": [ref for _, ref in act[i::n]],
                    "shared": shared,
                    "surnames": surnames,
                    "words": WORDS,
                    "letters": letters,
                    "report": f"/reports/{report}/monthly/{month}/" if report else "",
                }
            )
    # Interleaved, so that the users Locust starts first are of every login.
    sessions = [s for group in zip_longest(*by_login.values()) for s in group if s]
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "secure": not args.debug,
        "wait": wait,
        "public_users": args.public_users,
        "public_organisations": [o.code for o in demo.ORGANISATIONS],
        "run": rng.randrange(256),
        "sessions": sessions,
    }


# --- the server ---------------------------------------------------------------------------


def server_environment(args) -> dict:
    """The environment of a production deployment behind the documented reverse proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANDOUR_", "DJANGO_"))}
    env.update(
        DATABASE_URL=os.environ["DATABASE_URL"],
        CANDOUR_DEBUG="1" if args.debug else "0",
        # The key the sessions were signed in with (bench_core.configure): a session keeps a
        # hash of the user's password made with it, and another key would sign them out.
        CANDOUR_SECRET_KEY=os.environ["CANDOUR_SECRET_KEY"],
        CANDOUR_ALLOWED_HOSTS="127.0.0.1",
        CANDOUR_CLIENT_ADDRESS_HEADER="HTTP_X_REAL_IP",
        # The bench's own audit key and checkpoint file (bench_core.configure).
        CANDOUR_AUDIT_KEY_FILE=os.environ["CANDOUR_AUDIT_KEY_FILE"],
        CANDOUR_AUDIT_CHECKPOINT_FILE=os.environ["CANDOUR_AUDIT_CHECKPOINT_FILE"],
    )
    return env


def server_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used by the gunicorn master and its workers so far."""
    import psutil  # Locust's dependency

    try:
        master = psutil.Process(pid)
        total = 0.0
        for process in [master, *master.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return round(total, 1)
    except psutil.Error:
        return None


def server_log_counts(path: Path) -> dict:
    text = path.read_text(errors="replace")
    statuses = Counter()
    for match in re.finditer(r'" (\d{3}) ', text):
        statuses[match.group(1)[0] + "xx"] += 1
    return {
        "tracebacks": text.count("Traceback"),
        "deadlocks": text.lower().count("deadlock"),
        "responses_5xx": statuses["5xx"],
        "responses_by_class": dict(sorted(statuses.items())),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "log": str(path.relative_to(ROOT)),
    }


def postgres_cpu_seconds(seen: dict[int, float]) -> None:
    """Note in `seen` the CPU seconds used so far by each PostgreSQL backend connected to
    the bench database. The server's connections last a minute (CONN_MAX_AGE), so noting
    them every few seconds through the run loses little of their time."""
    import psycopg

    with psycopg.connect(f"{bench_core.PG_SERVER}/postgres", autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (bench_core.PG_DATABASE,),
        ).fetchall()
    for (pid,) in pids:
        seen[pid] = max(seen.get(pid, 0.0), bench_core.backend_cpu_seconds(pid))


def pg_deadlocks() -> int:
    import psycopg

    with psycopg.connect(f"{bench_core.PG_SERVER}/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s",
            (bench_core.PG_DATABASE,),
        ).fetchone()
    return int(row[0]) if row else 0


# --- Locust -------------------------------------------------------------------------------


def run_locust(args, plan_path: Path, server: subprocess.Popen) -> dict:
    users = args.users + args.public_users
    ramp = users / args.spawn_rate
    run_time = round(ramp + args.run_time)
    samples_path = VAR / "load-samples.json"
    samples_path.unlink(missing_ok=True)
    locust = Path(sys.executable).parent / "locust"
    command = [
        str(locust),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(args.spawn_rate),
        "--run-time",
        f"{run_time}s",
        "--stop-timeout",
        "40",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = dict(os.environ, CANDOUR_LOAD_PLAN=str(plan_path), CANDOUR_LOAD_SAMPLES=str(samples_path))
    print(
        f"Locust: {args.users} staff users and {args.public_users} public users, ramp "
        f"{ramp:.0f} s, then {args.run_time} s measured…",
        flush=True,
    )
    locust_log = VAR / f"load-locust-{args.cases}.log"
    loads: list[float] = []
    backends: dict[int, float] = {}
    with locust_log.open("w") as log:
        runner = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + run_time + 120
        while runner.poll() is None:
            if time.monotonic() > deadline:
                runner.terminate()
                runner.wait(timeout=30)
                raise SystemExit(f"Locust did not stop in time; see {locust_log}")
            if server.poll() is not None:
                runner.terminate()
                raise SystemExit("The server stopped during the run")
            loads.append(os.getloadavg()[0])
            postgres_cpu_seconds(backends)
            time.sleep(5)
    if not samples_path.exists():
        raise SystemExit(f"Locust wrote no samples; see {locust_log}")
    recorded = json.loads(samples_path.read_text())
    log_text = locust_log.read_text(errors="replace")
    out = {
        "postgres_backends_cpu_seconds": round(sum(backends.values()), 1),
        "locust_exit_code": runner.returncode,
        "locust_log": str(locust_log.relative_to(ROOT)),
        "locust_cpu_warnings": log_text.count("CPU usage"),
        "load_average_1min_during": {
            "min": min(loads, default=None),
            "max": max(loads, default=None),
            "mean": round(sum(loads) / len(loads), 2) if loads else None,
        },
    }
    spawned = recorded["spawned_at"] or recorded["started_at"]
    ended = recorded["stopping_at"] or recorded["stopped_at"]
    samples = recorded["samples"]
    measured = [s for s in samples if spawned <= s[0] <= ended]
    out["ramp_seconds"] = round(spawned - recorded["started_at"], 1)
    out["measured"] = figures(measured, ended - spawned)
    out["whole_run"] = figures(samples, recorded["stopped_at"] - recorded["started_at"])
    return out


def figures(samples: list, seconds: float) -> dict:
    """Per request name and overall: count, failures, p50/p95/p99/max; requests a second."""
    by_name: dict[str, list] = defaultdict(list)
    for sample in samples:
        by_name[sample[1]].append(sample)

    def stats(rows: list) -> dict:
        times = [r[2] / 1000 for r in rows]
        errors = Counter(r[3] for r in rows if r[3])
        base = bench_core.summary(times)
        return {
            "count": len(rows),
            "failures": sum(errors.values()),
            "p50_ms": base["p50_ms"],
            "p95_ms": base["p95_ms"],
            "p99_ms": round(bench_core.percentile(times, 99) * 1000, 1),
            "max_ms": base["max_ms"],
            **({"failure_messages": dict(errors.most_common(5))} if errors else {}),
        }

    return {
        "seconds": round(seconds, 1),
        "requests_per_second": round(len(samples) / seconds, 1) if seconds else None,
        "overall": stats(samples) if samples else {},
        **{
            f"overall_{who}": stats(rows)
            for who, rows in (
                ("staff", [r for r in samples if not r[1].startswith("public:")]),
                ("public", [r for r in samples if r[1].startswith("public:")]),
            )
            if rows
        },
        "by_name": {name: stats(rows) for name, rows in sorted(by_name.items())},
    }


def print_summary(result: dict) -> None:
    measured = result["measured"]
    print(
        f"\nMeasured {measured['seconds']} s after a {result['ramp_seconds']} s ramp: "
        f"{measured['requests_per_second']} requests/s; load average during "
        f"{result['load_average_1min_during']}"
    )
    print(f"{'request':44} {'count':>6} {'fail':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    rows = [
        *measured["by_name"].items(),
        ("ALL STAFF REQUESTS", measured.get("overall_staff")),
        ("ALL PUBLIC REQUESTS", measured.get("overall_public")),
        ("OVERALL", measured["overall"]),
    ]
    for name, s in rows:
        if not s:
            continue
        print(
            f"{name[:44]:44} {s['count']:6} {s['failures']:5} {s['p50_ms']:7.0f} "
            f"{s['p95_ms']:7.0f} {s['p99_ms']:7.0f} {s['max_ms']:7.0f}"
        )
        for message, n in s.get("failure_messages", {}).items():
            print(f"    {n} of: {message[:150]}")
    print(
        f"Server log: {result['server_log']}; PostgreSQL deadlocks during the run: "
        f"{result['postgres_deadlocks_during_run']}; CPU: server {result['server_cpu_seconds']} s"
        f", PostgreSQL backends {result['postgres_backends_cpu_seconds']} s, for "
        f"{result['whole_run']['overall']['count']} requests: "
        f"{result.get('cpu_ms_per_request')} ms a request"
    )
    print(f"p95 ≤ {TARGET_P95_MS} ms with no errors: {result['target_met']}")


if __name__ == "__main__":
    main()
