"""Matters outside the complaints procedure (R10; seed 002 §13): staff employment, individual
funding requests, continuing healthcare decisions, Freedom of Information and subject access
requests. Each is redirected with its category, where it went, why and when, and the case is
closed as declined ("excluded"); never silently dropped, and counted in the reports
(`counts`). The categories and where each goes are the policy's (policy.OutsideMatter)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from candour.cases.changes import apply
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.models import Case, Outcome
from candour.cases.route_models import Redirection
from candour.cases.workflow import ensure_can, lock
from candour.config.transactions import atomic


def categories(organisation) -> list[tuple[str, str, str]]:
    """The policy's matters outside the procedure: (key, label, where it goes)."""
    return [(m.key, m.label, m.where_to) for m in organisation.policy.outside_procedure]


@atomic
def redirect_outside_procedure(
    case: Case,
    *,
    by,
    category: str,
    reason: str,
    where_to: str = "",
    at: datetime | None = None,
) -> Case:
    """Redirect the matter outside the procedure (002 §13.1.2: "Employment issues should be
    considered within the relevant Human Resource policies and procedures"; §13.2.1: funding
    and Continuing Care decisions "via separate processes"): its category from the policy,
    where it went (the policy's place for the category unless given), the reason, and when
    (now if not given; not in the future nor before receipt). The case closes as declined
    (excluded). Writes redirected_outside_procedure."""
    case = lock(case)
    ensure_can(case, "redirect_outside_procedure", by)
    matters = {m.key: m for m in case.organisation.policy.outside_procedure}
    if category not in matters:
        choices = ", ".join(matters) or "none: the policy lists no matters outside the procedure"
        raise InvalidCase("category", f"must be one of {choices}")
    matter = matters[category]
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCase("reason", "is empty; say why this is outside the complaints procedure")
    where_to = " ".join((where_to or "").split()) or matter.where_to
    if len(where_to) > 200:
        raise InvalidCase("where_to", "must be 200 characters or fewer")
    # R28: closing needs promised actions done first (imported here: actions builds on intake).
    from candour.cases.actions import ensure_no_outstanding_actions

    ensure_no_outstanding_actions(case)
    at = when_on_case(case, at)
    Redirection.objects.create(
        case=case,
        organisation=case.organisation,
        category=category,
        category_label=matter.label,
        where_to=where_to,
        reason=reason,
        redirected_at=at,
        redirected_by=by,
    )
    return apply(
        case,
        "redirect_outside_procedure",
        by=by,
        event="redirected_outside_procedure",
        changes={
            "closed_at": at,
            "outcome": Outcome.DECLINED,
            "outcome_summary": f"Outside the complaints procedure ({matter.label}); "
            f"redirected to {where_to}: {reason}",
        },
        at=at,
        category=category,
        where_to=where_to,
        reason=reason,
        source=matter.source,
    )


def counts(organisation_ids, start, end) -> list[tuple[str, int]]:
    """How many matters were redirected outside the procedure in [start, end) (datetimes),
    by category label, most first: the reports' line (R10, "counted")."""
    rows = Redirection.objects.filter(
        organisation_id__in=list(organisation_ids), redirected_at__gte=start, redirected_at__lt=end
    ).values_list("category_label", flat=True)
    return Counter(rows).most_common()


def total(organisation_ids, start, end) -> int:
    return sum(n for _, n in counts(organisation_ids, start, end))
