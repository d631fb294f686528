"""Backing up as README.md documents keeps the audit trail verifiable. pg_dump and SQLite's
`.backup` copy the rows exactly; Django's JSON dump and load (the way between the two
databases) did not, and is tested here on both."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from candour.audit.chain import record, verify
from candour.audit.models import AuditChainHead, AuditEvent
from candour.cases.access import open_case
from candour.organisations.setup import add_member

from ..conftest import user
from .conftest import work_a_case

# README.md, "Backing up": what `candour dumpdata` leaves out (Django recreates them).
EXCLUDED = ["contenttypes", "auth.permission", "admin.logentry", "sessions"]


@pytest.mark.django_db(transaction=True)
def test_a_json_dump_and_load_keeps_the_chain_and_its_checkpoints(
    org_a, alice, ivan, frozen, tmp_path
):
    # Issue 15: after dumpdata, flush and loaddata, 50 events read "content changed": the
    # dump keeps times to the millisecond, and they were hashed to the microsecond.
    frozen.shift(timedelta(microseconds=123456))
    case = work_a_case(org_a, alice, ivan)
    # A gap in the users' ids, as any real installation has: a dump that let ids be given
    # afresh (--natural-primary) would give this colleague another id, and the trail, which
    # names actors by id, would rightly no longer verify.
    get_user_model().objects.create_user("departed").delete()
    carol = user("carol")
    add_member(carol, org_a, "Investigating Officer")
    open_case(carol, case.reference)
    events = list(AuditEvent.objects.values_list("sequence", "at", "actor_label", "hash"))
    dump = tmp_path / "candour.json"
    call_command(
        "dumpdata",
        "--natural-foreign",
        *[f"--exclude={name}" for name in EXCLUDED],
        "--output",
        str(dump),
        verbosity=0,
    )
    assert any(
        row["model"] == "audit.auditevent" and row["fields"]["at"].endswith(".123Z")
        for row in json.loads(dump.read_text())
    )

    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    call_command("loaddata", str(dump), verbosity=0)

    assert list(AuditEvent.objects.values_list("sequence", "at", "actor_label", "hash")) == events
    result = verify()
    assert result.ok, result.problems
    assert result.newest_checkpoint.sequence == events[-1][0]
    # And the restored trail carries on.
    with transaction.atomic():
        record("case_viewed", actor=alice, case=case)
    assert AuditChainHead.objects.get(pk=1).sequence == events[-1][0] + 1
    assert verify().ok
