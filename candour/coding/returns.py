"""Marking a KO41 return as submitted, and the lock it puts on the coding of its cases.

A return counts the complaints of an organisation and every organisation below it
(candour.reporting.ko41), and its breakdowns count new complaints only, by the codes of the
year they were received in. So once the return of an organisation for a year is marked
submitted, a case of that organisation or one below it, received in that year and in that
return, keeps its coding: `code_case` refuses with `ReturnSubmitted` (409 in the API). A
manager who must correct the return withdraws the submission first; both steps are audited.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from candour.audit.chain import record
from candour.cases.intake import InvalidCase
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.coding.codelists import year_label
from candour.coding.models import Return, SubmittedReturn
from candour.config.transactions import atomic
from candour.organisations.access import can
from candour.organisations.models import Capability, Organisation


class ReturnSubmitted(TransitionNotAllowed):
    """The case is counted in a return marked submitted; its coding cannot change."""

    def __init__(self, submission: SubmittedReturn, reference: str = ""):
        who = submission.submitted_by.get_full_name() or submission.submitted_by.get_username()
        what = f"{submission.return_code} {year_label(submission.year)} return"
        on = timezone.localtime(submission.submitted_at).strftime("%-d %B %Y")
        case = f"{reference} is counted in the {what}" if reference else f"The {what}"
        super().__init__(
            f"{case} of {submission.organisation.name}, marked submitted on {on} by {who}, so "
            "its coding can no longer change. If the return must be corrected, a manager "
            "withdraws the submission on the return's page first."
        )
        self.submission = submission


class ReturnNotReady(TransitionNotAllowed):
    """The return still counts new complaints without a code: the figures it would send
    have a "Not coded" row, which the collection has no place for."""

    def __init__(self, what: str, uncoded: list[tuple[str, int]]):
        parts = "; ".join(f"{n} new complaint(s) have no {name} code" for name, n in uncoded)
        super().__init__(
            f"The {what} cannot be marked submitted while its checks list cases without a "
            f"code: {parts}. Code them first (each 'Not coded' figure on the return's page "
            "lists its cases and codes them at once; 'Other' is the catch-all), then mark "
            "the return submitted."
        )
        self.uncoded = uncoded


def uncoded_figures(by, organisation: Organisation, return_code: str, year: int):
    """The sections of the return with new complaints lacking a code, as (section, how
    many), from the same report and "Not coded" figures as the return's page."""
    from candour.reporting.figures import FinancialYear
    from candour.reporting.ko41 import ko41

    report = ko41(by, organisation, return_code, FinancialYear(year))
    return [
        (table.title.lower(), row.cells[-1].value)
        for table in report.tables.values()
        for row in table.rows
        if row.uncoded and row.cells[-1].value
    ]


def may_submit(user, organisation: Organisation) -> bool:
    """A manager of the organisation's complaints: sees its reports and handles its cases."""
    return can(user, Capability.VIEW_REPORTS, organisation.pk) and can(
        user, Capability.HANDLE_CASES, organisation.pk
    )


def submission(organisation: Organisation, return_code: str, year: int) -> SubmittedReturn | None:
    return (
        SubmittedReturn.objects.filter(
            organisation=organisation, return_code=return_code, year=year
        )
        .select_related("submitted_by", "organisation")
        .first()
    )


def covering(organisation: Organisation, return_code: str, year: int) -> SubmittedReturn | None:
    """The submitted return, if any, that counts a case of `organisation`: its own, or that
    of an organisation above it (whose return counts everything below it)."""
    ids = [int(i) for i in organisation.path.strip("/").split("/") if i] or [organisation.pk]
    return (
        SubmittedReturn.objects.filter(organisation_id__in=ids, return_code=return_code, year=year)
        .select_related("submitted_by", "organisation")
        .order_by("submitted_at")
        .first()
    )


def _check(organisation: Organisation, return_code: str, year: int, by) -> None:
    if by is None or not may_submit(by, organisation):
        raise PermissionDenied(
            f"You cannot mark the returns of {organisation.name} submitted: that needs a role "
            "that sees its reports and handles its cases."
        )
    if return_code not in Return.values:
        raise InvalidCase("return_code", f"must be one of {', '.join(Return.values)}")


@atomic
def mark_submitted(
    organisation: Organisation, return_code: str, year: int, *, by
) -> SubmittedReturn:
    """Mark the organisation's return for the financial year `year` as submitted. Refused
    while the return counts new complaints without a subject, service area or profession
    code (ADR 0031): marking it submitted locks their coding, and the collection has no
    "not coded" figure to send them under."""
    _check(organisation, return_code, year, by)
    if submission(organisation, return_code, year) is not None:
        raise TransitionNotAllowed(
            f"The {return_code} {year_label(year)} return of {organisation.name} is already "
            "marked submitted."
        )
    uncoded = uncoded_figures(by, organisation, return_code, year)
    if uncoded:
        raise ReturnNotReady(
            f"{return_code} {year_label(year)} return of {organisation.name}", uncoded
        )
    try:
        with transaction.atomic():
            done = SubmittedReturn.objects.create(
                organisation=organisation,
                return_code=return_code,
                year=year,
                submitted_at=timezone.now(),
                submitted_by=by,
            )
    except IntegrityError:
        raise TransitionNotAllowed(
            f"Someone marked the {return_code} {year_label(year)} return of {organisation.name} "
            "submitted at the same moment."
        ) from None
    record(
        "ko41_return_submitted",
        actor=by,
        organisation_id=organisation.pk,
        return_code=return_code,
        year=year_label(year),
    )
    return done


@atomic
def withdraw_submission(organisation: Organisation, return_code: str, year: int, *, by) -> None:
    """Withdraw the mark, so that the cases the return counts can be coded again."""
    _check(organisation, return_code, year, by)
    found = (
        SubmittedReturn.objects.select_for_update()
        .filter(organisation=organisation, return_code=return_code, year=year)
        .select_related("submitted_by")
        .first()
    )
    if found is None:
        raise TransitionNotAllowed(
            f"The {return_code} {year_label(year)} return of {organisation.name} is not marked "
            "submitted."
        )
    before = {
        "submitted_at": found.submitted_at.isoformat(),
        "submitted_by": found.submitted_by.get_username(),
    }
    found.delete()
    record(
        "ko41_submission_withdrawn",
        actor=by,
        organisation_id=organisation.pk,
        return_code=return_code,
        year=year_label(year),
        before=before,
    )
