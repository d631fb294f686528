"""Personas and helpers shared by the tests (STYLE.md: real rows, frozen clock, audit asserts).

Personas:
- `org_a`: a commissioner (preset `commissioner`), with `alice` (Head of Corporate Governance) and
  `ivan` (Investigating Officer);
- `org_b`: a GP practice elsewhere, with `bob` (Executive Manager): the outsider;
- `rex`: a Regional Manager at `org_a`, who may not see confidential identities;
- `region`, above `site` (national-provider preset), with `rita` (Regional Governance
  Manager at the region) and `hugo` (Head of Healthcare at the site).
"""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import count

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from candour.audit.keys import create_key_file
from candour.cases.intake import NewCase, record_case
from candour.cases.people import PersonDetails
from candour.organisations import two_factor
from candour.organisations.setup import add_member, create_organisation, ensure_roles


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware datetime in Europe/London."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def user(username: str):
    return get_user_model().objects.create_user(username, password="correct horse battery")


def organisation(name: str, code: str, kind: str, preset: str | None = None, parent=None, **kw):
    return create_organisation(
        name=name, code=code, kind=kind, preset_name=preset, parent=parent, **kw
    )


def new_case(**overrides) -> NewCase:
    fields = {
        "kind": "complaint",
        "channel": "letter",
        "received_at": timezone.now(),
        "description": "The practice did not call me back about my test results.",
        "complainant": PersonDetails(
            title="Ms",
            first_name="Ada",
            last_name="Example",
            email="ada@example.invalid",
            postcode="ws1 1aa",
        ),
        "issues": ["No call back about test results"],
    }
    fields.update(overrides)
    return NewCase(**fields)


def make_case(org, by, **overrides):
    return record_case(org, new_case(**overrides), by=by)


def sign_in(client, user):
    """Sign `user` in to the test client with a verified second factor, as the sign-in pages
    leave a session after the password and the code (tests/web/test_sign_in.py drives those
    pages themselves). Returns the client."""
    device = two_factor.ensure_device(user, two_factor.DEMO_KEY)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 takes over half a second per password on CI machines; tests check access
    rules, not password strength, so they hash with MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_checkpoint_files = count(1)


@pytest.fixture(scope="session")
def audit_key_file(tmp_path_factory):
    """The tests' audit key: a key file of their own, as production has (pytest-django runs
    with DEBUG off, where the key is never created on first use)."""
    path = tmp_path_factory.getbasetemp() / "audit.key"
    create_key_file(path, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def audit_key_and_checkpoints(settings, audit_key_file, tmp_path_factory):
    """The tests' audit key, and each test its own checkpoint file (written when a
    transaction that appended events commits): a test's database starts empty, and
    checkpoints of another test's events would rightly fail `verify`. The checkpoint file is
    made only when written."""
    settings.CANDOUR_AUDIT_KEY = ""
    settings.CANDOUR_AUDIT_KEY_FILE = str(audit_key_file)
    settings.CANDOUR_AUDIT_CHECKPOINT_FILE = str(
        tmp_path_factory.getbasetemp() / "audit-checkpoints" / f"{next(_checkpoint_files)}.log"
    )
    return settings.CANDOUR_AUDIT_CHECKPOINT_FILE


@pytest.fixture
def org_a(db):
    return organisation("Walsall Commissioning", "WAL", "icb", "commissioner")


@pytest.fixture
def org_b(db):
    return organisation("Minster Medical Group", "MMG", "practice", "gp-practice")


@pytest.fixture
def alice(org_a):
    u = user("alice")
    add_member(u, org_a, "Head of Corporate Governance")
    return u


@pytest.fixture
def ivan(org_a):
    u = user("ivan")
    add_member(u, org_a, "Investigating Officer")
    return u


@pytest.fixture
def bob(org_b):
    u = user("bob")
    add_member(u, org_b, "Executive Manager")
    return u


@pytest.fixture
def rex(org_a):
    """A Regional Manager at Alice's organisation: sees and handles its cases, but not who
    made a confidential complaint (R8)."""
    u = user("rex")
    ensure_roles(["Regional Manager"])
    add_member(u, org_a, "Regional Manager")
    return u


@pytest.fixture
def national(db):
    return organisation("Secure Estate Health", "SEH", "national", "national-provider")


@pytest.fixture
def region(national):
    return organisation("Secure Estate Health North", "SEHN", "region", parent=national)


@pytest.fixture
def site(region):
    return organisation("HMP Example Site", "SEHX", "site", parent=region)


@pytest.fixture
def rita(region):
    u = user("rita")
    add_member(u, region, "Regional Governance Manager")
    return u


@pytest.fixture
def hugo(site):
    u = user("hugo")
    add_member(u, site, "Head of Healthcare")
    return u


@pytest.fixture
def frozen():
    """Freeze the clock at Monday 2 November 2026, 09:00 London time; move it with
    frozen.move_to(...)."""
    with time_machine.travel(at(date(2026, 11, 2), 9), tick=False) as traveller:
        yield traveller
