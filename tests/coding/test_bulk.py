"""Coding loaded demo cases in bulk: every complaint of a year with code lists is coded as
`code_case` would code it (return, year, age at receipt, complainant relationship), some
with several subjects, and the annual report and both KO41 returns made from them pass the
reporting checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from candour import demo
from candour.audit.chain import verify
from candour.audit.models import AuditEvent
from candour.cases.models import Case, Kind
from candour.coding.bulk import code_loaded_cases
from candour.coding.codelists import load_shipped
from candour.coding.coding import default_return, facts_of, financial_year
from candour.coding.models import CaseCode, CaseCoding, Dimension
from candour.organisations.models import Organisation
from candour.reporting.annual import annual_report
from candour.reporting.ko41 import ko41

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def coded(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo.ensure_logins(demo.ensure_organisations())
    load_shipped()
    demo.load_cases(400, seed=3, now=NOW, batch_size=100)
    return code_loaded_cases(batch_size=150)


def test_every_complaint_of_a_year_with_lists_is_coded_as_code_case_would(coded):
    complaints = Case.objects.filter(kind=Kind.COMPLAINT).select_related("organisation")
    in_years = [c for c in complaints if financial_year(c.received_at) in (2024, 2025, 2026)]
    assert coded.cases == len(in_years) == CaseCoding.objects.count() > 100
    assert not CaseCoding.objects.exclude(case__kind=Kind.COMPLAINT).exists()
    for case in in_years:
        coding = case.coding
        assert coding.return_code == default_return(case.organisation)
        assert coding.year == financial_year(case.received_at)
        assert (coding.patient_age, coding.complainant_relationship) == facts_of(case)
    assert CaseCoding.objects.filter(patient_age__isnull=False).exists()
    per_case = {}
    for case_id, dimension in CaseCode.objects.values_list("case_id", "dimension"):
        per_case.setdefault(case_id, []).append(dimension)
    subjects = [d.count(Dimension.SUBJECT) for d in per_case.values()]
    assert min(subjects) == 1 and max(subjects) == 3
    ko41b = CaseCoding.objects.filter(return_code="KO41b").values("case_id")
    assert ko41b.exists()
    assert not CaseCode.objects.filter(case_id__in=ko41b, dimension=Dimension.SERVICE).exists()
    assert coded.codes == CaseCode.objects.count()
    # Each batch is one transaction with its audit event, and the chain still verifies.
    assert AuditEvent.objects.filter(event="cases_coded_in_bulk").count() >= 2
    assert verify().ok


def test_coding_again_codes_nothing_and_changes_nothing(coded):
    before = sorted(CaseCode.objects.values_list("case_id", "code_id"))
    again = code_loaded_cases()
    assert again.cases == 0
    assert sorted(CaseCode.objects.values_list("case_id", "code_id")) == before


@pytest.mark.parametrize(
    "username,code,return_code",
    [
        ("national.reviewer", "ESH", "KO41a"),
        ("moor.hoh", "ESHM", "KO41a"),
        ("icb.governance", "EXICB", "KO41a"),
        ("gp.manager", "EVMP", "KO41b"),
    ],
)
def test_reports_of_bulk_coded_cases_pass_the_checks(coded, username, code, return_code):
    user = get_user_model().objects.get(username=username)
    organisation = Organisation.objects.get(code=code)
    for year in (2025, 2026):
        returned = ko41(user, organisation, return_code, year)
        assert returned.problems == [], returned.problems
        assert returned.table("summary").values()["new"][0] > 0
        subjects = returned.table("subject").values()
        assert subjects["not_coded"] == [0]
        assert sum(v[0] for v in subjects.values()) > returned.table("summary").values()["new"][0]
        annual = annual_report(user, organisation, year)
        assert annual.problems == [], annual.problems
