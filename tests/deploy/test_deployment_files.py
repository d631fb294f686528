"""The files in deploy/ agree with Candour and with each other: the environment file names
every setting Candour reads, reads the same to systemd and to a shell, and passes Django's
deployment check; the unit is valid; the proxy passes on what the settings expect."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from candour.audit.keys import create_key_file

from .server import DEPLOY, ENV_FILE, INSTALLED_PROGRAM, PROGRAM, ROOT, UNIT_FILE, env_file

ADMIN_SCRIPT = DEPLOY / "candour-admin"
NGINX_SITE = DEPLOY / "nginx" / "candour.conf"
READ_FROM_ENVIRONMENT = re.compile(r"(?:environ\.get|env_bool)\(\s*\"([A-Z][A-Z0-9_]*)\"")


def settings_candour_reads() -> set[str]:
    found = set()
    for path in (ROOT / "candour").rglob("*.py"):
        found.update(READ_FROM_ENVIRONMENT.findall(path.read_text()))
    return found - {"DJANGO_SETTINGS_MODULE"}


def test_the_environment_file_names_every_setting_candour_reads_and_no_other():
    names = settings_candour_reads()
    assert {"DATABASE_URL", "CANDOUR_SECRET_KEY", "CANDOUR_BIND", "CANDOUR_DEBUG"} <= names
    assert set(env_file(ENV_FILE)) == names


def test_the_environment_file_leaves_the_secret_key_to_the_operator():
    settings = env_file(ENV_FILE)
    assert settings["CANDOUR_SECRET_KEY"] == ""  # Candour refuses to start without one
    assert settings["CANDOUR_DEBUG"] == "0"


def test_the_environment_file_reads_the_same_to_a_shell_as_to_systemd():
    # deploy/candour-admin reads it with `set -a; . FILE`; systemd with its own parser.
    done = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; env -0', "sh", str(ENV_FILE)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    from_shell = dict(item.split("=", 1) for item in done.stdout.split("\0") if item)
    for name, value in env_file(ENV_FILE).items():
        assert from_shell[name] == value, name


def test_candour_admin_runs_the_deploy_check_with_the_environment_file(tmp_path):
    # The example with what an operator fills in: a secret key and the site's own name.
    filled = tmp_path / "candour.env"
    key = tmp_path / "audit.key"
    create_key_file(key)
    filled.write_text(
        ENV_FILE.read_text()
        + f"CANDOUR_SECRET_KEY={'k7Rw2-' * 10}\nCANDOUR_DATA_DIR={tmp_path}\n"
        + f"CANDOUR_AUDIT_KEY_FILE={key}\n"
        + f"CANDOUR_AUDIT_CHECKPOINT_FILE={tmp_path / 'checkpoints.log'}\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "CANDOUR_ENV_FILE": str(filled),
        "CANDOUR_PROGRAM": str(PROGRAM),
    }
    done = subprocess.run(
        [str(ADMIN_SCRIPT), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_candour_admin_says_how_to_run_it_when_it_cannot_read_the_file(tmp_path):
    env = {"PATH": os.environ["PATH"], "CANDOUR_ENV_FILE": str(tmp_path / "missing.env")}
    done = subprocess.run([str(ADMIN_SCRIPT), "check"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "run it as the candour user (sudo -u candour)" in done.stderr


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
def test_the_unit_file_is_valid_to_systemd(tmp_path):
    # systemd-analyze checks that ExecStart's program exists: this checkout's stands in.
    unit = tmp_path / "candour-web.service"
    unit.write_text(UNIT_FILE.read_text().replace(INSTALLED_PROGRAM, str(PROGRAM)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_proxy_passes_on_what_the_settings_expect():
    site = NGINX_SITE.read_text()
    settings = env_file(ENV_FILE)
    assert f"server {settings['CANDOUR_BIND']};" in site  # the upstream
    assert settings["CANDOUR_CLIENT_ADDRESS_HEADER"] == "HTTP_X_REAL_IP"
    assert "proxy_set_header X-Real-IP $remote_addr;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site  # SECURE_PROXY_SSL_HEADER
    assert "proxy_set_header X-Request-ID $request_id;" in site
    body_limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert body_limit > int(settings["CANDOUR_ATTACHMENT_MAX_MB"])
    # Its access log leaves out the query string ($uri, not $request or $request_uri).
    log_format = re.search(r"log_format candour (.*?);", site, re.S).group(1)
    assert "$uri" in log_format and "$request_uri" not in log_format
    assert "$request " not in log_format and "$args" not in log_format


def test_the_deploy_check_in_development_warns_of_what_the_readme_says_and_no_more(tmp_path):
    # ./dev start's defaults: no CANDOUR_* settings at all (README.md, "Configuration").
    env = {"PATH": os.environ["PATH"], "CANDOUR_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(PROGRAM), "check", "--deploy"], env=env, capture_output=True, text=True, timeout=120
    )
    warnings = set(re.findall(r"\(security\.(W\d+)\)", done.stdout + done.stderr))
    assert warnings == {"W004", "W008", "W012", "W016", "W018"}
    assert "5 issues" in done.stdout + done.stderr
    readme = (ROOT / "README.md").read_text()
    for warning in warnings:
        assert warning in readme
