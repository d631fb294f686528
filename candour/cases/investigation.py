"""Issues, findings and the outcome (R18, R21, R22)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from candour.audit.chain import record
from candour.cases.changes import apply
from candour.cases.handling import ensure_investigation_may_start
from candour.cases.intake import InvalidCase
from candour.cases.models import FINDING_OUTCOMES, Case, Finding, Issue, Outcome
from candour.cases.workflow import TransitionNotAllowed, ensure_can, lock


@transaction.atomic
def add_issue(case: Case, *, by, description: str, desired_outcome: str = "") -> Issue:
    """R18: an issue to answer, tracked and answered separately."""
    case = lock(case)
    ensure_can(case, "add_issue", by)
    if not description.strip():
        raise InvalidCase("description", "is empty; state the issue the response must answer")
    number = (case.issues.aggregate(n=Max("number"))["n"] or 0) + 1
    issue = Issue.objects.create(
        case=case,
        number=number,
        stage=case.stage,
        description=description.strip(),
        desired_outcome=desired_outcome.strip(),
    )
    record(
        "issue_added",
        actor=by,
        case=case,
        issue=number,
        description=issue.description,
        stage=case.stage,
    )
    return issue


@transaction.atomic
def record_finding(case: Case, *, by, issue_number: int, finding: str, summary: str) -> Issue:
    """R22: the finding on one issue: upheld, partly upheld or not upheld."""
    case = lock(case)
    ensure_can(case, "record_finding", by)
    ensure_investigation_may_start(case)
    if finding not in Finding.values:
        raise InvalidCase("finding", f"must be one of {', '.join(Finding.values)}")
    if not summary.strip():
        raise InvalidCase("summary", "is empty; give the reasons for the finding")
    issue = case.issues.filter(number=issue_number, stage=case.stage).first()
    if issue is None:
        raise InvalidCase("issue_number", f"there is no issue {issue_number} at this stage")
    before = {"finding": issue.finding, "finding_summary": issue.finding_summary}
    issue.finding, issue.finding_summary, issue.found_at = finding, summary.strip(), timezone.now()
    issue.save(update_fields=["finding", "finding_summary", "found_at"])
    record(
        "finding_recorded",
        actor=by,
        case=case,
        issue=issue_number,
        before=before,
        after={"finding": finding, "finding_summary": issue.finding_summary},
    )
    return issue


def overall_outcome(findings: list[str]) -> str:
    """KO41 counting: upheld if every issue is upheld, not upheld if none is, else partly."""
    if all(f == Finding.UPHELD for f in findings):
        return Outcome.UPHELD
    if all(f == Finding.NOT_UPHELD for f in findings):
        return Outcome.NOT_UPHELD
    return Outcome.PARTLY_UPHELD


@transaction.atomic
def record_outcome(case: Case, *, by, summary: str, outcome: str | None = None) -> Case:
    """R22: the overall outcome, when every issue at this stage has a finding; the response
    is sent and the response deadline is met or missed by now."""
    case = lock(case)
    ensure_can(case, "record_outcome", by)
    ensure_investigation_may_start(case)
    issues = list(case.issues.filter(stage=case.stage))
    if not issues:
        raise TransitionNotAllowed(
            f"{case.reference} has no issues at this stage; add the issues the response answers."
        )
    unanswered = [str(i.number) for i in issues if not i.finding]
    if unanswered:
        raise TransitionNotAllowed(
            f"{case.reference}: issue {', '.join(unanswered)} has no finding yet; record a "
            "finding for every issue before the outcome."
        )
    derived = overall_outcome([i.finding for i in issues])
    if outcome is not None and outcome not in [o.value for o in FINDING_OUTCOMES]:
        raise InvalidCase("outcome", "must be upheld, partly_upheld or not_upheld")
    if outcome is not None and outcome != derived:
        raise InvalidCase(
            "outcome", f"does not match the findings on the issues, which make it {derived}"
        )
    if not summary.strip():
        raise InvalidCase("summary", "is empty; summarise the conclusions of the response")
    return apply(
        case,
        "record_outcome",
        by=by,
        event="outcome_recorded",
        changes={
            "outcome": derived,
            "outcome_summary": summary.strip(),
            "responded_at": timezone.now(),
        },
    )
