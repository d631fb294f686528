"""The reports Candour makes, by name, and how each names its period: what the web pages
(and anything else that offers a choice of reports) build a report through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from candour.organisations.models import Organisation
from candour.reporting import periodic
from candour.reporting.annual import annual_report
from candour.reporting.commissioner import commissioner_summary
from candour.reporting.figures import FinancialYear, ReportError
from candour.reporting.ko41 import ko41


@dataclass(frozen=True)
class Kind:
    key: str
    name: str
    period_hint: str
    pdf: bool = False
    commentary: bool = False


KINDS = {
    k.key: k
    for k in [
        Kind("annual", "Annual report", "a financial year, for example 2025-26", True, True),
        Kind(
            "quarterly",
            "Quarterly committee report",
            "a quarter of a financial year, for example 2025-26-Q3",
            True,
            True,
        ),
        Kind("monthly", "Monthly report", "a month, for example 2025-11", True, True),
        Kind("ko41a", "KO41a return", "a financial year, for example 2025-26"),
        Kind("ko41b", "KO41b return", "a financial year, for example 2025-26"),
        Kind(
            "commissioner",
            "Anonymised summary for a commissioner",
            "a financial year, for example 2025-26",
        ),
    ]
}


def kind(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ReportError(f"There is no {key} report; choose one of the reports listed.") from None


def period_key(kind_key: str, text: str) -> str:
    """The period as the report's URL names it, or ReportError saying how to write it."""
    k = kind(kind_key)
    text = (text or "").strip()
    if not text:
        raise ReportError(f"Enter the period: {k.period_hint}.")
    if kind_key == "quarterly":
        return periodic.quarter(text).key
    if kind_key == "monthly":
        return periodic.month(text).key
    year = FinancialYear.parse(text)
    return year.label


def ko41_return(kind_key: str, period: str) -> tuple[str, int]:
    """The return code and the financial year's first year of a KO41 return named as its URL
    names it (ReportError for any other report, or a period that is not a financial year)."""
    if kind_key not in ("ko41a", "ko41b"):
        raise ReportError("Only the KO41a and KO41b returns are submitted.")
    return "KO41" + kind_key[-1], FinancialYear.parse(period).first_year


def latest_periods(today: date | None = None) -> dict[str, str]:
    """The period each report is most often wanted for: this financial year, the last
    quarter and month that have ended."""
    today = today or timezone.localdate()
    year = FinancialYear(today.year if today.month >= 4 else today.year - 1).label
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    quarter_start = periodic.quarter(periodic.quarter_of(today)).whole.start.date()
    prior = date.fromordinal(quarter_start.toordinal() - 1)
    return {
        "annual": year,
        "quarterly": periodic.quarter_of(prior),
        "monthly": f"{y}-{m:02d}",
        "ko41a": year,
        "ko41b": year,
        "commissioner": year,
    }


def build(user, organisation: Organisation, kind_key: str, period: str):
    """The report `kind_key` of `organisation` for `period` (ReportError if either is
    not one Candour makes)."""
    kind(kind_key)
    if kind_key == "annual":
        return annual_report(user, organisation, period)
    if kind_key == "quarterly":
        return periodic.quarterly_report(user, organisation, period)
    if kind_key == "monthly":
        return periodic.monthly_report(user, organisation, period)
    if kind_key in ("ko41a", "ko41b"):
        return ko41(user, organisation, *ko41_return(kind_key, period))
    return commissioner_summary(user, organisation, period)
