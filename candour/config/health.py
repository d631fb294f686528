"""Health and readiness for a reverse proxy, a monitoring probe or an operator with curl.

GET /healthz: 200 while the process answers; touches nothing else.
GET /readyz: 200 when Candour can serve pages: the database answers, every migration of this
code is applied, and (with CANDOUR_DEBUG=0) the static files are collected; otherwise 503,
naming the check that failed in a word or two. Never an error's text: it can name hosts and
users.

Both answer from the first middleware (settings.MIDDLEWARE), before the host check, the HTTPS
redirect, sessions and the request log: a probe from the machine itself
(`curl http://127.0.0.1:8000/readyz`) works with CANDOUR_ALLOWED_HOSTS set to the public
name, costs one or two small queries, and does not fill the log every few seconds. A failed
readiness check is logged as a warning.
"""

from __future__ import annotations

import functools
import logging

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import JsonResponse

log = logging.getLogger("candour.health")

# Every page links the design system's CSS (candour/web/jinja2/web/base.jinja).
PAGE_STYLESHEET = "nhsuk/nhsuk-frontend.min.css"


@functools.cache
def migrations_in_code() -> frozenset[tuple[str, str]]:
    """Every migration this code has, read from disk once per process."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def migrations() -> str:
    applied = MigrationRecorder(connection).applied_migrations()
    missing = len(migrations_in_code() - set(applied))
    return "ok" if not missing else f"{missing} not applied"


def static_files() -> str:
    if isinstance(staticfiles_storage, ManifestFilesMixin):  # CANDOUR_DEBUG=0
        try:
            staticfiles_storage.stored_name(PAGE_STYLESHEET)
        except ValueError:
            return "not collected"
        return "ok"
    return "ok" if finders.find(PAGE_STYLESHEET) else "not built"


def readiness() -> dict[str, str]:
    checks = {}
    try:
        checks["database"] = database()
    except DatabaseError:
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    else:
        checks["migrations"] = migrations()
    checks["static files"] = static_files()
    return checks


def _answer(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return _answer({"status": "alive"})
        if request.path == "/readyz":
            checks = readiness()
            if all(result == "ok" for result in checks.values()):
                return _answer({"status": "ready", "checks": checks})
            log.warning("Not ready: %s", ", ".join(f"{k} {v}" for k, v in checks.items()))
            return _answer({"status": "not ready", "checks": checks}, status=503)
        return self.get_response(request)
