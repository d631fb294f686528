"""Each stage's response, kept (R22, R29; ADR 0018).

A case answers once per stage: the response that ends a stage is a `StageResponse` row,
written by the domain function that responds (`investigation.record_outcome` where the policy
has no sign-off chain for the final response, `investigation.send_response` when the signed
final response is dispatched) with the deadline engine's verdict on it. Reopening the case
into its next stage keeps the row, marked with when the next stage began, so that the reports
count stage 1's response with its own date, outcome, extensions and verdict, and stage 2's as
its own.

`rebuild` computes the stored verdicts and the responses of cases recorded before they were
kept (the cases migration that added them, and `candour verdicts`).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from datetime import date, datetime

from django.db import transaction

from candour.audit.models import AuditEvent
from candour.cases import deadlines
from candour.cases.models import Case, Issue, Pause, StageResponse, Status
from candour.organisations.models import Organisation


def stage_start(case: Case) -> datetime:
    """When the case's current stage began: receipt, or the request for the next stage."""
    return case.stage_started_at if case.stage > 1 else case.received_at


def response_values(case: Case) -> dict:
    """The response that ends the case's current stage, as the case holds it now: its
    response date and verdict as `deadlines.refresh` stored them on the case. The one
    statement of what a stage response keeps; the demo loader writes these values as rows."""
    return {
        "case_id": case.pk,
        "organisation_id": case.organisation_id,
        "stage": case.stage,
        "kind": case.kind,
        "started_at": stage_start(case),
        "responded_at": case.responded_at,
        "outcome": case.outcome,
        "summary": case.outcome_summary,
        "response_due": case.response_due,
        "met": case.response_met,
        "agreed_response_date": case.agreed_response_date,
        "extensions": case.extensions,
    }


def response_of(case: Case) -> StageResponse:
    """The response that ends the case's current stage, unsaved (`response_values`)."""
    return StageResponse(**response_values(case))


def record_response(case: Case) -> StageResponse:
    """Keep the response that has just ended the case's current stage. Called inside the
    responding function's transaction, after `changes.apply` stored the response on the case
    and `deadlines.refresh` its response date and verdict."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_response() must run inside the domain function's transaction")
    if case.responded_at is None:
        raise ValueError(f"{case.reference} has no response at stage {case.stage} to keep")
    response = response_of(case)
    response.save()
    return response


def mark_reopened(case: Case, at: datetime) -> int:
    """The case's current stage is followed by a further one from `at` (its response, if it
    had one, is kept). Returns the rows marked."""
    return StageResponse.objects.filter(case_id=case.pk, stage=case.stage).update(reopened_at=at)


# --- computing what cases recorded before this was kept would hold ----------------------------

# The fields `rebuild` reads of a case: every one the deadline engine and `refresh` read (a
# field left out would be read again case by case), and no others (a later migration may add
# columns that the database does not have yet when the migration that calls it runs).
CASE_FIELDS = (
    "id",
    "organisation_id",
    "reference",
    "kind",
    "status",
    "stage",
    "received_at",
    "stage_started_at",
    "consent_state",
    "consent_requested_at",
    "consent_received_at",
    "summary_required",
    "summary_approved_at",
    "acknowledged_at",
    "agreed_response_date",
    "extensions",
    "last_update_at",
    "external_notification_identified_at",
    "external_notification_body",
    "external_notified_at",
    "responded_at",
    "outcome",
    "outcome_summary",
    "closed_at",
    "withdrawn_at",
    "acknowledge_due",
    "response_due",
    "next_due",
    "acknowledge_met",
    "response_met",
)
VERDICTS = ["acknowledge_met", "response_met"]
# What a reopening cleared, from its audit event's `before`: the stage it ended.
_REOPENED_FIELDS = {
    "stage": int,
    "stage_started_at": datetime.fromisoformat,
    "responded_at": datetime.fromisoformat,
    "closed_at": datetime.fromisoformat,
    "outcome": str,
    "outcome_summary": str,
    "agreed_response_date": date.fromisoformat,
    "extensions": int,
    "last_update_at": datetime.fromisoformat,
}


def _earlier_stages(case: Case, events: list[AuditEvent], read: tuple) -> list[StageResponse]:
    """The responses of the stages before the current one, from each reopening's audit event
    (its `before` holds the stage it ended), judged by the deadline engine as that stage."""
    found = []
    for event in events:
        before, after = event.data.get("before", {}), event.data.get("after", {})
        if not before.get("responded_at"):
            continue  # a stage closed without a response (declined as out of time)
        then = copy(case)
        then.outcome_summary = ""  # reopenings before ADR 0018 did not clear it
        for name, parse in _REOPENED_FIELDS.items():
            if name in before:
                value = before[name]
                setattr(then, name, parse(value) if value not in (None, "") else value)
        then.status = Status.RESPONDED
        deadlines.refresh(then, deadlines.clocks_of(then, *read))
        response = response_of(then)
        reopened = after.get("stage_started_at")
        response.reopened_at = datetime.fromisoformat(reopened) if reopened else event.at
        found.append(response)
    return found


def rebuild(
    *, batch_size: int = 2000, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Store the deadline engine's verdicts on every case, and keep a response for every
    stage that was answered and has none, in batches of `batch_size` cases (each batch one
    transaction). Safe to run again: it changes only what differs. Returns what it did."""
    organisations = {o.pk: o for o in Organisation.objects.all()}
    done = {"cases": 0, "verdicts": 0, "responses": 0}
    last = 0
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.filter(pk__gt=last).only(*CASE_FIELDS).order_by("pk")[:batch_size]
            )
            if not cases:
                return done
            last = cases[-1].pk
            done["verdicts"] += _rebuild_batch(cases, organisations, done)
            done["cases"] += len(cases)
        if progress:
            progress(done["cases"])


