from candour.audit.chain import verify
from candour.cases.models import Status

from .conftest import make_case


def test_a_recorded_case_has_a_reference_and_an_audit_trail(alice, org_a, frozen):
    case = make_case(org_a, alice)
    assert case.reference == "WAL-2026-00001"
    assert case.status == Status.RECEIVED
    assert list(case.audit_events.values_list("event", flat=True)) == ["case_recorded"]
    assert verify().ok
