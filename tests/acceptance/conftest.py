"""The year of cases, entered once for the module through the API (scenario.py) and read back
through it (records.py).

What an administrator sets up before staff start is set up here as they would: the
organisations from their presets, staff with their roles, an API token each, the shipped KO41
code lists and each organisation's themes. Nothing about a case is written here.

The year is built in one transaction, rolled back when the module's tests are done; each test
runs inside it (pytest-django's savepoint), with the clock standing at scenario.READ_AT.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings

from candour.coding.codelists import load_shipped
from candour.coding.coding import save_theme
from candour.organisations.models import ApiToken
from candour.organisations.setup import add_member, create_organisation

from .door import Door
from .records import Record, read_records
from .scenario import (
    ADMINISTRATORS,
    GP,
    ORGANISATIONS,
    READ_AT,
    YEAR,
    Entered,
    complete_ko41,
    enter_year,
    local,
)


def set_up_organisations() -> tuple[dict, dict, dict]:
    """The organisations, their staff and an API token each, the code lists and the themes:
    (organisations, users, doors), keyed by organisation key (and job for doors)."""
    load_shipped()
    User = get_user_model()
    organisations, users, tokens, doors = {}, {}, {}, {}
    for spec in ORGANISATIONS:
        org = create_organisation(
            name=spec.name, code=spec.code, kind=spec.kind, preset_name=spec.preset
        )
        organisations[spec.key] = org
        doors[spec.key] = {}
        for job, (username, role) in spec.jobs.items():
            if username not in users:
                users[username] = User.objects.create_user(
                    username, email=f"{username}@example.invalid"
                )
                tokens[username] = ApiToken.issue(users[username], "year of cases")[1]
            add_member(users[username], org, role)
            doors[spec.key][job] = Door(username, tokens[username])
        administrator = users[ADMINISTRATORS[spec.key]]
        for name in spec.themes:
            save_theme(org, by=administrator, name=name)
    return organisations, users, doors


@dataclass
class Year:
    organisations: dict
    users: dict
    doors: dict[str, dict[str, Door]]
    entered: Entered
    # The practice's year end: the complaints it coded for its KO41b return, and the
    # return's submission.
    ko41: tuple[list[str], dict]
    records: dict[str, list[Record]]
    seconds: float


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker, audit_key_file, tmp_path_factory):
    checkpoints = tmp_path_factory.getbasetemp() / "audit-checkpoints" / "year.log"
    with (
        django_db_blocker.unblock(),
        override_settings(
            CANDOUR_AUDIT_KEY="",
            CANDOUR_AUDIT_KEY_FILE=str(audit_key_file),
            CANDOUR_AUDIT_CHECKPOINT_FILE=str(checkpoints),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
        time_machine.travel(local(date(2025, 1, 13), 8), tick=False) as traveller,
    ):
        started = time.perf_counter()
        organisations, users, doors = set_up_organisations()
        entered = enter_year(doors, traveller)
        traveller.move_to(READ_AT - timedelta(hours=1))
        ko41 = complete_ko41(doors[GP.key]["reports"], GP.code, "ko41b", YEAR)
        traveller.move_to(READ_AT)
        records = {
            spec.key: read_records(doors[spec.key]["reports"], spec.code) for spec in ORGANISATIONS
        }
        yield Year(
            organisations, users, doors, entered, ko41, records, time.perf_counter() - started
        )
        transaction.set_rollback(True)
