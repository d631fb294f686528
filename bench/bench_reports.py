"""Reports benchmark: the annual report and the KO41a and KO41b returns for a financial
year, each timed beside the hand-written SQL aggregate that gives its main figures, on the
same database in the same run.

    .venv/bin/python bench/bench_reports.py --cases 100000 --db sqlite
    .venv/bin/python bench/bench_reports.py --cases 1000000 --db sqlite
    .venv/bin/python bench/bench_reports.py --cases 260000 --months 12 --now 2026-04-01 \
        --db postgres
    .venv/bin/python bench/bench_reports.py --cases 2500000 --months 120 --now 2026-04-01 \
        --db postgres

It reuses bench/bench_core.py's set-up (a separate bench database: SQLite under var/bench/,
PostgreSQL `candour_bench_reports`; --reuse keeps one already loaded), loads N cases with
candour.demo.load_cases spread over the last --months months, loads the shipped code lists
and codes the complaints with candour.coding.bulk (timed on its own), then for each of
three users — a site (moor.hoh, HMP Example Moor), the national organisation
(national.reviewer, all of Example Secure Health) and a GP practice (gp.manager, for KO41b
with data in it) — times --runs times each report and its raw SQL, counts the report's
queries, checks that the raw SQL gives the same figures, and writes the p50/p95 and the
ratio report ÷ raw to bench/results/reports-<db>-<N>.json.

The year is the last financial year that ended before the newest case (--year to choose).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core

ROOT = bench_core.ROOT
bench_core.PG_DATABASE = "candour_bench_reports"
TARGETS = {"site_report_s_sqlite": 1.0, "national_ko41_s_postgres": 2.0, "ratio": 1.5}
LONDON = ZoneInfo("Europe/London")
FINDINGS = ("upheld", "partly_upheld", "not_upheld")


# --- the raw SQL ------------------------------------------------------------------------------


class Raw:
    """Hand-written aggregates over the same tables, with the year's bounds as UTC instants
    (computed here) and local dates without a per-row call into Python."""

    def __init__(self, connection, organisation_ids: list[int], year: int):
        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.orgs = ", ".join(str(int(i)) for i in organisation_ids) or "NULL"
        self.start = datetime(year, 4, 1, tzinfo=LONDON)
        self.end = datetime(year + 1, 4, 1, tzinfo=LONDON)
        self.quarters = [
            datetime(y, m, 1, tzinfo=LONDON) for y, m in ((year, 7), (year, 10), (year + 1, 1))
        ]
        self.year = year

    def value(self, when: datetime):
        return self.connection.ops.adapt_datetimefield_value(when.astimezone(UTC))

    def local_date(self, column: str) -> str:
        if self.pg:
            return f"({column} AT TIME ZONE 'Europe/London')::date"
        # British Summer Time is +1 hour between the transitions; only those near the year.
        spans = []
        for y in range(self.year - 1, self.year + 3):
            on, off = dst(y)
            spans.append(f"({column} >= '{self.value(on)}' AND {column} < '{self.value(off)}')")
        return f"date({column}, CASE WHEN {' OR '.join(spans)} THEN '+1 hours' ELSE '+0 hours' END)"

    def days(self, later: str, earlier: str) -> str:
        if self.pg:
            return f"({self.local_date(later)} - {self.local_date(earlier)})"
        return (
            f"CAST(julianday({self.local_date(later)}) - "
            f"julianday({self.local_date(earlier)}) AS INTEGER)"
        )

    def quarter(self, column: str) -> str:
        return (
            f"CASE WHEN {column} < %(q2)s THEN 1 WHEN {column} < %(q3)s THEN 2 "
            f"WHEN {column} < %(q4)s THEN 3 ELSE 4 END"
        )

    def params(self) -> dict:
        return {
            "start": self.value(self.start),
            "end": self.value(self.end),
            "q2": self.value(self.quarters[0]),
            "q3": self.value(self.quarters[1]),
            "q4": self.value(self.quarters[2]),
        }

    def run(self, sql: str) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, self.params())
            return cursor.fetchall()

    # The KO41 return: summary, age and status facts, codes of new complaints. What was
    # answered is each stage's response (cases_stageresponse, ADR 0018); a case between the
    # response to one stage and the request for the next is not open.
    def ko41(self, return_code: str) -> dict:
        primary = "o.kind IN ('practice')"
        default = primary if return_code == "KO41b" else f"NOT {primary}"
        ended = (
            "COALESCE(c.responded_at, CASE WHEN c.status = 'withdrawn' THEN c.withdrawn_at END, "
            "c.closed_at)"
        )
        base = (
            f"FROM cases_case c JOIN organisations_organisation o ON o.id = c.organisation_id "
            f"LEFT JOIN coding_casecoding cc ON cc.case_id = c.id "
            f"WHERE c.organisation_id IN ({self.orgs}) AND c.kind = 'complaint' "
            f"AND c.forwarded_to_provider_at IS NULL "
            f"AND (cc.return_code = '{return_code}' OR (cc.id IS NULL AND {default}))"
        )
        cases = self.run(
            f"SELECT COUNT(CASE WHEN c.received_at < %(start)s THEN 1 END), "
            f"COUNT(CASE WHEN c.received_at >= %(start)s THEN 1 END), "
            f"COUNT(CASE WHEN {ended} < %(end)s AND c.responded_at IS NULL THEN 1 END), "
            f"COUNT(CASE WHEN {ended} IS NULL OR {ended} >= %(end)s THEN 1 END) "
            f"{base} AND c.received_at < %(end)s AND ({ended} IS NULL OR {ended} >= %(start)s)"
        )[0]
        resolved = (
            "r.responded_at >= %(start)s AND r.responded_at < %(end)s "
            "AND r.outcome IN ('upheld', 'partly_upheld', 'not_upheld')"
        )
        stages = base.replace(
            "FROM cases_case c", "FROM cases_stageresponse r JOIN cases_case c ON c.id = r.case_id"
        )
        answered = (
            self.run(
                f"SELECT COUNT(CASE WHEN {resolved} THEN 1 END), "
                f"COUNT(CASE WHEN {resolved} AND r.outcome = 'upheld' THEN 1 END), "
                f"COUNT(CASE WHEN {resolved} AND r.outcome = 'partly_upheld' THEN 1 END), "
                f"COUNT(CASE WHEN {resolved} AND r.outcome = 'not_upheld' THEN 1 END) "
                f"{stages} AND r.responded_at >= %(start)s AND r.responded_at < %(end)s"
            )[0]
            + self.run(
                f"SELECT COUNT(CASE WHEN r.reopened_at < %(end)s THEN 1 END), "
                f"COUNT(CASE WHEN r.responded_at < %(start)s THEN 1 END), "
                f"COUNT(CASE WHEN r.reopened_at >= %(end)s THEN 1 END) "
                f"{stages} AND r.reopened_at >= %(start)s AND r.responded_at < %(end)s"
            )[0]
        )
        brought_forward, new, closed_other, carried_forward = cases
        resolved_n, upheld, partly, not_upheld, reopened, waiting_start, waiting_end = answered
        summary = (
            brought_forward - waiting_start,
            new,
            reopened,
            resolved_n,
            upheld,
            partly,
            not_upheld,
            closed_other,
            carried_forward - waiting_end,
        )
        keys = [
            "brought_forward",
            "new",
            "reopened",
            "resolved",
            "upheld",
            "partly_upheld",
            "not_upheld",
            "closed_other",
            "carried_forward",
        ]
        new = f"{base} AND c.received_at >= %(start)s AND c.received_at < %(end)s"
        facts = self.run(
            f"SELECT cc.patient_age, cc.complainant_relationship, COUNT(*) {new} "
            f"GROUP BY cc.patient_age, cc.complainant_relationship"
        )
        with_codes = new.replace("WHERE", "JOIN coding_casecode k ON k.case_id = c.id WHERE", 1)
        codes = self.run(f"SELECT k.code_id, COUNT(DISTINCT c.id) {with_codes} GROUP BY k.code_id")
        coded = self.run(
            f"SELECT k.dimension, COUNT(DISTINCT c.id) {with_codes} GROUP BY k.dimension"
        )
        return {
            "summary": dict(zip(keys, summary, strict=True)),
            "facts": facts,
            "codes": dict(codes),
            "coded": dict(coded),
        }

    # The annual report: what was received, what was answered, subjects and Ombudsman.
    def annual(self) -> dict:
        within_year = "c.{0} >= %(start)s AND c.{0} < %(end)s"
        # Met or missed: the deadline engine's verdicts stored on the rows (ADR 0018).
        ack = "CASE WHEN c.acknowledged_at IS NULL THEN 0 WHEN c.acknowledge_met THEN 1 ELSE 2 END"
        received = self.run(
            f"SELECT c.kind, {self.quarter('c.received_at')}, "
            f"c.forwarded_to_provider_at IS NULL, c.provider_name = '', {ack}, COUNT(*) "
            f"FROM cases_case c WHERE c.organisation_id IN ({self.orgs}) "
            f"AND {within_year.format('received_at')} GROUP BY 1, 2, 3, 4, 5"
        )
        responded = self.run(
            f"SELECT {self.quarter('c.responded_at')}, c.outcome, COALESCE(c.met, FALSE), "
            f"c.extensions > 0, {self.days('c.responded_at', 'c.started_at')}, COUNT(*) "
            f"FROM cases_stageresponse c WHERE c.organisation_id IN ({self.orgs}) "
            f"AND c.kind = 'complaint' "
            f"AND c.outcome IN ('upheld', 'partly_upheld', 'not_upheld') "
            f"AND {within_year.format('responded_at')} GROUP BY 1, 2, 3, 4, 5"
        )
        own_received = (
            f"WHERE c.organisation_id IN ({self.orgs}) AND c.kind = 'complaint' "
            f"AND c.forwarded_to_provider_at IS NULL AND {within_year.format('received_at')}"
        )
        subjects = self.run(
            f"SELECT code.key, COUNT(DISTINCT c.id) FROM cases_case c "
            f"JOIN coding_casecode k ON k.case_id = c.id AND k.dimension = 'subject' "
            f"JOIN coding_code code ON code.id = k.code_id {own_received} GROUP BY code.key"
        )
        # The complaints with no subject code: the subjects table's "No subject recorded"
        # row, a figure the report shows and so part of the SQL it needs.
        with_subject = self.run(
            f"SELECT COUNT(*) FROM cases_case c {own_received} AND EXISTS (SELECT 1 FROM "
            f"coding_casecode k WHERE k.case_id = c.id AND k.dimension = 'subject')"
        )[0][0]
        themes = self.run(
            f"SELECT t.theme_id, COUNT(DISTINCT c.id) FROM cases_case c "
            f"LEFT JOIN coding_casetheme t ON t.case_id = c.id {own_received} GROUP BY t.theme_id"
        )
        referred = self.run(
            f"SELECT COUNT(DISTINCT r.case_id) FROM cases_ombudsmanreferral r "
            f"JOIN cases_case c ON c.id = r.case_id WHERE c.organisation_id IN ({self.orgs}) "
            f"AND r.referred_on >= '{self.start.date()}' AND r.referred_on < '{self.end.date()}'"
        )[0][0]
        return {
            "received": received,
            "responded": responded,
            "subjects": dict(subjects),
            "with_subject": with_subject,
            "themes": dict(themes),
            "referred": referred,
        }


def dst(year: int) -> tuple[datetime, datetime]:
    """The UTC instants British Summer Time starts and ends in `year`."""
    found, at = [], datetime(year, 1, 1, tzinfo=UTC)
    offset = at.astimezone(LONDON).utcoffset()
    while at.year == year:
        at += timedelta(hours=1)
        if at.astimezone(LONDON).utcoffset() != offset:
            found.append(at)
            offset = at.astimezone(LONDON).utcoffset()
    return found[0], found[1]


# --- the report's figures, and the same figures from the raw SQL ------------------------------


def ko41_figures(report) -> dict:
    t = report.tables
    out = {"summary": {k: v[0] for k, v in t["summary"].values().items()}}
    for key, table in t.items():
        if key != "summary" and table.available:
            out[key] = {k: v[0] for k, v in table.values().items()}
    return out


def ko41_from_raw(raw: dict, report) -> dict:
    """The report's tables rebuilt from the raw figures and the code lists."""
    from candour.coding.models import Code

    out = {"summary": raw["summary"]}
    new = raw["summary"]["new"]
    for key, table in report.tables.items():
        if key == "summary" or not table.available:
            continue
        codes = {
            c.key: c
            for c in Code.objects.filter(
                code_list__return_code=report.return_code,
                code_list__year=report.year.first_year,
                code_list__dimension=key,
            )
        }
        rows = {r.key: 0 for r in table.rows}
        if key == "age_band":
            unknown = next(c for c in codes.values() if c.unknown)
            for age, _, n in raw["facts"]:
                band = next(
                    (
                        c
                        for c in codes.values()
                        if not c.unknown
                        and age is not None
                        and age >= c.age_from
                        and (c.age_to is None or age <= c.age_to)
                    ),
                    unknown,
                )
                rows[band.key] += n
        elif key == "status":
            unknown = next(c for c in codes.values() if c.unknown)
            for _, relationship, n in raw["facts"]:
                status = next(
                    (
                        c
                        for c in codes.values()
                        if not c.unknown and relationship in c.relationships
                    ),
                    unknown,
                )
                rows[status.key] += n
        else:
            for code in codes.values():
                rows[code.key] = raw["codes"].get(code.pk, 0)
            rows["not_coded"] = new - raw["coded"].get(key, 0)
        out[key] = rows
    return out


