"""The anonymised summary for a commissioner (issue 5): the annual report's figures and a
list of the year's complaints with no names, addresses, NHS numbers, dates of birth or free
text. Candour keeps no redacted version of a complaint's words, so no free text is given at
all; each case is described only by codes (subjects, service areas, themes), its dates of
receipt and response, and what happened to it.

The case list is built from named columns only (never a whole row), so a new personal field
on a case cannot leak into it by accident.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from candour.cases.models import Outcome, Status
from candour.coding.models import CaseCode, CaseTheme, Dimension
from candour.organisations.models import Organisation
from candour.reporting import annual
from candour.reporting.figures import FinancialYear

COLUMNS = [
    ("reference", "Case"),
    ("received", "Received"),
    ("subjects", "Subjects"),
    ("services", "Service areas"),
    ("themes", "Themes"),
    ("provider_led", "Forwarded to a provider"),
    ("status", "Status"),
    ("stage", "Stage"),
    ("outcome", "Outcome"),
    ("responded", "Responded"),
    ("days", "Days to respond"),
    ("within_target", "Within the agreed timescale"),
    ("ombudsman", "Referred to the escalation body"),  # named from the policy: columns
]

# The case fields the list reads: none of them names, locates or describes a person.
FIELDS = [
    "pk",
    "reference",
    "received_at",
    "forwarded_to_provider_at",
    "status",
    "stage",
    "outcome",
]
# And of each case's latest response (its stage's response as sent, with the deadline
# engine's stored verdict, the one the case page shows).
RESPONSE_FIELDS = ["case_id", "stage", "started_at", "responded_at", "outcome", "met"]


@dataclass
class CommissionerSummary:
    report: annual.AnnualReport
    cases: list[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        r = self.report
        return f"{r.organisation.name}: anonymised complaints summary {r.year.label}"

    @property
    def problems(self):
        return self.report.problems

    @property
    def columns(self) -> list[tuple[str, str]]:
        """The case list's columns; the last says where cases were referred, as the policy
        names its escalation body (the Ombudsman, or an ADR provider)."""
        label = self.report.organisation.policy.referred_label
        return [(key, label if key == "ombudsman" else name) for key, name in COLUMNS]


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def commissioner_summary(
    user, organisation: Organisation, year: FinancialYear | str | int
) -> CommissionerSummary:
    report = annual.annual_report(user, organisation, year)
    year = report.year
    base = annual.COMPLAINT & year.whole.q("received_at")
    rows = list(report.scope.cases().filter(base).order_by("received_at", "pk").values(*FIELDS))
    ids = [r["pk"] for r in rows]
    codes: dict[tuple[int, str], list[str]] = defaultdict(list)
    for case_id, dimension, label in (
        CaseCode.objects.filter(
            case_id__in=ids, dimension__in=[Dimension.SUBJECT, Dimension.SERVICE]
        )
        .order_by("code__label")
        .values_list("case_id", "dimension", "code__label")
    ):
        if label not in codes[case_id, dimension]:
            codes[case_id, dimension].append(label)
    themes: dict[int, list[str]] = defaultdict(list)
    for case_id, name in (
        CaseTheme.objects.filter(case_id__in=ids)
        .order_by("theme__name")
        .values_list("case_id", "theme__name")
    ):
        themes[case_id].append(name)
    referred = set(
        report.scope.cases()
        .filter(Q(pk__in=ids), ombudsman_referrals__isnull=False)
        .values_list("pk", flat=True)
    )
    latest = {
        r["case_id"]: r
        for r in report.scope.responses()
        .filter(case_id__in=ids)
        .order_by("case_id", "stage")
        .values(*RESPONSE_FIELDS)
    }
    outcomes, statuses = dict(Outcome.choices), dict(Status.choices)
    cases = []
    for r in rows:
        received = timezone.localdate(r["received_at"])
        answer = latest.get(r["pk"])
        responded = timezone.localdate(answer["responded_at"]) if answer else None
        # Days from the start of the stage answered (receipt, for stage 1), as the annual
        # report counts them.
        days = (responded - timezone.localdate(answer["started_at"])).days if answer else None
        within = _yes(answer["met"]) if answer and answer["met"] is not None else ""
        outcome = r["outcome"] or (answer["outcome"] if answer else "")
        cases.append(
            {
                "reference": r["reference"],
                "received": received,
                "subjects": "; ".join(codes[r["pk"], Dimension.SUBJECT]),
                "services": "; ".join(codes[r["pk"], Dimension.SERVICE]),
                "themes": "; ".join(themes[r["pk"]]),
                "provider_led": _yes(r["forwarded_to_provider_at"] is not None),
                "status": statuses.get(r["status"], r["status"]),
                "stage": r["stage"],
                "outcome": outcomes.get(outcome, "") if outcome else "",
                "responded": responded,
                "days": days,
                "within_target": within,
                "ombudsman": _yes(r["pk"] in referred),
            }
        )
    return CommissionerSummary(report, cases)
