"""Staff web benchmark: the worklist's first page with filters, and search, at scale.

    .venv/bin/python bench/bench_web.py --cases 100000 --db sqlite
    .venv/bin/python bench/bench_web.py --cases 1000000 --db postgres --reuse
    .venv/bin/python bench/bench_web.py --cases 100000 --db sqlite --load-only --without-search

In one run it
1. makes (or with --reuse keeps) a bench database — SQLite var/bench/candour-bench-<N>.sqlite3
   or PostgreSQL `candour_bench_worklist` — and loads N demo cases with `candour.demo`, timing
   the load as bench/bench_core.py does; `--without-search` first migrates the cases app back
   to 0001 (no next-due, people or full-text indexes), to measure what those indexes cost the
   load; `--load-only` stops after the load;
2. records three cases through the domain with a word no demo case uses, so a rare word has
   something to find;
3. loads the application as a gunicorn worker does (bench_core.serve_as_a_worker), then
   times GET / (the worklist) through Django's test Client with a signed-in session verified
   by the second factor, for a site-level and a national-level user: the first page of
   several queues with filters, and searches by reference, name, NHS number, date of birth,
   postcode, and common and rare words, counting queries and keeping the slowest query's SQL
   and plan;
4. times the case page (a different visible case each request) for both users, and the
   contact record sheet, shown and sent (a new case each time), for the site user;
5. times a primary-key read in the same run, as the baseline to read the figures against on
   a shared, noisy machine; writes bench/results/web-<db>-<N>.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_core  # noqa: E402  (the bench directory is not a package)

bench_core.PG_DATABASE = os.environ.get("CANDOUR_BENCH_DATABASE", "candour_bench_worklist")
TARGET_P95_MS = 150
RARE_WORD = "zygomatic"

# The worklist pages timed: a queue or filters, as the query string of GET /.
WORKLISTS = {
    "open (default)": {},
    "mine": {"queue": "mine"},
    "my team's": {"queue": "team"},
    "overdue": {"queue": "overdue"},
    "due soon, 10 working days": {"queue": "due_soon", "due_within": 10},
    "awaiting consent": {"queue": "awaiting_consent"},
    "open, complaint, status open": {"kind": "complaint", "status": "open"},
    "open, grade 2, stage 1": {"grade": 2, "stage": 1},
    "open, service Appointments, by next due": {
        "service": "Appointments",
        "sort": "next_due",
    },
    "unassigned, newest first": {"queue": "unassigned", "sort": "-received_at"},
    "closed, concern": {"queue": "closed", "kind": "concern"},
    "all, by reference": {"queue": "all", "sort": "reference"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=40, help="Timed requests per test.")
    parser.add_argument("--workers", type=int, default=None, help="Planning processes.")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="Keep an existing bench database.")
    parser.add_argument(
        "--only", default="", help="Time only the pages whose name contains this text."
    )
    parser.add_argument("--load-only", action="store_true", help="Stop after the load.")
    parser.add_argument(
        "--without-search",
        action="store_true",
        help="Load without this branch's worklist and search indexes (cases app at 0001).",
    )
    args = parser.parse_args()

    sqlite_path = bench_core.configure(args.db, args.cases, args.reuse)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from candour import demo
    from candour.cases.models import Case

    result = bench_core.header("bench_web.py", args.db, args.cases, target_p95_ms=TARGET_P95_MS)

    call_command("migrate", verbosity=0)
    if args.without_search:
        call_command("migrate", "cases", "0001", verbosity=0)
        result["indexes"] = "without this branch's (cases app migrated back to 0001)"
    else:
        result["indexes"] = "all migrations"
    organisations = demo.ensure_organisations()
    demo.ensure_logins(organisations)

    existing = Case.objects.count()
    if args.reuse and existing >= args.cases:
        print(f"Reusing {existing:,} cases already loaded.", flush=True)
        result["load"] = {"reused": existing}
    else:
        result["load"] = load(args, demo, connection)
    if sqlite_path:
        result["database_size_mb"] = round(sqlite_path.stat().st_size / 2**20)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            result["database_size_mb"] = round(cursor.fetchone()[0] / 2**20)
    if args.load_only:
        result["load_average_end"] = os.getloadavg()
        suffix = "-without-search" if args.without_search else ""
        write(result, f"web-load-{args.db}-{args.cases}{suffix}.json")
        return

    from django.conf import settings
    from django.test.utils import override_settings

    # The pages name their static files; without `collectstatic` the production manifest
    # storage has no entries, and the files themselves are not what is measured.
    storages = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    bench_core.serve_as_a_worker()
    with override_settings(STORAGES=storages):
        result.update(measure(args))
    result["load_average_end"] = os.getloadavg()
    if args.only:
        print("Not written: --only timed some of the pages.")
        return
    write(result, f"web-{args.db}-{args.cases}.json")


def load(args, demo, connection) -> dict:
    workers = demo.default_workers() if args.workers is None else args.workers
    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    cpu0, backend0 = bench_core.own_cpu_seconds(), bench_core.backend_cpu_seconds(pid)
    last_print = [0.0]

    def progress(done: int, total: int, rate: float) -> None:
        now = time.perf_counter()
        if now - last_print[0] > 10 or done == total:
            last_print[0] = now
            print(f"  {done:,} of {total:,} cases ({rate:,.0f} cases/s)", flush=True)

    print(f"Loading {args.cases:,} cases with {workers} planning processes…", flush=True)
    loaded = demo.load_cases(
        args.cases, seed=args.seed, batch_size=args.batch_size, workers=workers, progress=progress
    )
    cpu = bench_core.own_cpu_seconds() - cpu0
    backend = bench_core.backend_cpu_seconds(pid) - backend0
    out = {
        "seconds": round(loaded.seconds, 1),
        "cases_per_second": round(loaded.rate),
        "workers": workers,
        "batch_size": args.batch_size,
        "cpu_seconds_loader": round(cpu, 1),
        "cpu_seconds_database_backend": round(backend, 1),
        "cases_per_cpu_second": round(args.cases / (cpu + backend)),
        "load_average_after": os.getloadavg(),
    }
    print(f"Loaded: {out}", flush=True)
    return out


def rare_cases(user_by_org) -> list[str]:
    """Three cases with a word no demo case uses, recorded through the domain."""
    from candour.cases.intake import NewCase, record_case
    from candour.cases.models import Case
    from candour.cases.people import PersonDetails

    found = list(
        Case.objects.filter(description__contains=RARE_WORD).values_list("reference", flat=True)
    )
    if found:
        return found
    from django.utils import timezone

    made = []
    for org, user in user_by_org:
        made.append(
            record_case(
                org,
                NewCase(
                    kind="complaint",
                    channel="letter",
                    received_at=timezone.now(),
                    description=f"Pain in the {RARE_WORD} arch after the extraction.",
                    complainant=PersonDetails(first_name="Bench", last_name="Rare"),
                    issues=["Aftercare"],
                ),
                by=user,
            ).reference
        )
    return made


def measure(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from candour.cases.access import cases_for
    from candour.cases.models import Case, CaseParty
    from candour.organisations.models import Organisation

    users = get_user_model().objects
    site_user = users.get(username="moor.hoh")
    national_user = users.get(username="national.reviewer")
    site_org = Organisation.objects.get(code="ESHM")
    rare = rare_cases([(site_org, site_user), (site_org, site_user), (site_org, site_user)])
    rng = random.Random(args.seed)
    n = args.requests
    out: dict = {"rare_word_cases": rare}

    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    cpu_times: list[float] = []
    backend_cpu = [0.0]
    # Time spent in the garbage collector during each request, from gc.callbacks.
    gc_times: list[float] = []
    collecting = [0.0, 0.0]  # this request's total, the current collection's start

    def on_collection(phase: str, _info: dict) -> None:
        if phase == "start":
            collecting[1] = time.perf_counter()
        else:
            collecting[0] += time.perf_counter() - collecting[1]

    gc.callbacks.append(on_collection)

    def timed(fn, count: int) -> tuple[list[float], list[int], dict]:
        """Wall-clock times; also, in cpu_times, this process's CPU time per request (on
        SQLite that includes the database's work) and in backend_cpu[0] the PostgreSQL
        backend's CPU seconds over the whole batch (its clock ticks are too coarse for one
        request). On a machine shared with other work, CPU time is the steadier figure."""
        times, queries, slowest = [], [], {"ms": 0.0}
        cpu_times.clear()
        gc_times.clear()
        backend0 = bench_core.backend_cpu_seconds(pid)
        for i in range(count):
            with CaptureQueriesContext(connection) as ctx:
                collecting[0] = 0.0
                c, t = time.process_time(), time.perf_counter()
                fn(i)
                times.append(time.perf_counter() - t)
                cpu_times.append(time.process_time() - c)
                gc_times.append(collecting[0])
            queries.append(len(ctx.captured_queries))
            for q in ctx.captured_queries:
                ms = float(q["time"]) * 1000
                if ms > slowest["ms"]:
                    slowest = {"ms": round(ms, 1), "sql": q["sql"]}
            # Django keeps the last 9,000 queries captured; dropped here, so that the bench's
            # own record does not add to what the garbage collector walks in each request.
            connection.queries_log.clear()
        backend_cpu[0] = bench_core.backend_cpu_seconds(pid) - backend0
        return times, queries, slowest

    highest = Case.objects.order_by("-pk").values_list("pk", flat=True).first()

    def by_pk(_):
        Case.objects.filter(pk__gte=rng.randrange(1, highest + 1)).order_by("pk").first()

    timed(by_pk, 20)
    baseline = bench_core.summary(timed(by_pk, n * 2)[0])
    baseline["cpu_p95_ms"] = round(bench_core.percentile(cpu_times, 95) * 1000, 3)
    out["baseline_case_by_primary_key"] = baseline
    print(f"Baseline, a case by primary key: {baseline}", flush=True)

    def sample(user) -> dict:
        """Search terms taken from cases the user may see."""
        visible = cases_for(user)
        case = (
            visible.filter(pk__gte=highest // 3).order_by("pk").select_related().first()
            or visible.order_by("pk").first()
        )
        patient = (
            CaseParty.objects.filter(
                case__in=visible, role="patient", person__date_of_birth__isnull=False
            )
            .exclude(person__nhs_number="")
            .filter(case_id__gte=highest // 2)
            .select_related("person")
            .order_by("case_id")
            .first()
        ).person
        return {
            "reference": case.reference,
            "nhs_number": f"{patient.nhs_number[:3]} {patient.nhs_number[3:6]} "
            f"{patient.nhs_number[6:]}",
            "date_of_birth": patient.date_of_birth.strftime("%d/%m/%Y"),
            "date_of_birth_words": patient.date_of_birth.strftime("%-d %B %Y"),
            "patient_name": f"{patient.first_name} {patient.last_name}",
        }

    out["users"] = {}
    for label, user in (
        ("site (moor.hoh, HMP Example Moor)", site_user),
        ("national (national.reviewer, all Example Secure Health)", national_user),
    ):
        client = bench_core.verified_client(user)
        terms = sample(user)
        searches = {
            "reference": terms["reference"],
            "name, first and last": terms["patient_name"],
            "name, last only": terms["patient_name"].split()[-1],
            "NHS number": terms["nhs_number"],
            "date of birth 12/03/1980": terms["date_of_birth"],
            "date of birth 12 March 1980": terms["date_of_birth_words"],
            "postcode": "ZZ4 5CC",
            "free text, common word": "appointment",
            "free text, two common words": "reception staff",
            "free text, rare word": RARE_WORD,
        }

        def get(params: dict, expect: int = 200, client=client) -> str:
            response = client.get("/", params)
            if response.status_code != expect:
                raise SystemExit(f"{params}: {response.status_code} {response.content[:500]!r}")
            return response.content.decode()

        entry: dict = {"visible_cases": cases_for(user).count(), "terms": terms}
        for _ in range(5):
            get({})
        for kind, cases in (("worklist", WORKLISTS), ("search", searches)):
            entry[kind] = {}
            for name, value in cases.items():
                if args.only not in f"{kind}: {name}":
                    continue
                params = value if kind == "worklist" else {"q": value}
                text = get(params)
                rows = text.count('<td class="nhsuk-table__cell"><a href="/cases/')
                times, queries, slowest = timed(lambda _, p=params: get(p), n)
                figures = bench_core.summary(times, queries)
                figures["cpu_p50_ms"] = round(bench_core.percentile(cpu_times, 50) * 1000, 1)
                figures["cpu_p95_ms"] = round(bench_core.percentile(cpu_times, 95) * 1000, 1)
                figures["gc_max_ms"] = round(max(gc_times) * 1000, 1)
                if pid is not None:
                    figures["database_backend_cpu_mean_ms"] = round(backend_cpu[0] / n * 1000, 1)
                figures["rows_on_first_page"] = rows
                figures["p95_over_primary_key_p95"] = round(
                    figures["p95_ms"] / (baseline["p95_ms"] or 1e-9), 1
                )
                figures["slowest_query_ms"] = slowest["ms"]
                if figures["p95_ms"] > TARGET_P95_MS:
                    figures["slowest_query"] = slowest.get("sql", "")
                    figures["slowest_query_plan"] = explain(connection, slowest.get("sql", ""))
                entry[kind][name] = figures
                print(
                    f"  {label[:8]} {kind:8} {name:42} p50 {figures['p50_ms']:7.1f} "
                    f"p95 {figures['p95_ms']:7.1f} ms (CPU p95 {figures['cpu_p95_ms']:6.1f}"
                    f", gc max {figures['gc_max_ms']:5.1f}"
                    f"{', db ' + str(figures.get('database_backend_cpu_mean_ms')) if pid else ''})"
                    f", {rows:2} rows, queries "
                    f"{figures['queries']}, slowest query {slowest['ms']} ms",
                    flush=True,
                )
        entry["pages"] = {}
        visible = list(
            cases_for(user)
            .filter(pk__gte=rng.randrange(1, highest))
            .values_list("reference", flat=True)[: n * 4]
        )
        rng.shuffle(visible)
        pages = {
            "case page, a different case each time": (
                lambda i, c=client, refs=visible: c.get(f"/cases/{refs[i % len(refs)]}/"),
                200,
            ),
            "record feedback, the form": (lambda _, c=client: c.get("/record/"), 200),
        }
        if user is site_user:
            pages["record feedback, sent (a new case)"] = (
                lambda i, c=client: c.post("/record/", intake_form(site_org, i)),
                302,
            )
        for name, (fn, expect) in pages.items():
            if args.only not in f"page: {name}":
                continue
            first = fn(0)
            if first.status_code != expect:
                raise SystemExit(f"{name}: {first.status_code} {first.content[:2000]!r}")
            times, queries, slowest = timed(lambda i, f=fn: f(i + 1), n)
            figures = bench_core.summary(times, queries)
            figures["cpu_p95_ms"] = round(bench_core.percentile(cpu_times, 95) * 1000, 1)
            figures["gc_max_ms"] = round(max(gc_times) * 1000, 1)
            figures["p95_over_primary_key_p95"] = round(
                figures["p95_ms"] / (baseline["p95_ms"] or 1e-9), 1
            )
            figures["slowest_query_ms"] = slowest["ms"]
            entry["pages"][name] = figures
            print(
                f"  {label[:8]} page     {name:42} p50 {figures['p50_ms']:7.1f} "
                f"p95 {figures['p95_ms']:7.1f} ms (CPU p95 {figures['cpu_p95_ms']:6.1f}), "
                f"queries {figures['queries']}, slowest query {slowest['ms']} ms",
                flush=True,
            )
        out["users"][label] = entry
    p95s = [
        f["p95_ms"]
        for u in out["users"].values()
        for k in ("worklist", "search", "pages")
        for f in u[k].values()
    ]
    cpu_p95s = [
        f["cpu_p95_ms"]
        for u in out["users"].values()
        for k in ("worklist", "search", "pages")
        for f in u[k].values()
    ]
    out["worst_cpu_p95_ms"] = max(cpu_p95s)
    out["worst_p95_ms"] = max(p95s)
    out["target_met"] = max(p95s) <= TARGET_P95_MS
    print(f"Worst p95 {max(p95s)} ms; target {TARGET_P95_MS} ms met: {out['target_met']}")
    return out


def intake_form(organisation, i: int) -> dict:
    """The contact record sheet as a handler fills it in for a call (tests/web/test_intake.py)."""
    from django.utils import timezone

    from candour.cases.deadlines import local

    received = local(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    return {
        "organisation": organisation.pk,
        "urgent_clinical_need": "no",
        "kind": "complaint",
        "channel": "phone",
        "received_at": received,
        "complainant.title": "Mr",
        "complainant.first_name": "Bench",
        "complainant.last_name": f"Caller{i}",
        "complainant.address": "1 Example Street, Exampleton",
        "complainant.postcode": "ZZ9 9ZZ",
        "complainant.telephone": "01000 000000",
        "complainant.preferred_channel": "phone",
        "relationship": "self",
        "service": "Appointments",
        "description": "I waited two hours for my appointment and was not seen.",
        "desired_outcome": "An explanation.",
        "issues": "Waiting time\nNot seen",
        "level": "2",
    }


def explain(connection, sql: str) -> list[str]:
    if not sql:
        return []
    with connection.cursor() as cursor:
        try:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                return [r[0] for r in cursor.fetchall()]
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [" ".join(str(x) for x in r) for r in cursor.fetchall()]
        except Exception as error:  # a captured query may not re-run as text; say so
            return [f"could not explain: {error}"]


def write(result: dict, name: str) -> None:
    out = ROOT / "bench" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"Written {out.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
