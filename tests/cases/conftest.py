"""Helpers for the case tests: put a case into a status by calling the real actions, and take
snapshots to prove that a refused action wrote nothing."""

from __future__ import annotations

from candour.audit.models import AuditEvent
from candour.cases.handling import acknowledge_case, close_case, pause_case, withdraw_case
from candour.cases.intake import resolve_informally
from candour.cases.models import Case, Kind, Status

from ..conftest import make_case
from ..responding import respond


def events(case) -> list[str]:
    return list(AuditEvent.objects.filter(case=case).values_list("event", flat=True))


def last_event(case) -> AuditEvent:
    return AuditEvent.objects.filter(case=case).latest("sequence")


def reload(case) -> Case:
    return Case.objects.select_related("organisation").get(pk=case.pk)


def snapshot(case) -> dict:
    """Everything a refused action might have touched: the case row, its issues, pauses and
    parties, and the whole audit trail."""
    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "issues": list(case.issues.order_by("number").values()),
        "pauses": list(case.pauses.order_by("pk").values()),
        "parties": list(case.parties.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("sequence").values_list("sequence", "hash")),
    }


def reach(org, by, status: str, kind: str = Kind.COMPLAINT, **overrides) -> Case:
    """A case of `kind` in `status`, got there through the real actions where the kind can
    get there at all. A comment is never paused, responded or withdrawn and a concern is never
    responded; for those the status is set directly, so that the guard in the state machine
    is still proved to refuse them."""
    case = make_case(org, by, kind=kind, **overrides)
    if status == Status.RECEIVED:
        return case
    formal = kind in (Kind.COMPLAINT, Kind.MP_ENQUIRY)
    responding = formal or kind == Kind.CONCERN
    if status == Status.WITHDRAWN and responding:
        return withdraw_case(case, by=by, reason="The complainant no longer wishes to pursue it.")
    if status == Status.CLOSED and kind == Kind.CONCERN:
        return resolve_informally(case, by=by, resolution="Apologised and rebooked by phone.")
    if status == Status.CLOSED and not responding:
        return close_case(case, by=by)
    if not responding or (status == Status.RESPONDED and not formal):
        Case.objects.filter(pk=case.pk).update(status=status)
        return reload(case)
    case = acknowledge_case(case, by=by, method="email")
    if status == Status.PAUSED:
        return pause_case(case, by=by, reason="police", detail="Police enquiry under way.")
    if status in (Status.RESPONDED, Status.CLOSED):
        # With a sign-off chain for the final response (every preset has one), the signed
        # letter's dispatch is the response.
        case = respond(case, by)
    if status == Status.CLOSED:
        case = close_case(case, by=by)
    return case
