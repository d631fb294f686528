"""Candour's log lines (candour/config/logs.py): one per request with its request id, JSON
in production, and never a query string, a form's contents or a cookie."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from candour.config.logs import JsonFormatter, logging_config


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="candour.request")
    return lambda: [r for r in caplog.records if r.name == "candour.request"]


def as_json(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


def test_each_request_is_one_line_with_its_method_path_status_time_and_id(
    client, db, request_lines
):
    response = client.get("/feedback/status/?reference=WAL-2026-00001&code=secret-code")
    (record,) = request_lines()
    line = as_json(record)
    assert line["logger"] == "candour.request" and line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/feedback/status/"
    assert line["status"] == response.status_code == 200
    assert line["duration_ms"] > 0
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["time"].endswith("Z")
    assert "secret-code" not in json.dumps(line) and "WAL-2026" not in json.dumps(line)


def test_a_posted_form_and_its_cookies_are_not_logged(client, db, request_lines):
    client.cookies["sessionid"] = "a-session-cookie-value"
    client.post("/sign-in/", {"username": "nobody", "password": "a-secret-password"})
    text = json.dumps([as_json(r) for r in request_lines()])
    assert '"path": "/sign-in/"' in text and '"status": 400' in text
    for private in ("nobody", "a-secret-password", "a-session-cookie-value"):
        assert private not in text


def test_the_proxys_request_id_is_kept_and_a_strange_one_replaced(client, db, request_lines):
    nginx_id = "4c1f0e6a9b2d4e8f8a7b6c5d4e3f2a1b"
    assert client.get("/sign-in/", HTTP_X_REQUEST_ID=nginx_id)["X-Request-ID"] == nginx_id
    forged = 'x" , "status": 200\n{"level": "INFO'
    replaced = client.get("/sign-in/", HTTP_X_REQUEST_ID=forged)["X-Request-ID"]
    assert replaced != forged and len(replaced) == 32
    assert [r.request_id for r in request_lines()] == [nginx_id, replaced]


def test_an_error_is_logged_with_its_type_and_place_but_not_the_rows_it_quotes():
    try:
        raise ValueError(
            'duplicate key value violates unique constraint "person_nhs_number"\n'
            "DETAIL:  Key (nhs_number)=(9434765919) already exists."
        )
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
            ("/cases/WAL-2026-00001/",), sys.exc_info(),
        )  # fmt: skip
    record.request_id = "4c1f0e6a9b2d4e8f8a7b6c5d4e3f2a1b"
    line = as_json(record)
    assert line["message"] == "Internal Server Error: /cases/WAL-2026-00001/"
    assert line["error"] == "builtins.ValueError"
    assert line["error_message"] == (
        'duplicate key value violates unique constraint "person_nhs_number"'
    )
    assert "test_an_error_is_logged" in line["traceback"]
    assert "9434765919" not in json.dumps(line)
    assert line["request_id"] == "4c1f0e6a9b2d4e8f8a7b6c5d4e3f2a1b"


def test_development_logs_are_plain_text_and_production_logs_json():
    assert logging_config(debug=True, level="WARNING")["handlers"]["console"]["formatter"] == (
        "plain"
    )
    assert logging_config(debug=False, level="WARNING")["handlers"]["console"]["formatter"] == (
        "json"
    )


def test_a_server_error_in_production_is_one_json_line_with_the_request_id(tmp_path):
    # A real Django in production mode, in its own process, handling a request whose view
    # fails (a database table missing: nothing is migrated in the empty database).
    script = (
        "import django; django.setup(); from django.test import Client; "
        "c = Client(raise_request_exception=False); "
        "r = c.get('/feedback/MMG/?q=Ada', HTTP_HOST='candour.example.org', secure=True); "
        "print(r.status_code, r['X-Request-ID'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "candour.config.settings",
        "CANDOUR_DEBUG": "0",
        "CANDOUR_SECRET_KEY": "a-long-random-test-secret-" + "x7Qp2" * 12,
        "CANDOUR_ALLOWED_HOSTS": "candour.example.org",
        "CANDOUR_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    status, request_id = done.stdout.split()
    assert status == "500"
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "ERROR"
    assert error["message"] == "Internal Server Error: /feedback/MMG/"
    assert error["error"] == "django.db.utils.OperationalError"
    assert error["request_id"] == request_id
    request = next(line for line in lines if line["logger"] == "candour.request")
    assert (request["status"], request["request_id"]) == (500, request_id)
    assert "Ada" not in done.stderr
