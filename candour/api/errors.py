"""One shape for every refusal, so that a client handles errors in one place.

- 422 `{"detail": [{"field": "complainant.nhs_number", "message": "..."}]}`: the input is
  wrong (the domain's InvalidCase, ninja's own validation, malformed JSON, a policy problem);
- 409 `{"detail": "..."}`: the case is not in a state that allows the action;
- 403 `{"detail": "..."}`: the user's role does not allow it;
- 404 `{"detail": "..."}`: no such case (or organisation) that the user can see;
- 401 `{"detail": "..."}`: not signed in, or the token is wrong or revoked.
"""

from __future__ import annotations

from django.http import JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from candour.cases.access import CaseNotFound
from candour.cases.attachments import AttachmentNotFound
from candour.cases.intake import InvalidCase
from candour.cases.workflow import CaseError, PermissionDenied, TransitionNotAllowed
from candour.organisations.policy import PolicyError

# ninja prefixes each error's location with where it came from, and body errors with the
# name of the body parameter too.
SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
BODY_PARAMETER = "payload"


class NotFound(Exception):
    """Something other than a case that the user cannot see (an organisation)."""


def field_of(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and parts and parts[0] == BODY_PARAMETER:
            parts = parts[1:]
        if not parts:
            return source
    return ".".join(parts) or "body"


def invalid(request, api, items: list[dict]):
    return api.create_response(request, {"detail": items}, status=422)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return invalid(
            request,
            api,
            [
                {"field": field_of(e.get("loc", ())), "message": e.get("msg", "")}
                for e in exc.errors
            ],
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # ninja reports a body it cannot parse as 400; it is bad input like any other.
            return invalid(
                request,
                api,
                [{"field": "body", "message": "is not valid JSON; send a JSON object"}],
            )
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc: AuthenticationError):
        message = str(exc) if str(exc) != "Unauthorized" else "Sign in, or send an API token."
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="candour"'
        return response

    @api.exception_handler(InvalidCase)
    def invalid_case(request, exc: InvalidCase):
        message = str(exc).removeprefix(f"{exc.field}: ")
        return invalid(request, api, [{"field": exc.field, "message": message}])

    @api.exception_handler(PolicyError)
    def policy_error(request, exc: PolicyError):
        return invalid(request, api, [{"field": "policy", "message": str(exc)}])

    @api.exception_handler(TransitionNotAllowed)
    def not_allowed(request, exc: TransitionNotAllowed):
        return api.create_response(request, {"detail": str(exc)}, status=409)

    @api.exception_handler(PermissionDenied)
    def denied(request, exc: PermissionDenied):
        return api.create_response(request, {"detail": str(exc)}, status=403)

    @api.exception_handler(CaseError)
    def case_error(request, exc: CaseError):
        return api.create_response(request, {"detail": str(exc)}, status=409)

    @api.exception_handler(CaseNotFound)
    def case_not_found(request, exc: CaseNotFound):
        return api.create_response(request, {"detail": str(exc)}, status=404)

    @api.exception_handler(AttachmentNotFound)
    def attachment_not_found(request, exc: AttachmentNotFound):
        return api.create_response(request, {"detail": str(exc)}, status=404)

    @api.exception_handler(NotFound)
    def not_found(request, exc: NotFound):
        return api.create_response(request, {"detail": str(exc)}, status=404)


def field_errors(items: list[tuple[str, str]]) -> JsonResponse:
    """The 422 of this module's first kind, for refusals made before the API's own views run
    (candour/config/edge.py)."""
    detail = [{"field": field, "message": message} for field, message in items]
    return JsonResponse({"detail": detail}, status=422)