def _rebuild_batch(cases: list[Case], organisations: dict, done: dict) -> int:
    ids = [c.pk for c in cases]
    # Their pauses and issues as plain values (Django's prefetching costs more than the
    # engine itself, case by case).
    pauses: dict[int, list] = {}
    for case_id, started, ended in Pause.objects.filter(case_id__in=ids).values_list(
        "case_id", "started_at", "ended_at"
    ):
        pauses.setdefault(case_id, []).append(deadlines.PauseSpan(started, ended))
    found: dict[int, list] = {}
    for case_id, stage, at in Issue.objects.filter(case_id__in=ids).values_list(
        "case_id", "stage", "found_at"
    ):
        found.setdefault(case_id, []).append((stage, at))
    kept = set(StageResponse.objects.filter(case_id__in=ids).values_list("case_id", "stage"))
    reopenings: dict[int, list[AuditEvent]] = {}
    staged = [c.pk for c in cases if c.stage > 1]
    if staged:
        for event in AuditEvent.objects.filter(case_id__in=staged, event="case_reopened").order_by(
            "sequence"
        ):
            reopenings.setdefault(event.case_id, []).append(event)
    changed, new = [], []
    for case in cases:
        case.organisation = organisations[case.organisation_id]
        read = (pauses.get(case.pk, []), found.get(case.pk, []))
        before = [getattr(case, f) for f in VERDICTS]
        deadlines.refresh(case, deadlines.clocks_of(case, *read))
        if [getattr(case, f) for f in VERDICTS] != before:
            changed.append(case)
        if case.responded_at and (case.pk, case.stage) not in kept:
            new.append(response_of(case))
        for response in _earlier_stages(case, reopenings.get(case.pk, []), read):
            if (case.pk, response.stage) not in kept:
                new.append(response)
    # One UPDATE for each pair of verdicts (at most nine), not a CASE over every row.
    pairs: dict[tuple, list[int]] = {}
    for case in changed:
        pairs.setdefault(tuple(getattr(case, f) for f in VERDICTS), []).append(case.pk)
    for values, ids in pairs.items():
        Case.objects.filter(pk__in=ids).update(**dict(zip(VERDICTS, values, strict=True)))
    StageResponse.objects.bulk_create(new)
    done["responses"] += len(new)
    return len(changed)
