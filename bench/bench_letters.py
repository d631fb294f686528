"""Letters benchmark: rendering a final response to PDF and Word, and every operation of the
national provider's Stage 2 sign-off chain, on a database of N demo cases.

    .venv/bin/python bench/bench_letters.py --cases 100000 --db sqlite
    .venv/bin/python bench/bench_letters.py --cases 100000 --db postgres --reuse

It reuses bench/bench_core.py's set-up (a separate bench database: SQLite under var/bench/,
PostgreSQL `candour_bench_letters`), loads N cases with candour.demo.load_cases (or reuses
them with --reuse), then:
1. takes --letters stage 1 complaints at the demo national provider's sites that have been
   answered, reopens each into stage 2 with an issue and a finding (set-up, not timed);
2. walks each letter through the Stage 2 chain (seed 000) with a send-back from national
   review, timing each domain function and counting its queries;
3. renders the signed letter to PDF and Word --renders times (p50/p95), then records each
   letter's dispatch through the web pages (the dispatch form, then the form sent);
4. times SELECT 1 and a primary-key read in the same run, so that the results can be read
   as ratios on a shared, noisy machine; writes bench/results/letters-<db>-<N>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core

ROOT = bench_core.ROOT
bench_core.PG_DATABASE = os.environ.get("CANDOUR_BENCH_DATABASE", "candour_bench_letters")

WORDS = {
    "apology": "I am sorry that our call back came so late.",
    "investigation": "The Head of Healthcare reviewed the call log and spoke to staff.",
    "explanation": "The request was filed under the wrong clinic and not seen.",
    "conclusions": "We have upheld your complaint that the call back came late.",
    "learning": "Call back requests are now checked every morning.",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--letters", type=int, default=30, help="Letters walked through.")
    parser.add_argument("--renders", type=int, default=30, help="Timed renders per format.")
    parser.add_argument("--reuse", action="store_true", help="Keep an existing bench database.")
    args = parser.parse_args()

    bench_core.configure(args.db, args.cases, args.reuse)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from candour import demo
    from candour.cases.handling import reopen_case
    from candour.cases.investigation import add_issue, record_finding
    from candour.cases.models import CONSENT_SATISFIED, Case, Status
    from candour.letters import render, signoff
    from candour.organisations.models import Organisation
    from candour.organisations.setup import add_member

    result = bench_core.header("bench_letters.py", args.db, args.cases, with_version=False)
    call_command("migrate", verbosity=0)
    organisations = demo.ensure_organisations()
    demo.ensure_logins(organisations)
    existing = Case.objects.count()
    if existing < args.cases:
        print(f"Loading {args.cases - existing:,} cases…", flush=True)
        loaded = demo.load_cases(args.cases - existing, workers=demo.default_workers())
        result["load"] = {"seconds": round(loaded.seconds, 1), "rate": round(loaded.rate)}
    result["cases_in_database"] = Case.objects.count()
    print(f"{result['cases_in_database']:,} cases", flush=True)

    national = Organisation.objects.get(code="ESH")
    region = Organisation.objects.get(code="ESHN")
    User = get_user_model()

    def person(name: str, organisation, role: str):
        user = User.objects.filter(username=name).first() or User.objects.create_user(name)
        add_member(user, organisation, role)
        return user

    hohc = person("bench-hohc", region, "Head of Healthcare")
    rgm = person("bench-rgm", region, "Regional Governance Manager")
    rmd = person("bench-rmd", region, "Regional Medical Director")
    rom = person("bench-rom", region, "Regional Operations Manager")
    rd = person("bench-rd", region, "Regional Director")
    rm = person("bench-rm", region, "Regional Manager")
    ncm = person("bench-ncm", national, "National Complaints Manager")
    nmd = person("bench-nmd", national, "National Medical Director")
    for user in (hohc, rgm):
        add_member(user, region, "Investigating Officer")

    candidates = list(
        Case.objects.filter(
            organisation__path__startswith=region.path,
            status=Status.RESPONDED,
            stage=1,
            kind="complaint",
            consent_state__in=list(CONSENT_SATISFIED),
            out_of_time=False,
        ).order_by("pk")[: args.letters]
    )
    print(f"Reopening {len(candidates)} answered complaints into stage 2…", flush=True)
    cases = []
    for case in candidates:
        case = reopen_case(case, by=hohc, reason="Still unhappy (bench).")
        issue = add_issue(case, by=hohc, description="The call back came two weeks late")
        record_finding(case, by=rgm, issue_number=issue.number, finding="upheld", summary="Late.")
        cases.append(case)

    times: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)

    def timed(label: str, fn, *a, **kw):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            out = fn(*a, **kw)
            times[label].append(time.perf_counter() - t0)
        queries[label].append(len(captured))
        return out

    def fill(letter, by, **extra):
        version = letter.versions.order_by("-number").first()
        words = {**WORDS, **extra}
        sections = [[n, words.get(n, t)] for n, t in version.sections]
        return timed("revise", signoff.revise, letter, by=by, sections=sections)

    letters = []
    print(f"Walking {len(cases)} letters through the Stage 2 chain…", flush=True)
    for case in cases:
        letter = timed("start_letter", signoff.start_letter, case, "final_response", by=hohc)
        timed("approve (documents)", signoff.approve, letter, by=hohc)
        fill(letter, rgm)
        for who in (rgm, rmd, rom):
            timed("approve (joint regional draft)", signoff.approve, letter, by=who)
        timed("comment", signoff.comment, letter, by=rd, text="Say when the checks began.")
        timed("approve (regional director)", signoff.approve, letter, by=rd)
        timed("approve (regional sign-off)", signoff.approve, letter, by=rd)
        timed("approve (send to national)", signoff.approve, letter, by=rgm)
        timed(
            "send_back",
            signoff.send_back,
            letter,
            by=ncm,
            to_step="regional_draft",
            reason="Add the date the checks began.",
        )
        timed("where (at a joint step)", signoff.where, letter)
        fill(letter, rgm, learning="Since 9 November, call back requests are checked daily.")
        for who in (rgm, rmd, rom, rd, rd, rgm, ncm):
            signoff.approve(letter, by=who)
        timed("approve (national sign-off, signs)", signoff.approve, letter, by=nmd)
        timed("approve (return to site)", signoff.approve, letter, by=rm)
        letters.append(letter)

    print(f"Rendering {args.renders} times per format…", flush=True)
    for i in range(args.renders):
        letter = letters[i % len(letters)]
        letter.refresh_from_db()
        timed("render PDF", render.pdf, letter, hohc)
        timed("render Word", render.docx, letter, hohc)
    # Dispatch through the web, as a handler records it: the form, then the form sent.
    from django.conf import settings
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils import timezone

    from candour.cases.deadlines import local

    storages = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    bench_core.serve_as_a_worker()
    client = bench_core.verified_client(hohc)
    with override_settings(STORAGES=storages):
        # Warm: the first request compiles the templates, which a serving worker has done.
        for letter in letters[:1]:
            client.get(reverse("web:letter-dispatch", args=[letter.case.reference, letter.pk]))
            client.get(reverse("web:case", args=[letter.case.reference]))
        for letter in letters:
            path = reverse("web:letter-dispatch", args=[letter.case.reference, letter.pk])
            shown = timed("dispatch page (web)", client.get, path)
            sent_at = local(timezone.now()).strftime("%Y-%m-%dT%H:%M")
            sent = timed(
                "dispatch sent (web)",
                client.post,
                path,
                {"channel": "hand_delivery", "sent_at": sent_at},
            )
            if shown.status_code != 200 or sent.status_code != 302:
                raise SystemExit(
                    f"dispatch: {shown.status_code} {sent.status_code} {sent.content[:2000]!r}"
                )

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    ids = [c.pk for c in cases]
    for i in range(200):
        timed("baseline SELECT 1", select_one)
        timed("baseline case by pk", Case.objects.get, pk=ids[i % len(ids)])

    result["operations"] = {
        label: bench_core.summary(values, queries[label]) for label, values in times.items()
    }
    select1 = result["operations"]["baseline SELECT 1"]["p95_ms"] or 1e-9
    for row in result["operations"].values():
        row["p95_over_select_1"] = round(row["p95_ms"] / select1, 1)
    result["load_average_end"] = os.getloadavg()
    out = ROOT / "bench" / "results" / f"letters-{args.db}-{args.cases}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(k) for k in result["operations"])
    for label, row in result["operations"].items():
        print(
            f"{label:{width}}  n={row['n']:3}  p50 {row['p50_ms']:8.2f} ms  "
            f"p95 {row['p95_ms']:8.2f} ms  queries {row['queries']}"
        )
    print(f"Wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
