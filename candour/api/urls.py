"""The JSON API: /api/v1/..., its OpenAPI schema at /api/openapi.json and docs at /api/docs.

Mounted by one line in candour/config/urls.py."""

from __future__ import annotations

from ninja import NinjaAPI

from candour import text
from candour.api import (
    actions,
    attachments,
    cases,
    coding,
    contacts,
    errors,
    escalation,
    learning,
    letters,
    reports,
    restrictions,
)
from candour.api.auth import bearer_token, session

DESCRIPTION = """\
Candour's case file for integrations.

**Authentication**: `Authorization: Bearer <token>` with an API token, or your signed-in
session (unsafe methods then need the `X-CSRFToken` header).

**Scope**: you see the cases of the organisations where you hold a role, and of those below
them. Any other case does not exist as far as the API is concerned (404, never 403).
Recording a case in an organisation you cannot see is 404; in one you can see but where
your role does not allow recording cases, 403.

**Reports** (`/api/v1/reports/...`): the figures of the report pages, for organisations
where your role includes reports and you see the cases; one whose cases you cannot see is
404, one whose cases you see but whose reports your role does not is 403.

**Transitions**: each operation that takes a case through the state machine names the
transitions it performs in `x-candour-transitions` (the names `allowed_actions` gives).

**Text**: any string may hold any character but the invisible control characters (NUL and the
other C0 controls except tab, line feed and carriage return, and U+FFFE, U+FFFF) and lone
surrogates; such a string, anywhere in a request, is refused with 422 naming the field.

**Errors**: 422 `{"detail": [{"field": ..., "message": ...}]}` for input to correct;
409 `{"detail": ...}` when the case's state does not allow the action; 403 when your role
does not; 404 when there is no such case that you can see; 401 when not signed in.
"""


def _text_schemas(schema, components: dict, seen: set[str]) -> None:
    """Give every string this schema accepts, nested ones included, candour.text's pattern;
    one that has a pattern, a format or a list of values already says more."""
    if isinstance(schema, list):
        for item in schema:
            _text_schemas(item, components, seen)
        return
    if not isinstance(schema, dict):
        return
    reference = schema.get("$ref", "")
    if reference.startswith(COMPONENTS) and reference not in seen:
        seen.add(reference)
        _text_schemas(components.get(reference.removeprefix(COMPONENTS)), components, seen)
    if schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(schema):
        schema["pattern"] = text.PATTERN
    for key in ("properties", "$defs"):
        _text_schemas(list(schema.get(key, {}).values()), components, seen)
    for key in ("items", "prefixItems", "anyOf", "oneOf", "allOf", "additionalProperties"):
        _text_schemas(schema.get(key), components, seen)


COMPONENTS = "#/components/schemas/"


class CandourAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The schema, with what counts as text said on every string a request may carry (its
        path, query and body); responses are left as they are."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.get("components", {}).get("schemas", {})
        seen: set[str] = set()
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    _text_schemas(parameter.get("schema"), components, seen)
                for content in operation.get("requestBody", {}).get("content", {}).values():
                    _text_schemas(content.get("schema"), components, seen)
        return schema


api = CandourAPI(
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
api.add_router("/v1/cases", escalation.router)
api.add_router("/v1/cases", attachments.router)
api.add_router("/v1/cases", coding.router)
api.add_router("/v1/coding", coding.bulk_router)
api.add_router("/v1/cases", contacts.router)
api.add_router("/v1/learning", learning.router)
api.add_router("/v1", letters.router)
api.add_router("/v1/reports", reports.router)
api.add_router("/v1/cases", restrictions.cases_router)
api.add_router("/v1", restrictions.router)

urlpatterns, app_name, _namespace = api.urls