def annual_figures(report) -> dict:
    t = report.tables
    days = t["days_to_respond"].values()
    return {
        "received": t["received"].values(),
        "outcomes": {k: v for k, v in t["outcomes"].values().items() if "percent" not in k},
        "within": t["within_target"].values()["within"],
        "feedback": t["feedback"].values(),
        "handling": {k: v[0] for k, v in t["handling"].values().items() if "percent" not in k},
        "days": {k: v[0] for k, v in days.items()},
        "subjects": {k: v[0] for k, v in t["subjects"].values().items()},
        "referred": t["summary"].values()["referred"][0],
    }


def annual_from_raw(raw: dict, report) -> dict:
    from candour.reporting.annual import DAY_BANDS, median_of

    def grid():
        return [0, 0, 0, 0, 0]

    received = {"total": grid(), "own": grid(), "provider_led": grid()}
    kinds: dict[str, int] = defaultdict(int)
    handling = {"received": 0, "ack_within": 0, "ack_late": 0, "not_ack": 0}
    for kind, quarter, own, _, ack, n in raw["received"]:
        kinds[kind] += n
        if kind != "complaint":
            continue
        for row in ("total", "own" if own else "provider_led"):
            received[row][quarter - 1] += n
            received[row][4] += n
        if own:
            handling["received"] += n
            handling[("not_ack", "ack_within", "ack_late")[ack]] += n
    feedback = {k: [kinds.get(k, 0)] for k in report.tables["feedback"].values() if k != "total"}
    feedback["total"] = [sum(kinds.values())]
    outcomes = {
        k: grid() for k in ("resolved", "upheld", "partly_upheld", "well_founded", "not_upheld")
    }
    within, histogram, extended = grid(), defaultdict(int), 0
    for quarter, outcome, in_time, extension, days_taken, n in raw["responded"]:
        rows = ["resolved", outcome] + (["well_founded"] if outcome != "not_upheld" else [])
        for row in rows:
            outcomes[row][quarter - 1] += n
            outcomes[row][4] += n
        if in_time:
            within[quarter - 1] += n
            within[4] += n
        histogram[days_taken] += n
        extended += n if extension else 0
    handling["resolved"] = outcomes["resolved"][4]
    handling["extended"] = extended
    days = {}
    for low, high in DAY_BANDS:
        days[f"days_{low}"] = sum(
            v for d, v in histogram.items() if d >= low and (high is None or d <= high)
        )
    days["total"] = outcomes["resolved"][4]
    days["median"] = median_of(dict(histogram))
    subjects = dict(raw["subjects"])
    own = received["own"][4]
    subjects["none"] = own - raw["with_subject"]
    subjects["total"] = own
    return {
        "received": received,
        "outcomes": outcomes,
        "within": within,
        "feedback": feedback,
        "handling": handling,
        "days": days,
        "subjects": subjects,
        "referred": raw["referred"],
        "_subjects_coded_total": own,
    }


