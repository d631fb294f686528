"""Security headers, the production settings check and `candour totp`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from candour.audit.keys import create_key_file
from candour.organisations import two_factor

from ..conftest import sign_in


def test_pages_carry_a_strict_content_security_policy(client, alice):
    response = sign_in(client, alice).get(reverse("web:worklist"))
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts(client, alice):
    text = sign_in(client, alice).get(reverse("web:worklist")).content.decode()
    assert '<script type="module" src="/static/web/init.js"></script>' in text
    assert text.count("<script") == 1


def test_the_production_settings_pass_the_deploy_check(tmp_path):
    key_file = tmp_path / "keys" / "audit.key"
    create_key_file(key_file)
    env = {
        **os.environ,
        "CANDOUR_DEBUG": "0",
        "CANDOUR_SECRET_KEY": "a-long-random-test-secret-" + "x7Qp2" * 12,
        "CANDOUR_ALLOWED_HOSTS": "candour.example.org",
        "CANDOUR_DATA_DIR": str(tmp_path),
        # Required in production (candour.audit.E001): a key file kept apart from the data.
        "CANDOUR_AUDIT_KEY_FILE": str(key_file),
        "DJANGO_SETTINGS_MODULE": "candour.config.settings",
    }
    env.pop("DATABASE_URL", None)
    # The browser tests set this in their worker's environment (tests/browser/conftest.py);
    # a deployment never has it, and the deploy check rightly refuses it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_candour_totp_prints_the_code_an_authenticator_app_shows(alice, capsys, settings):
    settings.DEBUG = True
    device = two_factor.ensure_device(alice, two_factor.DEMO_KEY)
    call_command("totp", "alice")
    printed = capsys.readouterr().out.strip()
    assert len(printed) == 6 and printed.isdigit()
    assert two_factor.check(device, printed)


def test_candour_totp_refuses_on_a_production_server_unless_forced(alice, capsys, settings):
    settings.DEBUG = False
    two_factor.ensure_device(alice, two_factor.DEMO_KEY)
    with pytest.raises(CommandError, match="--force"):
        call_command("totp", "alice")
    call_command("totp", "alice", "--force")
    assert capsys.readouterr().out.strip().isdigit()


def test_the_rfc_6238_test_key_gives_the_published_code():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082, of which TOTP-6 is the last six digits.
    device = two_factor.TOTPDevice(key=two_factor.DEMO_KEY, step=30, t0=0, digits=6, drift=0)
    assert two_factor.current_code(device, 59) == "287082"
