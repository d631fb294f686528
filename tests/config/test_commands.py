import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from candour.audit.models import AuditEvent
from candour.organisations.models import Organisation

from ..conftest import make_case


def test_createorganisation_makes_an_organisation_with_its_preset_policy(db, capsys):
    call_command(
        "createorganisation",
        "Luxira Test Clinic",
        code="lux",
        preset="private-clinic",
        kind="clinic",
    )
    org = Organisation.objects.get(code="LUX")
    assert org.policy.acknowledgement.amount == 48
    assert "Acknowledge within 48 hours" in capsys.readouterr().out
    assert AuditEvent.objects.filter(event="organisation_created", organisation_id=org.pk).exists()


def test_createorganisation_refuses_a_duplicate_code_and_writes_nothing(db):
    call_command("createorganisation", "First", code="DUP", preset="gp-practice")
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="DUP is already used"):
        call_command("createorganisation", "Second", code="dup", preset="gp-practice")
    assert Organisation.objects.filter(code="DUP").count() == 1
    assert AuditEvent.objects.count() == before


def test_createorganisation_below_a_parent_inherits_its_policy(db):
    call_command(
        "createorganisation", "National", code="NAT", preset="national-provider", kind="national"
    )
    call_command("createorganisation", "North", code="NTH", parent="NAT", kind="region")
    north = Organisation.objects.get(code="NTH")
    assert north.policy.name.startswith("National healthcare provider")
    assert north.path == f"{Organisation.objects.get(code='NAT').path}{north.pk}/"


def test_audit_verify_passes_on_an_intact_trail(alice, org_a, capsys):
    make_case(org_a, alice)
    call_command("audit", "verify")
    assert "Audit trail intact" in capsys.readouterr().out


def test_audit_verify_fails_when_an_event_is_edited(alice, org_a, capsys):
    case = make_case(org_a, alice)
    event = case.audit_events.get(event="case_recorded")
    with connection.cursor() as cursor:  # an edit made behind Candour's back
        cursor.execute(
            "UPDATE audit_auditevent SET event = %s WHERE id = %s", ["case_deleted", event.pk]
        )
    with pytest.raises(CommandError, match="Audit trail broken"):
        call_command("audit", "verify")
    assert f"event {event.sequence}: content changed" in capsys.readouterr().err
