"""The JSON API: /api/v1/..., its OpenAPI schema at /api/openapi.json and docs at /api/docs.

Mounted by one line in candour/config/urls.py."""

from __future__ import annotations

from ninja import NinjaAPI

from candour.api import actions, attachments, cases, errors, learning, letters
from candour.api.auth import bearer_token, session

DESCRIPTION = """\
Candour's case file for integrations.

**Authentication**: `Authorization: Bearer <token>` with an API token, or your signed-in
session (unsafe methods then need the `X-CSRFToken` header).

**Scope**: you see the cases of the organisations where you hold a role, and of those below
them. Any other case does not exist as far as the API is concerned (404, never 403).
Recording a case in an organisation you cannot see is 404; in one you can see but where
your role does not allow recording cases, 403.

**Errors**: 422 `{"detail": [{"field": ..., "message": ...}]}` for input to correct;
409 `{"detail": ...}` when the case's state does not allow the action; 403 when your role
does not; 404 when there is no such case that you can see; 401 when not signed in.
"""

api = NinjaAPI(
    title="Candour API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=[bearer_token, session],
)
errors.install(api)
api.add_router("/v1/cases", cases.router)
api.add_router("/v1/cases", actions.router)
api.add_router("/v1/cases", attachments.router)
api.add_router("/v1/learning", learning.router)
api.add_router("/v1", letters.router)

urlpatterns, app_name, _namespace = api.urls
