"""Audit events about a record kept about a person (a persistent contact procedure, a high
service user plan; ADR 0023): one helper writes them, and a record's history is read through
the audit trail's indexed `subject` column, which `verify` holds against the hashed data."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.db import connection

from candour.audit.chain import SUBJECT_CHANGED, verify
from candour.audit.models import AuditEvent
from candour.cases import high_users, person_records, restrictions
from candour.cases.models import Status

from .conftest import reach

pytestmark = pytest.mark.django_db


def a_procedure_and_a_plan(org, by):
    case = reach(org, by, Status.RESPONDED)
    r = restrictions.open_procedure(case, by=by, grounds="Daily letters on answered issues.")
    restrictions.add_evidence(r, by=by, description="Stage 1 response", dated=date(2026, 11, 2))
    plan = high_users.open_plan(
        case, by=by, reason="Asks daily about medication.", mdt_owner=by, mdt_due=date(2026, 12, 1)
    )
    return case, r, plan


def test_a_records_history_is_its_own_events_through_the_subject_column(frozen, org_a, alice):
    case, r, plan = a_procedure_and_a_plan(org_a, alice)
    assert [e.event for e in person_records.history(r)] == [
        "persistent_contact_procedure_opened",
        "persistent_contact_evidence_added",
    ]
    assert [e.event for e in person_records.history(plan)] == ["service_user_plan_opened"]
    opened = person_records.history(r).first()
    assert opened.subject == f"restriction:{r.pk}"
    assert opened.data["restriction"] == r.pk and opened.case_id == case.pk
    assert person_records.history(plan).get().subject == f"service_user_plan:{plan.pk}"
    # The case's own events are about no such record.
    assert not AuditEvent.objects.filter(case=case, event="case_graded", subject__isnull=False)
    assert verify().ok


def test_the_history_query_is_served_by_the_subject_index(frozen, org_a, alice):
    _, r, _ = a_procedure_and_a_plan(org_a, alice)
    query = person_records.history(r)
    assert "data" not in str(query.query).split("WHERE")[1]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the test table is tiny: make the planner choose
            cursor.execute("SET LOCAL enable_seqscan = off")
    assert "audit_subject_sequence" in query.explain()


def test_changing_or_clearing_an_events_subject_is_caught(frozen, org_a, alice):
    _, r, plan = a_procedure_and_a_plan(org_a, alice)
    opened = person_records.history(r).first()
    AuditEvent.objects.filter(pk=opened.pk).update(subject=None)  # hidden from the history
    assert verify().problems == [f"event {opened.sequence}: {SUBJECT_CHANGED}"]
    AuditEvent.objects.filter(pk=opened.pk).update(subject=f"service_user_plan:{plan.pk}")
    assert verify().problems == [f"event {opened.sequence}: {SUBJECT_CHANGED}"]


def test_the_migration_fills_the_column_of_events_written_before_it(frozen, org_a, alice):
    _, r, plan = a_procedure_and_a_plan(org_a, alice)
    before = {e.pk: e.subject for e in AuditEvent.objects.all()}
    AuditEvent.objects.update(subject=None)  # as every event was before the column
    assert not person_records.history(r).exists()
    migration = importlib.import_module("candour.audit.migrations.0005_subject_column")
    migration.fill(apps, None)
    assert {e.pk: e.subject for e in AuditEvent.objects.all()} == before
    assert len(person_records.history(r)) == 2 and len(person_records.history(plan)) == 1
    assert verify().ok
