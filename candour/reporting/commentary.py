"""The commentary a complaints team writes for a report and period (issue 5): versioned
(each save is a new version with who wrote it and when), audited in the same transaction,
and refused with a message when someone else saved in the meantime, so nothing is lost."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from candour.audit.chain import record
from candour.organisations.access import can
from candour.organisations.models import Capability, Organisation
from candour.reporting.figures import ReportError
from candour.reporting.models import Commentary

REPORTS = ("annual", "quarterly", "monthly")
MAX_LENGTH = 20_000


def current(organisation: Organisation, report: str, period: str) -> Commentary | None:
    return (
        Commentary.objects.filter(organisation=organisation, report=report, period=period)
        .select_related("written_by")
        .first()
    )


def history(organisation: Organisation, report: str, period: str) -> list[Commentary]:
    return list(
        Commentary.objects.filter(
            organisation=organisation, report=report, period=period
        ).select_related("written_by")
    )


def save_commentary(
    organisation: Organisation,
    report: str,
    period: str,
    *,
    by,
    text: str,
    based_on: int | None,
) -> Commentary:
    """Save `text` as the next version. `based_on` is the version the writer started from
    (None or 0 for none); if another version was saved since, nothing is saved and the
    error says so."""
    if by is None or not can(by, Capability.VIEW_REPORTS, organisation.pk):
        raise PermissionDenied(f"You cannot write the commentary of {organisation.name}.")
    if report not in REPORTS:
        raise ReportError(f"There is no commentary on a {report} report.")
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_LENGTH:
        raise ReportError(
            f"The commentary is {len(text):,} characters; shorten it to {MAX_LENGTH:,} or fewer."
        )
    try:
        with transaction.atomic():
            latest = current(organisation, report, period)
            latest_version = latest.version if latest else 0
            if (based_on or 0) != latest_version:
                who = latest.written_by.get_full_name() or latest.written_by.get_username()
                raise ReportError(
                    f"{who} saved version {latest_version} of the commentary while you were "
                    "writing. Your text is still in the box: compare it with theirs and save "
                    "again."
                )
            if latest is not None and latest.text == text:
                return latest
            saved = Commentary.objects.create(
                organisation=organisation,
                report=report,
                period=period,
                version=latest_version + 1,
                text=text,
                written_at=timezone.now(),
                written_by=by,
            )
            record(
                "report.commentary_saved",
                actor=by,
                organisation_id=organisation.pk,
                report=report,
                period=period,
                version=saved.version,
                before={"text": latest.text if latest else ""},
                after={"text": text},
            )
            return saved
    except IntegrityError:
        raise ReportError(
            "Someone else saved the commentary at the same moment. Your text is still in the "
            "box: save again."
        ) from None