def same(report_figures: dict, raw_figures: dict) -> list[str]:
    differences = []
    for key, value in raw_figures.items():
        if key.startswith("_"):
            continue
        got = report_figures.get(key)
        if got != value:
            differences.append(f"{key}: report {got} != raw {value}")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--months", type=int, default=18, help="Receipts spread over months.")
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="The load's 'now' (ISO date, UTC): the newest receipt. 2026-04-01 with --months 12 "
        "puts every case in the financial year 2025-26.",
    )
    parser.add_argument(
        "--scopes", default="site,national,practice", help="Which users' reports to time."
    )
    parser.add_argument("--runs", type=int, default=7, help="Timed runs of each report.")
    parser.add_argument("--year", type=int, default=None, help="First year of the financial year.")
    parser.add_argument("--workers", type=int, default=None, help="Planning processes.")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="Keep an existing bench database.")
    args = parser.parse_args()

    sqlite_path = bench_core.configure(args.db, args.cases, args.reuse)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max
    from django.test.utils import CaptureQueriesContext

    from candour import demo
    from candour.cases.models import Case
    from candour.coding.bulk import code_loaded_cases
    from candour.coding.codelists import load_shipped
    from candour.coding.coding import financial_year
    from candour.coding.models import CaseCoding
    from candour.organisations.models import Organisation
    from candour.reporting.annual import annual_report
    from candour.reporting.figures import Scope
    from candour.reporting.ko41 import ko41

    result = bench_core.header(
        "bench_reports.py", args.db, args.cases, months=args.months, targets=TARGETS
    )

    call_command("migrate", verbosity=0)
    demo.ensure_logins(demo.ensure_organisations())
    existing = Case.objects.count()
    if args.reuse and existing >= args.cases:
        print(f"Reusing {existing:,} cases already loaded.", flush=True)
        result["load"] = {"reused": existing}
    else:
        workers = demo.default_workers() if args.workers is None else args.workers
        print(f"Loading {args.cases:,} cases over {args.months} months…", flush=True)
        loaded = demo.load_cases(
            args.cases,
            seed=args.seed,
            now=args.now.replace(tzinfo=UTC) if args.now else None,
            months=args.months,
            batch_size=args.batch_size,
            workers=workers,
        )
        result["load"] = {
            "seconds": round(loaded.seconds, 1),
            "cases_per_second": round(loaded.rate),
        }
        print(f"Loaded: {result['load']}", flush=True)
    load_shipped()
    uncoded = not CaseCoding.objects.exists()
    if uncoded or not args.reuse:
        print("Coding the complaints in bulk…", flush=True)
        coded = code_loaded_cases()
        result["bulk_coding"] = {
            "seconds": round(coded.seconds, 1),
            "cases": coded.cases,
            "codes": coded.codes,
            "cases_per_second": round(coded.cases / coded.seconds) if coded.seconds else None,
            "by_return": coded.by_return,
            "not_coded_no_list": coded.skipped_no_list,
        }
        print(f"Coded: {result['bulk_coding']}", flush=True)
    else:
        result["bulk_coding"] = {"reused": CaseCoding.objects.count()}
    result["cases_in_database"] = Case.objects.count()
    if sqlite_path:
        result["database_size_mb"] = round(sqlite_path.stat().st_size / 2**20)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            result["database_size_mb"] = round(cursor.fetchone()[0] / 2**20)

    newest = Case.objects.aggregate(m=Max("received_at"))["m"]
    year = args.year if args.year is not None else financial_year(newest) - 1
    result["year"] = f"{year}-{(year + 1) % 100:02d}"
    print(f"Financial year {result['year']}", flush=True)

    User = get_user_model()
    scopes = [
        ("site", "moor.hoh", "ESHM", ["annual", "KO41a", "KO41b"]),
        ("national", "national.reviewer", "ESH", ["annual", "KO41a", "KO41b"]),
        ("practice", "gp.manager", "EVMP", ["annual", "KO41b"]),
    ]

    def timed(report_fn, raw_fn):
        """Each report and its raw SQL in turn, --runs times, so both see the same machine."""
        report_fn(), raw_fn()  # warm: caches, statistics, the code lists
        times, queries, out = ([], []), ([], []), [None, None]
        for _ in range(args.runs):
            for i, fn in enumerate((report_fn, raw_fn)):
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    out[i] = fn()
                    times[i].append(time.perf_counter() - t0)
                queries[i].append(len(captured))
        return times, queries, out

    result["reports"] = {}
    wanted = args.scopes.split(",")
    for label, username, code, reports in [s for s in scopes if s[0] in wanted]:
        user = User.objects.get(username=username)
        organisation = Organisation.objects.get(code=code)
        ids = Scope(user, organisation).organisation_ids
        raw = Raw(connection, ids, year)
        for which in reports:
            if which == "annual":
                report_fn = partial(annual_report, user, organisation, year)
                raw_fn = raw.annual
            else:
                report_fn = partial(ko41, user, organisation, which, year)
                raw_fn = partial(raw.ko41, which)
            (r_times, s_times), (r_queries, s_queries), (report, raw_out) = timed(report_fn, raw_fn)
            if which == "annual":
                differences = same(annual_figures(report), annual_from_raw(raw_out, report))
                size = report.tables["received"].values()["total"][4]
            else:
                differences = same(ko41_figures(report), ko41_from_raw(raw_out, report))
                size = report.tables["summary"].values()["new"][0]
            entry = {
                "user": f"{username} ({organisation.name})",
                "complaints_received_in_year": size,
                "report": bench_core.summary(r_times, r_queries),
                "raw_sql": bench_core.summary(s_times, s_queries),
                "same_figures": not differences,
                "differences": differences[:5],
                "problems": [str(p) for p in report.problems][:5],
            }
            entry["ratio_p50"] = round(entry["report"]["p50_ms"] / entry["raw_sql"]["p50_ms"], 2)
            key = f"{label} {which}"
            result["reports"][key] = entry
            print(
                f"{key:18} {size:8,} complaints  report p50 {entry['report']['p50_ms']:9.1f} ms "
                f"p95 {entry['report']['p95_ms']:9.1f} ({entry['report']['queries']} queries)  "
                f"raw p50 {entry['raw_sql']['p50_ms']:9.1f} ms  ratio {entry['ratio_p50']:5.2f}  "
                f"same figures: {entry['same_figures']}",
                flush=True,
            )
            for d in differences[:5]:
                print(f"    {d}", flush=True)

    result["dashboard"] = dashboards(args, scopes, wanted)
    result["load_average_end"] = os.getloadavg()
    reps = result["reports"]
    met = {
        "ratio_within_1_5": all(e["ratio_p50"] <= TARGETS["ratio"] for e in reps.values()),
        "same_figures": all(e["same_figures"] for e in reps.values()),
    }
    if args.db == "sqlite":
        if "site annual" in reps:
            met["site_annual_and_ko41_within_1_s"] = all(
                reps[k]["report"]["p95_ms"] <= 1000 for k in ("site annual", "site KO41a")
            )
    elif "national KO41a" in reps:
        met["national_ko41_within_2_s"] = reps["national KO41a"]["report"]["p95_ms"] <= 2000
    result["targets_met"] = met
    print(f"\nTargets met: {met}", flush=True)
    out = ROOT / "bench" / "results" / f"reports-{args.db}-{args.cases}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"Wrote {out.relative_to(ROOT)}", flush=True)


