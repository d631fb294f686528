"""Coding loaded cases for reporting in bulk: synthetic data (the demo and the benchmarks)
only, never a user's cases, which a person codes one by one with `coding.code_case`.

`code_loaded_cases` codes every complaint not yet coded whose financial year has loaded
code lists, set by set: it reads a range of case ids at a time (the cases and their patient
and complainant, two queries), works out the return, year, age at receipt and complainant
relationship as `code_case` does, and writes the codings and codes with one multi-row
INSERT per table and batch, in one transaction per batch with its audit event. The codes
are picked from the case id, so the same data set is coded the same way every time: one
subject area for most complaints, two for every third and three for every tenth; one
service area where the return has that list; one profession, two for every fifth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from candour.audit.chain import record
from candour.cases.models import Case, CaseParty, Kind, PartyRole, Relationship
from candour.coding.coding import PRIMARY_CARE_KINDS, age_on, financial_year
from candour.coding.models import CaseCode, CaseCoding, Code, Dimension, Return
from candour.config.statistics import refresh

# How many of each chosen dimension a case gets, by its id.
SUBJECTS = ((1, 1), (3, 2), (10, 3))  # every case 1, every 3rd 2, every 10th 3
PROFESSIONS = ((1, 1), (5, 2))


@dataclass
class BulkResult:
    cases: int = 0
    codes: int = 0
    seconds: float = 0.0
    by_return: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped_no_list: int = 0


def _how_many(case_id: int, steps) -> int:
    return max(n for every, n in steps if case_id % every == 0)


def _pick(codes: list[int], case_id: int, n: int, salt: int) -> list[int]:
    if not codes:
        return []
    start = (case_id * 7 + salt) % len(codes)
    return [codes[(start + i * 5) % len(codes)] for i in range(min(n, len(codes)))]


def _lists() -> dict[tuple[str, int], dict[str, list[int]]]:
    """(return, year) to the ids of the live codes of each chosen dimension."""
    out: dict[tuple[str, int], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        Code.objects.filter(
            retired=False,
            code_list__dimension__in=[Dimension.SUBJECT, Dimension.SERVICE, Dimension.PROFESSION],
        )
        .order_by("code_list_id", "position")
        .values_list("code_list__return_code", "code_list__year", "code_list__dimension", "pk")
    )
    for return_code, year, dimension, pk in rows:
        out[(return_code, year)][dimension].append(pk)
    return {k: dict(v) for k, v in out.items() if v.get(Dimension.SUBJECT)}


def _insert(table: str, columns: list[str], rows: list[tuple], chunk: int) -> None:
    """Multi-row INSERTs of at most `chunk` rows (SQLite allows 32,766 parameters)."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), chunk):
            part = rows[i : i + chunk]
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES "
                + ", ".join([one] * len(part)),
                [v for row in part for v in row],
            )


def code_loaded_cases(*, by=None, batch_size: int = 20_000, at: datetime | None = None):
    """Code every uncoded complaint whose year has code lists loaded; see the module."""
    import time

    began = time.perf_counter()
    result = BulkResult()
    lists = _lists()
    if not lists:
        return result
    coded_at = connection.ops.adapt_datetimefield_value(at or timezone.now())
    by_id = by.pk if by is not None else None
    bounds = Case.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return result
    lo = bounds["lo"]
    while lo <= bounds["hi"]:
        hi = lo + batch_size
        with transaction.atomic():
            done = _code_range(lo, hi, lists, coded_at, by_id, result)
            if done:
                record(
                    "cases_coded_in_bulk",
                    actor=by,
                    first_case_id=lo,
                    last_case_id=hi - 1,
                    cases=done[0],
                    codes=done[1],
                )
        lo = hi
    if result.cases:
        analyse()
    result.seconds = time.perf_counter() - began
    result.by_return = dict(result.by_return)
    return result


def analyse() -> None:
    """Refresh the planner's statistics of the coding tables after a bulk write: without
    them PostgreSQL took the new case codes for a handful and read them all first."""
    tables = [CaseCoding._meta.db_table, CaseCode._meta.db_table]
    with connection.cursor() as cursor:
        refresh(cursor, tables)


def _code_range(lo, hi, lists, coded_at, by_id, result) -> tuple[int, int] | None:
    cases = list(
        Case.objects.filter(pk__gte=lo, pk__lt=hi, kind=Kind.COMPLAINT, coding__isnull=True)
        .order_by("pk")
        .values_list("pk", "received_at", "organisation__kind")
    )
    if not cases:
        return None
    patient: dict[int, object] = {}
    complainant: dict[int, tuple[str, object]] = {}
    parties = CaseParty.objects.filter(
        case_id__gte=lo, case_id__lt=hi, role__in=[PartyRole.PATIENT, PartyRole.COMPLAINANT]
    ).values_list("case_id", "role", "relationship", "person__date_of_birth")
    for case_id, role, relationship, born in parties:
        if role == PartyRole.PATIENT:
            patient[case_id] = born
        else:
            complainant[case_id] = (relationship, born)
    codings, codes = [], []
    for case_id, received_at, org_kind in cases:
        return_code = Return.KO41B if org_kind in PRIMARY_CARE_KINDS else Return.KO41A
        year = financial_year(received_at)
        chosen = lists.get((return_code, year))
        if chosen is None:
            result.skipped_no_list += 1
            continue
        relationship, complainant_born = complainant.get(case_id, ("", None))
        if case_id in patient:
            born = patient[case_id]
        elif relationship == Relationship.SELF:
            born = complainant_born
        else:
            born = None
        received = timezone.localdate(received_at)
        age = age_on(born, received) if born and born <= received else None
        codings.append((case_id, return_code, year, age, relationship, coded_at, by_id))
        picked = [
            (
                Dimension.SUBJECT,
                _pick(chosen[Dimension.SUBJECT], case_id, _how_many(case_id, SUBJECTS), 0),
            ),
            (Dimension.SERVICE, _pick(chosen.get(Dimension.SERVICE, []), case_id, 1, 3)),
            (
                Dimension.PROFESSION,
                _pick(
                    chosen.get(Dimension.PROFESSION, []),
                    case_id,
                    _how_many(case_id, PROFESSIONS),
                    1,
                ),
            ),
        ]
        for dimension, ids in picked:
            codes += [(case_id, code_id, dimension.value) for code_id in ids]
        result.by_return[return_code] += 1
    _insert(
        CaseCoding._meta.db_table,
        [
            "case_id",
            "return_code",
            "year",
            "patient_age",
            "complainant_relationship",
            "coded_at",
            "coded_by_id",
        ],
        codings,
        4000,
    )
    _insert(CaseCode._meta.db_table, ["case_id", "code_id", "dimension"], codes, 10000)
    result.cases += len(codings)
    result.codes += len(codes)
    return len(codings), len(codes)
