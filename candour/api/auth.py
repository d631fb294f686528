"""Who is calling: an API token (`Authorization: Bearer <token>`) for integrations, or the
Django session for a person using the browsable docs.

A bearer header that is present but wrong is refused at once (401); it never falls back to
the session. The session path checks CSRF on unsafe methods, but only once it has found a
signed-in user, so an anonymous request is told 401 (sign in) rather than 403 (CSRF).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from candour.organisations.models import ApiToken

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            raise AuthenticationError(message="The API token is not valid or has been revoked.")
        now = timezone.now()
        stale = now - LAST_USED_RESOLUTION
        if found.last_used_at is None or found.last_used_at < stale:
            ApiToken.objects.filter(pk=found.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
            ).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """Django's session, CSRF-protected for unsafe methods (ninja's django_auth, except that
    the CSRF check comes after finding a user, so that no sign-in means 401)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        # A session counts only once the second factor is verified (django-otp's middleware
        # sets is_verified); a password-only session, however it came about, is not signed in.
        if user is None or not user.is_authenticated or not user.is_verified():
            return None
        if check_csrf(request):
            raise HttpError(
                403,
                "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken "
                "header, or use an API token.",
            )
        return user


bearer_token = BearerToken()
session = SessionAuth()