def dashboards(args, scopes, wanted) -> dict:
    """The dashboard of each scope for 12 and 24 months, timed as its figures (the queries)
    and its sections (the charts as SVG, and their tables), --runs times each. Charts are kept
    in the cache by their numbers (candour.reporting.charts), so the timed runs find them
    there; drawing them afresh is timed once, after emptying the cache."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from candour.organisations.models import Organisation
    from candour.reporting import dashboard as figures

    out = {}
    for label, username, code, _ in [s for s in scopes if s[0] in wanted]:
        user = get_user_model().objects.get(username=username)
        organisation = Organisation.objects.get(code=code)
        for period in figures.PERIODS:
            board = figures.dashboard(user, organisation, period)  # warm
            cache.clear()
            t0 = time.perf_counter()
            figures.sections(board)
            drawn_afresh = time.perf_counter() - t0
            counted, drawn, queries = [], [], []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    board = figures.dashboard(user, organisation, period)
                    t1 = time.perf_counter()
                figures.sections(board)
                drawn.append(time.perf_counter() - t1)
                counted.append(t1 - t0)
                queries.append(len(captured))
            key = f"{label} {period} months"
            out[key] = {
                "received_in_period": sum(board.activity["received"]),
                "figures": bench_core.summary(counted, queries),
                "charts": bench_core.summary(drawn),
                "charts_drawn_afresh_ms": round(drawn_afresh * 1000, 1),
            }
            print(
                f"dashboard {key:22} {out[key]['received_in_period']:8,} received  figures p50 "
                f"{out[key]['figures']['p50_ms']:8.1f} ms ({out[key]['figures']['queries']} "
                f"queries)  charts p50 {out[key]['charts']['p50_ms']:7.1f} ms (drawn afresh "
                f"{out[key]['charts_drawn_afresh_ms']:.0f} ms)",
                flush=True,
            )
    return out


if __name__ == "__main__":
    main()
