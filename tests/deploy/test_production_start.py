"""Production mode starts: the server started exactly as deploy/systemd/candour-web.service
starts it (its ExecStart=, with deploy/candour.env.example as its EnvironmentFile= and a
test's own secret, database, port and data directory), on the suite's database, answering
the requests deploy/nginx/candour.conf passes on: the staff sign-in, the public form, the
hashed static files, the admin, the API docs, health and readiness; JSON log lines
throughout, with nothing private in them."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from candour.audit.chain import verify
from candour.organisations import two_factor
from candour.organisations.setup import add_member, create_organisation

from .server import ProductionServer, Proxied, database_url, free_port

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long synthetic passphrase"
HOST = "candour.example.org"  # CANDOUR_ALLOWED_HOSTS in the environment file
CLIENT = "192.0.2.44"  # TEST-NET-1: the address nginx passes on as X-Real-IP
PRIVATE_QUERY = "q=Ada+Example+943+476+5919"  # a search a log must never hold


def csrf_token(body: bytes) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()


def session_cookie(browser: Proxied):
    """The session cookie as the server last set it."""
    return [cookie["sessionid"] for cookie in browser.set_cookies if "sessionid" in cookie][-1]


def asset(body: bytes, pattern: str) -> str:
    found = re.search(pattern.encode(), body)
    assert found, f"no {pattern} in the page"
    return found.group(0).decode()


@pytest.fixture
def seeded():
    """An organisation with its public form, and a staff member who may use the admin,
    committed so that the server (another process) sees them. Argon2, the production
    password hasher: the server does not know the tests' fast one."""
    organisation = create_organisation(
        name="Minster Medical Group", code="MMG", kind="practice", preset_name="gp-practice"
    )
    staff = get_user_model().objects.create(
        username="grace", first_name="Grace", is_staff=True, is_superuser=True
    )
    hasher = Argon2PasswordHasher()
    staff.password = hasher.encode(PASSWORD, hasher.salt())
    staff.save(update_fields=["password"])
    add_member(staff, organisation, "Executive Manager")
    device = two_factor.ensure_device(staff, two_factor.DEMO_KEY)
    return organisation, staff, device


@pytest.fixture
def server(tmp_path, seeded):
    port = free_port()
    (tmp_path / "data").mkdir()
    server = ProductionServer(
        {
            "CANDOUR_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url(connection.settings_dict),
            "CANDOUR_DATA_DIR": str(tmp_path / "data"),
            "CANDOUR_ATTACHMENTS_DIR": str(tmp_path / "data" / "attachments"),
            # The test's own audit key and checkpoint file (tests/conftest.py), so that the
            # trail the server adds to still verifies.
            "CANDOUR_AUDIT_KEY_FILE": settings.CANDOUR_AUDIT_KEY_FILE,
            "CANDOUR_AUDIT_CHECKPOINT_FILE": settings.CANDOUR_AUDIT_CHECKPOINT_FILE,
            "CANDOUR_BIND": f"127.0.0.1:{port}",
            # The unit's Environment= caches, here in the test's own directory.
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "MPLCONFIGDIR": str(tmp_path / "cache" / "matplotlib"),
            "HOME": str(tmp_path),
        },
        logs=tmp_path,
    )
    server.start()
    yield server
    server.stop()


