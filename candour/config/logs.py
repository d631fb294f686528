"""Candour's logs: one line per request and per error, JSON in production, plain text in
development (settings.LOGGING, which gunicorn's own lines use too: candour/config/gunicorn.py).

A JSON line holds time, level, logger and message, and for a request its method, path
(without the query string), status, duration in milliseconds and request id. The request id
is the reverse proxy's X-Request-ID when it sends a sensible one (deploy/nginx), otherwise a
new one; the response carries it back, and every line logged while the request is handled
carries it too, so that an error can be matched to its request.

What is never written: query strings (search words, names and NHS numbers are searched for
in them), bodies, cookies and headers. An error is written with its type, the first line of
its message and where it was raised: the lines of a database error after the first (its
DETAIL) can quote the values of the row that caused it.

The standard library's logging.Formatter, not a JSON logging package: the fields are a fixed
list that we choose, which is the point, and writing them is json.dumps of a dict (ADR 0012).
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

# The fields a record may carry into a JSON line, besides time, level, logger and message.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id")
REQUEST_ID = ContextVar("candour_request_id", default=None)
# A proxy's request id is kept only if it looks like one (nginx's $request_id is 32 hex).
SENSIBLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
PATH_LIMIT = 500

request_log = logging.getLogger("candour.request")


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:limit]


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info and record.exc_info[0] is not None:
            kind, error, tb = record.exc_info
            line["error"] = f"{kind.__module__}.{kind.__qualname__}"
            line["error_message"] = _first_line(str(error))
            line["traceback"] = "".join(traceback.format_tb(tb))
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds the request id of the request being handled (if any) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


def logging_config(*, debug: bool, level: str) -> dict:
    """settings.LOGGING: everything to standard error, JSON unless `debug`. The root logger
    at `level` (CANDOUR_LOG_LEVEL); Candour's own request lines and gunicorn's start, stop
    and worker lines at INFO whatever it is. gunicorn's access log is off: the request line
    written by RequestLogMiddleware replaces it."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain" if debug else "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Their records pass to the root logger's handler whatever the root's own level.
        "loggers": {
            "candour": {"level": "INFO"},
            "gunicorn.error": {"level": "INFO", "propagate": True},
            "gunicorn.access": {"level": "WARNING", "propagate": False},
        },
    }


def _request_id(request) -> str:
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    return offered if SENSIBLE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


class RequestLogMiddleware:
    """First in settings.MIDDLEWARE: one line per request, timed from when Django has the
    request until the response is ready (a streamed file's bytes are sent afterwards)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id(request)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            path = request.path[:PATH_LIMIT]
            request_log.info(
                "%s %s %s %s ms",
                request.method,
                path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "request_id": request_id,
                },
            )
            return response
        finally:
            REQUEST_ID.reset(token)
