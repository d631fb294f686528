"""The audit key: from outside the database, created on first use only in development,
required in production, never replaced."""

from __future__ import annotations

import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from candour.audit.chain import record, verify
from candour.audit.checks import audit_key_is_configured
from candour.audit.keys import AuditKeyMissing, keys


def test_in_development_the_key_file_is_made_on_first_use_for_its_owner_only(settings, tmp_path):
    settings.DEBUG = True
    settings.CANDOUR_AUDIT_KEY_FILE = str(tmp_path / "data" / "audit.key")
    first = keys()
    path = tmp_path / "data" / "audit.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text().strip()
    assert len(text) == 64 and int(text, 16)
    assert [p.name for p in path.parent.iterdir()] == ["audit.key"]  # no draft left behind
    assert keys() == first


def test_in_production_a_missing_key_stops_the_server_and_any_write(
    settings, org_a, alice, tmp_path
):
    settings.DEBUG = False
    settings.CANDOUR_AUDIT_KEY_FILE = ""
    (error,) = audit_key_is_configured(None)
    assert error.id == "candour.audit.E001"
    assert "set CANDOUR_AUDIT_KEY_FILE" in error.msg
    with pytest.raises(AuditKeyMissing), transaction.atomic():
        record("note_made", actor=alice, organisation_id=org_a.pk)

    settings.CANDOUR_AUDIT_KEY_FILE = str(tmp_path / "gone.key")
    with pytest.raises(AuditKeyMissing, match=r"gone\.key does not exist\. Restore it"):
        keys()
    assert not (tmp_path / "gone.key").exists()  # never made behind anyone's back


def test_in_production_a_configured_key_passes_the_check(settings, audit_key_file):
    settings.DEBUG = False
    assert audit_key_is_configured(None) == []


def test_the_key_may_be_given_as_text_and_must_be_long_enough(settings, worked_case):
    settings.CANDOUR_AUDIT_KEY = "too short"
    with pytest.raises(AuditKeyMissing, match="needs at least 32"):
        keys()
    settings.CANDOUR_AUDIT_KEY = "k" * 40
    assert keys().id != ""
    # The trail was sealed with the key file's key: under another, every event fails, and
    # verify asks whether the key is the right one.
    (problem,) = verify().problems
    assert "was the trail sealed with another key?" in problem


def test_candour_audit_createkey_writes_a_key_and_never_replaces_one(tmp_path, capsys):
    path = tmp_path / "etc" / "audit.key"
    call_command("audit", "createkey", "--path", str(path))
    key = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Back it up now, apart from the database" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already exists and is never replaced"):
        call_command("audit", "createkey", "--path", str(path))
    assert path.read_text() == key


def test_candour_audit_verify_without_a_key_says_how_to_configure_one(settings, db):
    settings.DEBUG = False
    settings.CANDOUR_AUDIT_KEY_FILE = ""
    with pytest.raises(CommandError, match="set CANDOUR_AUDIT_KEY_FILE"):
        call_command("audit", "verify")
