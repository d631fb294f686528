"""Property: for any data set (test_properties.write), every quarterly and monthly report of
a year reconciles, each quarter's figures are the annual report's column for that quarter,
and the months of a quarter add up to it; the caseload carries from one month to the next."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candour.coding.codelists import load_shipped
from candour.reporting.annual import annual_report
from candour.reporting.periodic import monthly_report, quarterly_report

from .test_properties import case_strategy, write

MONTHS = ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09"]


@pytest.fixture
def lists(db):
    load_shipped()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(case_strategy, max_size=25))
def test_quarters_and_months_reconcile_with_the_year(org_a, alice, lists, specs):
    with transaction.atomic():
        write(org_a, alice, specs)
        year = annual_report(alice, org_a, "2025-26")
        for n in (1, 2):
            q = quarterly_report(alice, org_a, f"2025-26-Q{n}")
            assert [str(p) for p in q.problems] == []
            for table in ("received", "within_target", "outcomes", "compliments", "enquiries"):
                quarter_total = {k: v[-1] for k, v in q.table(table).values().items()}
                in_year = {k: v[n - 1] for k, v in year.table(table).values().items()}
                assert quarter_total == in_year, table
        previous = None
        for key in MONTHS:
            m = monthly_report(alice, org_a, key)
            assert [str(p) for p in m.problems] == []
            caseload = m.table("caseload").values()
            if previous is not None:
                assert caseload["open_start"] == previous["open_end"]
            previous = caseload
        transaction.set_rollback(True)
