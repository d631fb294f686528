"""/healthz and /readyz (candour/config/health.py): no sign-in, no data, any host, plain
HTTP; readiness fails with 503 and the failing check's name when the database does not
answer, a migration is not applied or the static files are not collected."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from candour.config import health


def answer(response) -> dict:
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def test_healthz_answers_without_touching_the_database(client):
    # No `db` fixture: any query would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert answer(response) == {"status": "alive"}


def test_readyz_is_ready_on_a_migrated_database_with_its_static_files(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert answer(response) == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "static files": "ok"},
    }


def test_readyz_is_not_ready_while_a_migration_is_not_applied(client, db, caplog):
    # As after an upgrade whose migrations have not run: the newest migration of one app
    # is not recorded in the database.
    newest = max(name for app, name in health.migrations_in_code() if app == "cases")
    MigrationRecorder(connection).migration_qs.filter(app="cases", name=newest).delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert answer(response) == {
        "status": "not ready",
        "checks": {"database": "ok", "migrations": "1 not applied", "static files": "ok"},
    }
    assert "Not ready: database ok, migrations 1 not applied" in caplog.text


def test_readyz_is_not_ready_when_the_static_files_are_not_collected(
    client, db, settings, tmp_path
):
    # Production storage (hashed names from collectstatic's manifest) over an empty folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "candour.config.static.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    response = client.get("/readyz")
    assert response.status_code == 503
    assert answer(response)["checks"]["static files"] == "not collected"


@pytest.mark.parametrize(
    "database_url",
    [
        # Nothing listens on port 1: the connection is refused at once.
        "postgres://candour:not-a-real-password@127.0.0.1:1/candour",
        "sqlite:////nonexistent-directory/candour.sqlite3",
    ],
    ids=["postgresql-not-listening", "sqlite-file-cannot-be-opened"],
)
def test_readyz_is_not_ready_when_the_database_does_not_answer_and_says_no_more(
    tmp_path, database_url
):
    script = (
        "import django, json; django.setup(); "
        "from django.test import Client; "
        "r = Client().get('/readyz'); print(r.status_code, r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "candour.config.settings",
        "DATABASE_URL": database_url,
        "CANDOUR_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    status, body = done.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "not ready",
        "checks": {"database": "unreachable", "migrations": "unknown", "static files": "ok"},
    }
    # The error's text (host, port, user, path) stays in the server's own log.
    assert "not-a-real-password" not in body and "127.0.0.1" not in body


def test_health_answers_any_host_over_plain_http_in_production(client, db, settings):
    settings.ALLOWED_HOSTS = ["candour.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/readyz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/healthz", HTTP_HOST="10.0.0.5").status_code == 200
    # Every other path still has the host check and the redirect to HTTPS.
    assert client.get("/sign-in/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/sign-in/", HTTP_HOST="candour.example.org").status_code == 301
