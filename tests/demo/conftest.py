"""Fixtures for the demo loader's tests: a small demo load at a fixed moment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from candour import demo

# The moment the demo is loaded "now": Monday 2 November 2026, 09:00 (GMT).
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Twenty demo logins hashed with Argon2 would dominate these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_orgs(db):
    organisations = demo.ensure_organisations()
    demo.ensure_logins(organisations)
    return organisations


@pytest.fixture
def loaded(demo_orgs):
    """200 cases in batches of 64, so that several batches (and transactions) are written."""
    return demo.load_cases(200, seed=7, now=NOW, batch_size=64)
