"""The shipped code lists loaded, and a case's codes by dimension, for the coding tests (and
the API and web tests of coding, which import them)."""

from __future__ import annotations

import pytest

from candour.coding.codelists import load_shipped
from candour.coding.models import CaseCode


@pytest.fixture
def lists(db):
    load_shipped()


def codes(case) -> dict[str, list[str]]:
    """{dimension: [key, ...]} in each list's order."""
    out: dict[str, list[str]] = {}
    for cc in CaseCode.objects.filter(case=case).order_by("code__position"):
        out.setdefault(cc.dimension, []).append(cc.code.key)
    return out


def on_behalf(org, by, *, born, relationship: str = "relative"):
    """A complaint made by someone else for a patient born on `born`."""
    from candour.cases.people import PersonDetails

    from ..conftest import make_case

    return make_case(
        org,
        by,
        relationship=relationship,
        patient=PersonDetails(first_name="Tom", last_name="Example", date_of_birth=born),
    )
