"""The one way the acceptance scenario talks to Candour: HTTP requests to the API with a
member of staff's API token (`Authorization: Bearer`), as an integration would. Django's test
Client here; bench/year_via_api.py sends the same requests over a real socket."""

from __future__ import annotations

import json
from functools import cached_property

from django.test import Client

BASE = "/api/v1"


class Refused(AssertionError):
    """The API answered a step of the scenario with something other than what it expected."""


class Door:
    """A member of staff at the API, with their token."""

    def __init__(self, username: str, token: str, client: Client | None = None):
        self.username = username
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: dict | None = None, *, expect=(200, 201)):
        url = BASE + path
        if method == "GET":
            response = self.client.get(url, body or {}, headers=self.headers)
        else:
            response = getattr(self.client, method.lower())(
                url, json.dumps(body or {}), content_type="application/json", headers=self.headers
            )
        if response.status_code not in expect:
            raise Refused(
                f"{self.username}: {method} {path} {json.dumps(body, default=str)} answered "
                f"{response.status_code}: {response.content.decode()[:800]}"
            )
        return response.json()

    def get(self, path: str, **params):
        return self.call("GET", path, params)

    def post(self, path: str, body: dict | None = None):
        return self.call("POST", path, body)

    def put(self, path: str, body: dict):
        return self.call("PUT", path, body)


class Schema:
    """What the API's own OpenAPI schema says each request body takes: the scenario enters a
    step late (with the time it happened) only where the API takes that time."""

    def __init__(self, client: Client | None = None):
        self.client = client or Client()

    @cached_property
    def document(self) -> dict:
        return self.client.get("/api/openapi.json").json()

    def fields(self, path: str, method: str = "post") -> set[str]:
        """The top-level fields of the request body of `path` (written as in the schema, for
        example /api/v1/cases/{reference}/acknowledge)."""
        operation = self.document["paths"].get(path, {}).get(method)
        if operation is None:
            return set()
        content = operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        ref = schema.get("$ref", "")
        if ref:
            schema = self.document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return set(schema.get("properties", {}))

    def has(self, path: str, method: str = "post") -> bool:
        return method in self.document["paths"].get(path, {})