def test_the_server_starts_in_production_mode_and_serves_every_kind_of_page(server, seeded):
    organisation, _, device = seeded

    # Health and readiness answer a probe on the machine itself: any host, plain HTTP.
    status, message, body = server.request("GET", "/healthz", {"Host": "127.0.0.1"})
    assert (status, json.loads(body)) == (200, {"status": "alive"})
    status, message, body = server.request("GET", "/readyz", {"Host": "localhost"})
    assert status == 200
    assert json.loads(body) == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "static files": "ok"},
    }
    # Anything else over plain HTTP is sent to HTTPS; an unknown host is refused.
    status, message, _ = server.request("GET", "/sign-in/", {"Host": HOST})
    assert status == 301 and message["Location"] == f"https://{HOST}/sign-in/"
    status, _, _ = server.request(
        "GET", "/sign-in/", {"Host": "elsewhere.example", "X-Forwarded-Proto": "https"}
    )
    assert status == 400

    browser = Proxied(server, HOST, CLIENT)

    # The public form of the seeded organisation, with no sign-in.
    status, message, body = browser.get(f"/feedback/{organisation.code}/?{PRIVATE_QUERY}")
    assert status == 200, body[:2000]
    assert b"Minster Medical Group" in body
    assert message["Strict-Transport-Security"].startswith("max-age=31536000")
    request_id = message["X-Request-ID"]

    # The sign-in page, and the static files it names by their hashed names.
    status, message, page = browser.get("/sign-in/")
    assert status == 200, page[:2000]
    stylesheet = asset(page, r"/static/nhsuk/nhsuk-frontend\.min\.[0-9a-f]{12}\.css")
    favicon = asset(page, r"/static/nhsuk/assets/images/favicon\.[0-9a-f]{12}\.svg")
    script = asset(page, r"/static/web/init\.[0-9a-f]{12}\.js")
    status, message, css = browser.get(stylesheet)
    assert status == 200 and message["Content-Type"].startswith("text/css")
    assert (
        "immutable" in message["Cache-Control"] and "max-age=315360000" in message["Cache-Control"]
    )
    assert b"sourceMappingURL" not in css
    status, message, compressed = browser.get(stylesheet, {"Accept-Encoding": "br, gzip"})
    assert status == 200 and message["Content-Encoding"] == "br"
    assert len(compressed) < len(css) / 4
    assert browser.get(favicon)[0] == 200
    status, _, init = browser.get(script)
    assert status == 200
    # The module the page's script imports is named by its hash too, and is there.
    imported = asset(init, r"\.\./nhsuk/nhsuk-frontend\.min\.[0-9a-f]{12}\.js")
    assert browser.get(urljoin(script, imported))[0] == 200

    # Sign in: password, then the code. The session cookie lasts the idle timeout.
    status, message, _ = browser.post(
        "/sign-in/",
        {"csrfmiddlewaretoken": csrf_token(page), "username": "grace", "password": PASSWORD},
    )
    assert status == 302, "the password was not accepted"
    assert session_cookie(browser)["max-age"] == "1800"
    assert session_cookie(browser)["secure"] and session_cookie(browser)["httponly"]
    code_step = message["Location"]
    status, _, code_page = browser.get(code_step)
    assert status == 200
    status, message, _ = browser.post(
        code_step,
        {"csrfmiddlewaretoken": csrf_token(code_page), "code": two_factor.current_code(device)},
    )
    assert (status, message["Location"]) == (302, "/")

    # Every kind of page: Jinja2 staff pages (a chart among them), the Django admin,
    # django-ninja's API docs; and the static files the last two name.
    pages = {}
    for path, text in [
        ("/", b"Worklist"),
        ("/dashboard/", b"<svg"),
        ("/admin/", b"Candour administration"),
        ("/api/docs", b"swagger"),
    ]:
        status, message, pages[path] = browser.get(path)
        assert status == 200, f"{path}: {status} {pages[path][:2000]}"
        assert text in pages[path], path
    assert session_cookie(browser)["max-age"] == "1800"
    for path, pattern in [
        ("/admin/", r"/static/admin/css/base\.[0-9a-f]{12}\.css"),
        ("/api/docs", r"/static/ninja/swagger-ui-bundle\.[0-9a-f]{12}\.js"),
    ]:
        assert browser.get(asset(pages[path], pattern))[0] == 200
    assert browser.get("/no-such-page/")[0] == 404

    assert server.stop() == 0

    # Logs: every line is a JSON object; one per request, with what an operator needs and
    # nothing from the query string, the form, the cookies.
    lines = server.log_lines()
    requests = [line for line in lines if line["logger"] == "candour.request"]
    public = next(line for line in requests if line["path"] == f"/feedback/{organisation.code}/")
    assert public["request_id"] == request_id
    assert public["method"] == "GET" and public["status"] == 200
    assert isinstance(public["duration_ms"], float)
    assert {"time", "level", "message"} <= public.keys()
    signed_in = [
        line for line in requests if line["path"] == "/sign-in/" and line["method"] == "POST"
    ]
    assert signed_in and signed_in[0]["status"] == 302
    text = server.output()
    # (Each long enough, or with a "+", never to turn up inside a random request id.)
    for private in (PRIVATE_QUERY, "Ada+Example", PASSWORD, browser.cookies["sessionid"]):
        assert private not in text, private
    assert "csrfmiddlewaretoken" not in text
    assert any(line["logger"] == "gunicorn.error" for line in lines)

    # What the server wrote to the audit trail (the sign-in, the pages seen) is sealed with
    # the key from the environment file and anchored in its checkpoint file.
    trail = verify()
    assert trail.ok, trail.problems
    assert Path(settings.CANDOUR_AUDIT_CHECKPOINT_FILE).stat().st_size > 0
